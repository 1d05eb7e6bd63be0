"""Quizzes while the local Discord misbehaves (issue 6): 429s with retry-after, 500s, a
gateway RECONNECT, a dropped connection (RESUME) and redelivered events.

What must hold whatever Discord does: the game goes on, nothing is scored twice (the game
dedupes by interaction id for clicks and by message id for typed answers) and every
interaction gets exactly one answer within 3 seconds (``answered_once``; the world fixture
also fails on any violation, e.g. a late or second callback, and on any stray ping).

The quiz service's clock is a ManualClock: the test moves time; nothing sleeps. The only real
waits are discord.py's own: 0.01 s retry-afters, and 1 s before it retries a 500.
"""

from __future__ import annotations

import asyncio

from bot.sandbox.model import Interaction, Message
from bot.services.clock import ManualClock
from tests.e2e.helpers import ADMIN, ALICE, BORIS, CHANNEL, GUILD, HOST, World
from tests.e2e.test_quiz import (
    asked_question,
    choice_index,
    current_question,
    final_message,
    game_in,
    question_message,
    result_message,
    scorers,
    service,
    start,
    tick,
)

MESSAGES = f"/channels/{CHANNEL}/messages"
HANDLER_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-")
"""Names discord.py 2.7 gives the tasks running event listeners, slash commands and
component callbacks."""


# -- helpers -----------------------------------------------------------------------------------


async def lock_in(world: World, message: Message, index: int, user: int) -> Interaction:
    """``user`` clicks answer ``index``; the bot's one answer is "Locked in"."""
    button = message.buttons()[index]
    assert button.custom_id is not None
    interaction = await world.server.click(message.id, button.custom_id, user)
    reply = await interaction.wait_for_original(timeout=5)
    assert reply.ephemeral and reply.content.startswith("Locked in"), reply.content
    return interaction


def statuses(world: World, method: str, path: str) -> list[int]:
    """The status of every request the bot made to ``method path``, in order."""
    return [r.status for r in world.server.requests if r.method == method and r.path == path]


def callback_path(interaction: Interaction) -> str:
    return f"/interactions/{interaction.id}/{interaction.token}/callback"


def answered_once(world: World) -> None:
    """Every interaction so far got exactly one callback, accepted within the deadline."""
    for interaction in world.server.interactions.values():
        accepted = [cb for cb in interaction.callbacks if cb["accepted"]]
        assert len(interaction.callbacks) == len(accepted) == 1, (
            interaction,
            interaction.callbacks,
        )
        assert not interaction.deadline_reported, interaction


async def settle(world: World) -> None:
    """Let the bot finish with every event dispatched so far.

    A /quiz status round trip proves it has read every earlier gateway frame (one ordered
    stream); then wait for the handler tasks those frames started, so whatever the bot does
    about them (a callback, a reaction) has reached the local Discord.
    """
    await world.reply(await world.slash("quiz status", {}, user=ADMIN))
    me = asyncio.current_task()
    async with asyncio.timeout(5):
        while busy := [
            task
            for task in asyncio.all_tasks()
            if task is not me and not task.done() and task.get_name().startswith(HANDLER_TASKS)
        ]:
            await asyncio.wait(busy)


def replayed(world: World) -> list[int]:
    """How many missed events each RESUME so far replayed (from the gateway's log)."""
    return [
        int(line.rsplit("(replayed ", 1)[1].rstrip(")"))
        for line in world.server.gateway.log
        if ": RESUME from seq " in line
    ]


def take_violations(world: World) -> list[str]:
    """Move the violations out of the sandbox, for a test that asserts on them itself (so the
    world fixture does not report them a second time at teardown)."""
    found = list(world.server.violations)
    world.server.violations.clear()
    return found


async def ledger(world: World, user: int) -> tuple[int, int]:
    """(answers, points) the answer ledger holds for ``user`` on this server."""
    stats = await service(world).stats(user_id=user, guild_id=GUILD)
    return stats.answers, stats.points


# -- REST failures -----------------------------------------------------------------------------


async def test_429s_while_posting_questions_are_retried_and_the_game_goes_on(
    world: World, clock: ManualClock
) -> None:
    server = world.server
    # Two 429s (Via header, retry_after 0.01 s) on the first channel post: question 1.
    server.inject_rest_failure("POST", "/channels/*/messages", status=429, count=2,
                               retry_after=0.01)  # fmt: skip
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    first = await question_message(world, 1)
    assert statuses(world, "POST", MESSAGES) == [429, 429, 200]
    question = current_question(world)
    await lock_in(world, first, choice_index(question, True), ALICE)
    await tick(clock, 10.5)
    assert scorers(await result_message(world, 1)) == [f"<@{ALICE}> +10 (0.0 s)"]

    # And once more on question 2, posted after the reveal pause.
    server.inject_rest_failure("POST", "/channels/*/messages", status=429, retry_after=0.01)
    await tick(clock, 4)
    second = await question_message(world, 2)
    assert statuses(world, "POST", MESSAGES)[-2:] == [429, 200]
    question = current_question(world)
    await lock_in(world, second, choice_index(question, True), BORIS)
    await tick(clock, 10.5)
    assert scorers(await result_message(world, 2)) == [f"<@{BORIS}> +10 (0.0 s)"]
    final = (await final_message(world)).embed_text()
    assert f"<@{ALICE}> · 10 points" in final and f"<@{BORIS}> · 10 points" in final
    # One question post each, despite the retries.
    posted = [m.embeds[0]["title"] for m in server.messages(CHANNEL) if m.embeds]
    assert len([t for t in posted if t.startswith("Question 1 of")]) == 1
    assert len([t for t in posted if t.startswith("Question 2 of")]) == 1
    assert await ledger(world, ALICE) == (1, 10) and await ledger(world, BORIS) == (1, 10)
    answered_once(world)


async def test_a_500_on_an_interaction_callback_is_retried_and_the_member_is_answered(
    world: World, clock: ManualClock
) -> None:
    server = world.server
    # The /quiz start answer: discord.py retries a 5xx after 1 s, inside the 3 s deadline.
    server.inject_rest_failure("POST", "/interactions/*/*/callback", status=500)
    started = await world.slash(
        "quiz start", {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST
    )
    assert (await world.reply(started)).content.startswith("Quiz #")
    assert statuses(world, "POST", callback_path(started)) == [500, 200]
    first, question = await asked_question(world, 1)

    # A click's answer: the retry re-sends the same callback; the click is not judged again.
    server.inject_rest_failure("POST", "/interactions/*/*/callback", status=500)
    clicked = await lock_in(world, first, choice_index(question, True), ALICE)
    assert statuses(world, "POST", callback_path(clicked)) == [500, 200]
    assert len(game_in(world).game.locked_in) == 1

    await tick(clock, 10.5)
    assert scorers(await result_message(world, 1)) == [f"<@{ALICE}> +10 (0.0 s)"]
    assert f"🏆 <@{ALICE}>" in (await final_message(world)).embed_text()
    assert await ledger(world, ALICE) == (1, 10)
    answered_once(world)


async def test_a_500_on_closing_a_question_still_shows_its_result(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    first, question = await asked_question(world, 1)
    await lock_in(world, first, choice_index(question, False), BORIS)
    # Disabling the question's buttons fails once (retried by discord.py after 1 s).
    world.server.inject_rest_failure("PATCH", "/channels/*/messages/*", status=500)
    await tick(clock, 10.5)
    result = await result_message(world, 1)
    assert scorers(result) == []
    assert statuses(world, "PATCH", f"{MESSAGES}/{first.id}") == [500, 200]
    assert all(b.disabled for b in (world.server.message(first.id) or first).buttons())
    await final_message(world)
    assert await ledger(world, BORIS) == (1, 0)
    answered_once(world)


# -- the gateway -------------------------------------------------------------------------------


async def test_a_reconnect_mid_question_resumes_and_answers_count_once(
    world: World, clock: ManualClock
) -> None:
    server = world.server
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    first, question = await asked_question(world, 1)
    right = choice_index(question, True)
    await lock_in(world, first, right, ALICE)

    await server.force_reconnect(0)  # op 7: the bot closes its socket and RESUMEs
    # Boris clicks while the bot is away: buffered, replayed on RESUME, answered in time.
    boris = await lock_in(world, first, right, BORIS)
    await server.wait_for(lambda: server.resumes(0) == 1)
    await lock_in(world, first, right, ADMIN)  # after the RESUME
    assert server.gateway.identify_count == 1  # resumed, not a new session
    assert replayed(world) == [1]  # Boris's click

    await tick(clock, 10.5)
    lines = scorers(await result_message(world, 1))
    assert sorted(lines) == sorted(f"<@{u}> +10 (0.0 s)" for u in (ALICE, BORIS, ADMIN))
    assert game_in(world).game.scores == {ALICE: 10, BORIS: 10, ADMIN: 10}
    assert len(boris.callbacks) == 1

    await tick(clock, 4)  # the game goes on
    await question_message(world, 2)
    await tick(clock, 10.5)
    await result_message(world, 2)
    await final_message(world)
    for user in (ALICE, BORIS, ADMIN):
        assert await ledger(world, user) == (1, 10)
    answered_once(world)


async def test_a_dropped_connection_is_resumed_and_the_game_goes_on(
    world: World, clock: ManualClock
) -> None:
    server = world.server
    await start(world, {"rounds": 2, "seconds": 30, "kinds": "year", "mode": "typed"})
    _, question = await asked_question(world, 1)

    await server.drop_connection(0)  # TCP gone, no close frame (1006)
    # Alice's answer is posted while the bot is away: replayed on RESUME, judged once.
    sent = await server.user_message(GUILD, CHANNEL, ALICE, str(question.answer))
    await server.wait_for(lambda: server.resumes(0) == 1)
    assert scorers(await result_message(world, 1)) == [f"<@{ALICE}> +10 (0.0 s)"]
    winner = server.message(int(sent["id"]))
    assert winner is not None and winner.reactions == [("✅", server.bot_user_id)]
    assert server.gateway.identify_count == 1 and replayed(world) == [1]  # Alice's answer

    await tick(clock, 4)  # the game goes on: question 2, answered after the RESUME
    _, question = await asked_question(world, 2)
    await server.user_message(GUILD, CHANNEL, BORIS, f"it was {question.answer}")
    assert scorers(await result_message(world, 2)) == [f"<@{BORIS}> +10 (0.0 s)"]
    final = (await final_message(world)).embed_text()
    assert f"<@{ALICE}> · 10 points" in final and f"<@{BORIS}> · 10 points" in final
    assert await ledger(world, ALICE) == (1, 10) and await ledger(world, BORIS) == (1, 10)
    answered_once(world)


# -- redelivered events ------------------------------------------------------------------------


async def test_a_redelivered_click_is_ignored(world: World, clock: ManualClock) -> None:
    server = world.server
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    first, question = await asked_question(world, 1)
    alice = await lock_in(world, first, choice_index(question, True), ALICE)

    # Discord sends Alice's INTERACTION_CREATE again: same id, same token.
    await server.redeliver("INTERACTION_CREATE", alice.id)
    await settle(world)
    assert len(alice.callbacks) == 1  # no second answer (it would be 40060)
    assert len(game_in(world).game.locked_in) == 1

    await tick(clock, 10.5)
    assert scorers(await result_message(world, 1)) == [f"<@{ALICE}> +10 (0.0 s)"]
    await final_message(world)
    assert await ledger(world, ALICE) == (1, 10)
    assert any("redelivered INTERACTION_CREATE" in line for line in server.gateway.log)
    answered_once(world)


async def test_redelivered_typed_answers_are_ignored(world: World, clock: ManualClock) -> None:
    server = world.server
    await start(world, {"rounds": 2, "seconds": 30, "kinds": "year", "mode": "typed"})
    _, question = await asked_question(world, 1)
    wrong = await server.user_message(GUILD, CHANNEL, BORIS, "1700")
    right = await server.user_message(GUILD, CHANNEL, ALICE, f"in {question.answer}")
    assert scorers(await result_message(world, 1)) == [f"<@{ALICE}> +10 (0.0 s)"]

    # Question 2 is open when Discord sends both MESSAGE_CREATEs again (same message ids):
    # judged afresh they would be answers to question 2.
    await tick(clock, 4)
    await question_message(world, 2)
    await server.redeliver("MESSAGE_CREATE", int(right["id"]))
    await server.redeliver("MESSAGE_CREATE", int(wrong["id"]))
    await settle(world)
    assert game_in(world).game.locked_in == frozenset()
    winner = server.message(int(right["id"]))
    assert winner is not None and winner.reactions == [("✅", server.bot_user_id)]

    await tick(clock, 30.5)
    assert scorers(await result_message(world, 2)) == []
    final = (await final_message(world)).embed_text()
    assert f"<@{ALICE}> · 10 points" in final and f"<@{BORIS}> · 0 points" in final
    assert await ledger(world, ALICE) == (1, 10) and await ledger(world, BORIS) == (1, 0)
    answered_once(world)


async def test_a_redelivered_hint_costs_nothing_more(world: World, clock: ManualClock) -> None:
    server = world.server
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "year", "mode": "typed"})
    _, question = await asked_question(world, 1)
    hint = await world.slash("quiz hint", {}, user=ALICE)
    assert (await world.reply(hint)).content.startswith("💡 Hint:")
    await server.redeliver("INTERACTION_CREATE", hint.id)
    await settle(world)
    await server.user_message(GUILD, CHANNEL, BORIS, str(question.answer))
    result = await result_message(world, 1)
    violations = take_violations(world)
    assert scorers(result) == [f"<@{BORIS}> +7 (0.0 s)"]  # one hint: 10 - 3
    assert [cb["status"] for cb in hint.callbacks] == [200]
    assert violations == []


async def test_a_click_redelivered_after_its_question_closed_is_ignored(
    world: World, clock: ManualClock
) -> None:
    server = world.server
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    first, question = await asked_question(world, 1)
    alice = await lock_in(world, first, choice_index(question, True), ALICE)
    await tick(clock, 10.5)
    await result_message(world, 1)
    await server.redeliver("INTERACTION_CREATE", alice.id)  # during the reveal pause
    await settle(world)
    callbacks = [cb["status"] for cb in alice.callbacks]
    violations = take_violations(world)
    assert callbacks == [200]
    assert violations == []
