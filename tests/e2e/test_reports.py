"""Reporting a bad question through the local Discord: the 🚩 button and its modal, one
report per member, the admins' listing, withholding at the threshold, and the operators'
command line that resolves it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.quiz.model import Question
from bot.quiz.questions import NoQuestion
from bot.quiz.report import fact
from bot.sandbox import CommandNotPermitted
from bot.sandbox.model import Interaction, Message
from bot.services.clock import ManualClock
from tests.e2e.helpers import (
    ADMIN,
    ALICE,
    BORIS,
    CHANNEL,
    GUILD,
    HOST,
    OTHER_CHANNEL,
    OTHER_GUILD,
    SECOND_CHANNEL,
    World,
)
from tests.e2e.test_quiz import (
    asked_question,
    question_message,
    result_message,
    service,
    start,
    tick,
)

NOTE = "@everyone it says 1985 but <@1200000000000000013> says otherwise"


async def a_result(world: World, clock: ManualClock) -> tuple[Question, Message]:
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    _, question = await asked_question(world, 1)
    await tick(clock, 11)
    return question, await result_message(world, 1)


def report_id(result: Message) -> str:
    button = next(b for b in result.buttons() if b.label == "Report")
    assert button.custom_id is not None and button.custom_id.startswith("report:")
    return button.custom_id


async def open_report(world: World, result: Message, user: int) -> Interaction:
    """The member clicks the result's Report button; the modal opens."""
    opened = await world.server.click(result.id, report_id(result), user)
    await opened.wait_for_response(timeout=5)
    assert opened.modal is not None
    return opened


async def file_report(
    world: World, result: Message, user: int, reason: str = "wrong_answer", note: str = ""
) -> Message:
    opened = await open_report(world, result, user)
    submitted = await world.server.submit_modal(opened, {"reason": [reason], "note": note})
    return await submitted.wait_for_original(timeout=5)


def cli(world: World, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": str(world.settings.database_url),
        "DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, check=False
    )


async def test_the_modal_offers_the_reasons_and_a_short_private_note(
    world: World, clock: ManualClock
) -> None:
    _, result = await a_result(world, clock)
    opened = await open_report(world, result, ALICE)
    modal = opened.modal
    assert modal is not None and modal["title"] == "Report this question"
    labels = modal["components"]
    assert [label["type"] for label in labels] == [18, 18]  # Discord's Label components
    select, note = labels[0]["component"], labels[1]["component"]
    assert [o["label"] for o in select["options"]] == [
        "The answer is wrong",
        "More than one answer is right",
        "A typo",
        "Something else",
    ]
    assert note["max_length"] == 300 and note["required"] is False
    assert "admins" in labels[1]["description"]
    with pytest.raises(Exception, match="300"):
        await world.server.submit_modal(opened, {"reason": ["typo"], "note": "x" * 301})


async def test_report_list_withhold_and_resolve(
    world: World, clock: ManualClock, tmp_path: Path
) -> None:
    question, result = await a_result(world, clock)
    quiz = service(world)
    others = [r.slug for r in quiz.records if r.slug != question.subject_slug]

    thanks = await file_report(world, result, ALICE, "wrong_answer", NOTE)
    assert thanks.ephemeral and thanks.content.startswith("Thank you")
    again = await file_report(world, result, ALICE, "typo")  # the same member: counts once
    assert "already reported" in again.content
    await file_report(world, result, BORIS, "several_right")
    # Two members: still asked.
    assert fact(quiz.generator.generate([question.kind], exclude=others)) == fact(question)

    # Members cannot read the reports; admins can, and nobody is pinged.
    with pytest.raises(CommandNotPermitted):  # Discord hides the admins' command
        await world.slash("quizconfig reports", {}, user=ALICE)
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    text = listing.embed_text()
    assert listing.ephemeral and question.prompt in text
    assert f"<@{ALICE}> The answer is wrong: “@\u2060everyone it says 1985" in text
    assert f"<@{BORIS}> More than one answer is right" in text
    assert "2 members reporting it everywhere" in text and "· open ·" in text

    # The third member withholds it everywhere: that fact is never asked again.
    await file_report(world, result, HOST, "other")
    with pytest.raises(NoQuestion):
        quiz.generator.generate([question.kind], exclude=others)
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    assert "withheld until resolved" in listing.embed_text()

    # The operators see every server's, as JSON too, and resolve it from the command line.
    key = report_id(result).split(":")[1]
    listed = cli(world, tmp_path, "reports", "--json")
    assert listed.returncode == 0, listed.stderr
    (item,) = json.loads(listed.stdout)
    assert (item["fingerprint"], item["status"], item["members_reporting"]) == (key, "withheld", 3)
    assert {r["reason"] for r in item["reports"]} == {"wrong_answer", "several_right", "other"}
    assert item["reports"][-1]["note"].startswith("@\u2060everyone")
    plain = cli(world, tmp_path, "reports")
    assert plain.returncode == 0 and plain.stdout.startswith(f"{key}  withheld  year  3 members")

    bad = cli(world, tmp_path, "reports", "resolve", "nothex", "--keep")
    assert (bad.returncode, bad.stdout) == (2, "") and len(bad.stderr.splitlines()) == 1
    unknown = cli(world, tmp_path, "reports", "resolve", "0" * 12, "--keep")
    assert unknown.returncode == 2 and "no reported question" in unknown.stderr
    both = cli(world, tmp_path, "reports", "resolve", key, "--keep", "--withhold")
    assert both.returncode == 2 and len(both.stderr.splitlines()) == 1

    kept = cli(world, tmp_path, "reports", "resolve", key, "--keep")
    assert kept.returncode == 0 and "3 open reports closed" in kept.stdout
    # The next game reads the withheld set again: the question is back.
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year"}, user=HOST)
    assert fact(quiz.generator.generate([question.kind], exclude=others)) == fact(question)
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    assert "resolved: keep" in listing.embed_text()

    withheld = cli(world, tmp_path, "reports", "resolve", key, "--withhold")
    assert withheld.returncode == 0 and "0 open reports closed" in withheld.stdout
    await quiz.before_start()  # type: ignore[misc]
    with pytest.raises(NoQuestion):
        quiz.generator.generate([question.kind], exclude=others)


async def test_reports_are_per_server_and_paginated(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 6, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    for number in range(1, 7):
        await question_message(world, number)
        await tick(clock, 11)
        result = await result_message(world, number)
        await file_report(world, result, BORIS, "typo", f"note {number}")
        if number < 6:
            await tick(clock, 4)  # the reveal pause
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    assert "6 questions reported here" in listing.embed_text()
    assert "Page 1 of 2" in listing.embed_text() and "note 6" in listing.embed_text()
    turned = await world.click(listing, "Next ▶", user=ADMIN)
    page2 = await world.wait_for(lambda m: m.id == listing.id and "Page 2 of 2" in m.embed_text())
    assert "note 1" in page2.embed_text() and turned is not None
    beyond = await world.reply(await world.slash("quizconfig reports", {"page": 3}, user=ADMIN))
    assert beyond.ephemeral and beyond.embeds == []
    assert beyond.content == "There are only 2 pages of reported questions here."
    elsewhere = await world.reply(
        await world.slash("quizconfig reports", {}, user=ADMIN, guild=OTHER_GUILD,
                          channel=OTHER_CHANNEL)
    )  # fmt: skip
    assert "No question has been reported in this server." in elsewhere.embed_text()


async def test_privacy_delete_erases_the_reports_a_member_filed(
    world: World, clock: ManualClock
) -> None:
    from bot.db.daily import stored_about

    _, result = await a_result(world, clock)
    await file_report(world, result, BORIS, "typo", "a note of boris")
    await file_report(world, result, ALICE, "other")
    assert world.bot is not None
    sessions = world.bot.services.quiz.sessions
    assert await stored_about(sessions, user_id=BORIS) >= 1
    asked = await world.reply(await world.slash("privacy delete", {}, user=BORIS))
    await world.click(asked, "Delete my data", user=BORIS)
    await world.wait_for(lambda m: m.id == asked.id and "Your data is deleted" in m.embed_text())
    assert await stored_about(sessions, user_id=BORIS) == 0
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    text = listing.embed_text()
    assert f"<@{ALICE}> Something else" in text and "boris" not in text
    assert f"<@{BORIS}>" not in text and "1 member reporting it everywhere" in text


async def test_a_report_button_and_its_modal_work_across_a_restart(
    world: World, clock: ManualClock
) -> None:
    _, result = await a_result(world, clock)
    opened = await open_report(world, result, ALICE)
    await world.restart_bot()  # the modal open on Alice's screen, the button on the result
    submitted = await world.server.submit_modal(opened, {"reason": ["typo"], "note": "typo"})
    assert (await submitted.wait_for_original(timeout=5)).content.startswith("Thank you")
    later = await file_report(world, result, BORIS, "other")
    assert later.content.startswith("Thank you")
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    assert "2 members reporting it everywhere" in listing.embed_text()


async def test_a_question_no_report_stored_is_unknown_after_a_crash(
    world: World, clock: ManualClock
) -> None:
    """Questions are stored when reported or at shutdown: a crash forgets the unreported
    ones, and a report on one is refused in words, privately; a reported one survives."""
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    await question_message(world, 1)
    await tick(clock, 11)
    first = await result_message(world, 1)
    assert (await file_report(world, first, ALICE, "typo")).content.startswith("Thank you")
    await tick(clock, 4)  # the reveal pause
    await question_message(world, 2)
    await tick(clock, 11)
    second = await result_message(world, 2)
    assert world.bot is not None and world.bot.services.reports is not None
    world.bot.services.reports.recent.clear()  # what SIGKILL does: memory gone, no flush
    await world.restart_bot()
    refused = await file_report(world, second, BORIS, "typo")
    assert refused.ephemeral and "can no longer be reported" in refused.content
    assert (await file_report(world, first, BORIS, "other")).content.startswith("Thank you")
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    assert "1 question reported here" in listing.embed_text()
    assert "2 members reporting it everywhere" in listing.embed_text()


async def test_the_terminal_fills_in_the_report_form(world: World, clock: ManualClock) -> None:
    from bot.sandbox.terminal import TerminalSession

    async def no_pause() -> None:
        return None

    _, result = await a_result(world, clock)
    terminal = TerminalSession(
        world.server, guild_id=GUILD, channel_id=CHANNEL, user_id=ALICE, settle=no_pause
    )
    terminal.show_new()
    number = next(n for n, mid in terminal._numbers.items() if mid == result.id)
    index = [b.label for b in result.buttons()].index("Report") + 1
    form = await terminal.handle(f"{number}.{index}")
    assert form is not None and "A form opened: “Report this question”" in form
    assert "1 The answer is wrong · 2 More than one answer is right" in form
    assert (await terminal.handle("form reason: 7") or "").startswith("! reason: pick one of 1–4")
    assert (await terminal.handle("form colour: red") or "").startswith("! the form has no")
    sent = await terminal.handle("form reason: typo note: a missing accent")
    assert sent is not None and "Thank you: your report is in" in sent
    assert (await terminal.handle("form reason: 1") or "").startswith("! no form is open")


async def test_a_typed_question_is_listed_without_the_choices_nobody_saw(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "method", "mode": "typed"}, user=HOST)
    _, question = await asked_question(world, 1)
    await tick(clock, 31)
    await file_report(world, await result_message(world, 1), BORIS, "typo")
    listing = await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))
    text = listing.embed_text()
    assert f"Marked right: **{question.label(question.answer)}**" in text
    assert "Choices:" not in text
    # The same kind with buttons lists the four choices its players saw.
    await start(
        world,
        {"rounds": 1, "seconds": 10, "kinds": "method", "mode": "buttons"},
        user=HOST,
        channel=SECOND_CHANNEL,
    )
    _, shown = await asked_question(world, 1, SECOND_CHANNEL)
    await tick(clock, 11)
    await file_report(world, await result_message(world, 1, SECOND_CHANNEL), BORIS, "typo")
    text = (await world.reply(await world.slash("quizconfig reports", {}, user=ADMIN))).embed_text()
    assert "Choices: " + " · ".join(shown.choice_labels) in text
