"""The sandbox's terminal client against the real bot, read as a player reads it.

The whole-quiz tests read only what the terminal prints unprompted (its live printer): the
question, the choices with their references, the result, "Quiz over". The game's state is
looked at only to know which answer is right, as a player who knows the answer would.
The quiz's clock is a ManualClock: the test moves time; nothing sleeps.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.terminal import TerminalSession, parse_options
from bot.services.clock import ManualClock
from tests.e2e.helpers import ADMIN, ALICE, CHANNEL, GUILD, SECOND_CHANNEL, World
from tests.e2e.test_quiz import current_question, tick


class Screen:
    """A terminal acting as ``ADMIN`` in #general, and everything it printed live."""

    def __init__(self, world: World, clock: ManualClock | None = None) -> None:
        now = (lambda: clock.wall().timestamp()) if clock is not None else None
        self.world = world
        self.terminal = TerminalSession(
            world.server, guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, now=now
        )
        self.printed: list[str] = []
        self.stop = self.terminal.go_live(self.printed.append)
        self.read = 0  # how many characters of the transcript the test has read

    def transcript(self) -> str:
        return "\n".join(self.printed)

    async def type(self, line: str) -> str | None:
        """Type a line; returns what handle() answers at once (errors, /who…), not the
        channel's messages: those arrive through the live printer."""
        return await self.terminal.handle(line)

    async def expect(self, pattern: str) -> re.Match[str]:
        """Wait until the terminal has printed, after what was read so far, text matching
        ``pattern``; everything up to the end of the match counts as read."""

        def probe() -> re.Match[str] | None:
            return re.compile(pattern).search(self.transcript(), self.read)

        try:
            match = await self.world.server.wait_for(probe, timeout=5)
        except TimeoutError:
            unread = self.transcript()[self.read :]
            raise AssertionError(f"never printed {pattern!r}; printed:\n{unread}") from None
        self.read = match.end()
        return match


def choice_ref(question_text: str, label: str) -> str:
    """The reference printed beside the choice ``label``: ``[4.2] 1961`` → ``4.2``."""
    match = re.search(rf"\[(\d+\.\d+)\] {re.escape(label)}(?=   |\n|$)", question_text)
    assert match, f"no choice {label!r} in:\n{question_text}"
    return match.group(1)


def right_label(world: World) -> tuple[str, int]:
    question = current_question(world)
    index = question.choices.index(question.answer)
    return question.choice_labels[index], index


async def test_a_whole_buttons_quiz_read_from_the_terminal(
    world: World, clock: ManualClock
) -> None:
    screen = Screen(world, clock)
    assert await screen.type("/quiz start rounds: 2 seconds: 10 kinds: Year mode: buttons") == ""
    first = await screen.expect(
        r"── (\d+) · Defector Bot ─+\n┃ Question 1 of 2 · Year\n┃ In what year did [^?]+\?\n"
        r"┃ Pick one: Closes in 10 s\n┃ — Difficulty [●○]{3} · Hint: /quiz hint \(−3 points"
        r"[^\n]*\n(?:┃ .*\n)*?(?P<buttons>\[\d+\.1\] .+)"
    )
    number = first.group(1)
    assert re.fullmatch(rf"(\[{number}\.\d\] \d{{4}}\s*){{4}}", first.group("buttons"))
    label, _ = right_label(world)
    ref = choice_ref(first.group(0), label)
    assert await screen.type(ref) == ""
    await screen.expect(
        r"· only you can see this ─+\nLocked in\. Everyone playing has answered: the results "
        r"come in a few seconds,\sonce others have had a chance to join\."
    )

    await tick(clock, 10.5)  # the question closes
    await screen.expect(rf"── {number}: closed, its buttons no longer work")
    result = await screen.expect(
        rf"┃ Question 1: the answer was {label}\n┃ Closed early: everyone playing had answered\.\n"
        r"┃ Got it: @admin \+\d+ \(0\.0 s\)\n┃ Standings: 1\. @admin · \d+ points\n"
        # A short explanation shares the field's line ("From the source: …"); the question
        # is drawn at random, so either form may come.
        r"┃ From the source(: .+\n|\n(┃   .+\n)+)\[(\d+)\.1\] Learn more: "
    )
    assert "<@" not in result.group(0) and "**" not in result.group(0)
    # A late click: said in words, in one line, without the button's custom id.
    late = await screen.type(ref)
    assert late == f"! {ref} “{label}” can no longer be clicked: the bot has closed it"

    await tick(clock, 4)  # the reveal pause, then question 2
    second = await screen.expect(r"┃ Question 2 of 2 · Year\n(.+\n)+?(\[\d+\.1\] .+)")
    label, index = right_label(world)
    assert f"] {label}" in second.group(0)
    # A bare number clicks the newest message that has buttons: the question.
    assert await screen.type(str(index + 1)) == ""
    await screen.expect("Locked in")
    await tick(clock, 10.5)
    await screen.expect(
        rf"┃ Question 2: the answer was {label}\n┃ Closed early: everyone playing had answered\.\n"
        r"┃ Got it: @admin \+"
    )
    await screen.expect(
        r"┃ Quiz over\n┃ All rounds played\.\n┃ Winner: 🏆 @admin\n"
        r"┃ Standings: 1\. @admin · \d+ points\n"
        r"(┃ \[image: .+/quiz-standings\.png\]\n)?┃ — 2 questions"
    )
    screen.stop()


async def test_a_whole_typed_quiz_read_from_the_terminal(world: World, clock: ManualClock) -> None:
    screen = Screen(world, clock)
    assert await screen.type("/quiz start rounds: 2 seconds: 30 kinds: year mode: typed") == ""
    await screen.expect(
        r"┃ Question 1 of 2 · Year\n┃ In what year did [^?]+\?\n"
        r"┃ Type your answer in this channel: Closes in 30 s\n"
    )
    question = current_question(world)
    # A year is not a button: it is posted as a message, and the bot's ✅ is printed.
    assert await screen.type(str(question.answer)) == ""
    await screen.expect(rf"✅  on your message “{question.answer}”")
    # The question stops counting down; only the line that changed is printed again.
    await screen.expect(
        r"── \d+ · Defector Bot · edited ─+\n"
        r"┃ Type your answer in this channel: Closed: the answer is below\.\n──"
    )
    await screen.expect(
        rf"┃ Question 1: the answer was {question.answer}\n┃ Got it: @admin \+\d+ \(0\.0 s\)"
    )

    await tick(clock, 4)  # the reveal pause, then question 2, answered by boris
    await screen.expect(r"┃ Question 2 of 2 · Year\n")
    question = current_question(world)
    assert (
        await screen.type("/as boris") == "You are now boris (member: no moderation permissions)."
    )
    assert screen.terminal.prompt() == "boris@#general> "
    await screen.type(str(question.answer))
    await screen.expect(rf"✅  on your message “{question.answer}”")
    await screen.expect(rf"┃ Question 2: the answer was {question.answer}\n┃ Got it: @boris \+")
    final = await screen.expect(r"┃ Quiz over\n(┃ .*\n)*┃ — 2 questions")
    assert re.search(r"┃ Standings\n┃   1\. @\w+ · \d+ points\n┃   2\. @\w+ · ", final.group(0))
    screen.stop()


async def test_acting_as_others_and_their_permissions(world: World, clock: ManualClock) -> None:
    screen = Screen(world, clock)
    who = await screen.type("/who")
    assert who is not None
    assert re.search(r"\n  admin +owner: every permission   ← acting as\n", who)
    assert re.search(r"\n  boris +member: no moderation permissions\n", who)
    assert "#general ← here  #channel-2" in who
    assert await screen.type("/quiz start rounds: 1 seconds: 30 kinds: year") == ""
    await screen.expect("Question 1 of 1")

    await screen.type("/as @boris")
    stop = await screen.type("/quiz stop")
    assert stop == ""
    await screen.expect(
        r"· only you can see this ─+\nOnly the member who started this quiz, or someone with\s"
        r"Manage Messages, can do\s+that\."
    )
    hidden = await screen.type("/quizconfig show")
    assert hidden == (
        "! /quizconfig is hidden from boris: it needs Manage Server (Discord shows it only to "
        "members who have that; /as NAME to switch)"
    )
    # Live output follows the member: boris does not see alice's ephemeral reply.
    await world.slash("quiz status", user=ALICE)
    assert await screen.type("/quiz status") == ""
    status = await screen.expect(r"── (\d+) · Defector Bot · only you can see this")
    assert status.group(0) in screen.transcript()
    assert screen.transcript().count("only you can see this") == 2  # boris's two, not alice's
    # A message in another channel is announced once, in one line; /go there shows it.
    await world.server.user_message(GUILD, SECOND_CHANNEL, ALICE, "over **here**")
    await world.server.user_message(GUILD, SECOND_CHANNEL, ALICE, "and here")
    await screen.expect(r"── new messages in #channel-2 \(/go #channel-2\)")
    assert "#channel-2" not in screen.transcript()[screen.read :]
    went = await screen.type("/go #channel-2")
    assert went is not None and went.startswith("You are now in #channel-2.\n── ")
    assert "alice ─" in went and "\nover here\n" in went and went.endswith("\nand here")
    assert screen.terminal.prompt() == "boris@#channel-2> "
    assert "! there is no channel" in (await screen.type("/go #nowhere") or "")
    assert "! there is no member 'nobody' here; try one of: @admin" in (
        await screen.type("/as nobody") or ""
    )
    screen.stop()


async def test_options_by_name(world: World) -> None:
    screen = Screen(world)
    assert await screen.type("/quiz stats member: boris") == ""
    await screen.expect(r"@boris")
    assert await screen.type("/quiz stats member: <@1200000000000000011>") == ""
    await screen.expect(r"@alice")
    assert await screen.type("/quiz start mode: bottons") == "! mode is one of: buttons, typed"
    assert (await screen.type("/quiz stats member: nobody") or "").startswith(
        "! there is no member 'nobody' here; try one of: @admin, @alice, @boris"
    )
    assert await screen.type("/quizconfig channel channel: #channel-2 allowed: yes") == ""
    await screen.expect(r"#channel-2")
    assert await screen.type("/quiz start rounds: lots") == "! rounds is a whole number, not 'lots'"


async def test_a_person_at_the_keyboard_without_live_output(world: World) -> None:
    async def no_pause() -> None:
        return None

    terminal = TerminalSession(
        world.server, guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN, settle=no_pause
    )
    card = await terminal.handle("/defector lookup name: nureyev")
    assert card is not None and "┃ Rudolf Nureyev" in card and "Soviet Union" in card
    assert "**" not in card
    listing = await terminal.handle("/defector search origin: Hungary")
    assert listing is not None and "Page 1 of 2" in listing
    next_page = re.search(r"\[(\d+\.\d+)\] Next ▶", listing)
    menu = re.search(r"\[(\d+\.\d+)\] ▾ ", listing)
    assert next_page and menu
    turned = await terminal.handle(next_page.group(1))
    assert turned is not None and "Page 2 of 2" in turned and "(edited)" not in turned
    opened = await terminal.handle(f"{menu.group(1)} 1")
    assert opened is not None and "· only you can see this" in opened
    by_name = await terminal.handle(f"{menu.group(1)} czibor")  # a name, any case or accent
    assert by_name is not None and "┃ Zoltán Czibor" in by_name
    assert await terminal.handle(f"{menu.group(1)} gabor") == (
        f"! 2 options match 'gabor'; pick one of 1–8: `{menu.group(1)} <number or name>`"
    )
    choices = await terminal.handle("?/defector lookup name: koz")
    assert choices is not None and choices.splitlines()[0].strip().startswith("Leonid Kozlov")
    by_label = await terminal.handle("/defector random method: Flew or hijacked a plane")
    assert by_label is not None and "Flew or hijacked a plane" in by_label


async def test_mistakes_are_one_line(world: World) -> None:
    terminal = TerminalSession(world.server, guild_id=GUILD, channel_id=CHANNEL, user_id=ADMIN)
    terminal.go_live(lambda _: None)
    assert (await terminal.handle("/defector nuke") or "").startswith("! no command")
    assert (await terminal.handle("/defector lookup nom: x") or "").startswith(
        "! /defector lookup has no option nom"
    )
    assert await terminal.handle("7.2") == "! there is no message 7 on screen"
    # A number with no control of that number (a year in a typed quiz) is posted as text.
    assert await terminal.handle("1961") == ""
    assert world.server.messages(CHANNEL)[-1].content == "1961"
    assert await terminal.handle("") == ""
    assert "/as NAME" in (await terminal.handle("help") or "")
    assert await terminal.handle("quit") is None


async def test_live_output_stops_when_asked(world: World) -> None:
    screen = Screen(world)
    assert await screen.type("/defector lookup name: nureyev") == ""
    await screen.expect("┃ Rudolf Nureyev")
    screen.stop()
    before = len(screen.printed)
    await screen.type("/defector lookup name: nureyev")
    assert len(screen.printed) == before  # stopped: nothing more is printed


def test_parse_options() -> None:
    assert parse_options("name: nureyev") == {"name": "nureyev"}
    assert parse_options("origin: Soviet Union year_from: 1961") == {
        "origin": "Soviet Union",
        "year_from": "1961",
    }
    assert parse_options("") == {}
    with pytest.raises(ValueError):
        parse_options("just words")


def test_the_sandbox_never_follows_database_url(tmp_path: object) -> None:
    from pathlib import Path

    from bot.config import Settings
    from bot.runner import sandbox_settings

    assert isinstance(tmp_path, Path)
    base = Settings(_env_file=None, data_dir=tmp_path, database_url="postgresql+asyncpg://prod/db")  # type: ignore[call-arg]
    own = sandbox_settings(base, "http://127.0.0.1:1/api", "ws://127.0.0.1:1", "t")
    assert own.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'sandbox.sqlite3').resolve()}"
    chosen = sandbox_settings(base, "http://x/api", "ws://x", "t", "sqlite+aiosqlite:///x.db")
    assert chosen.database_url == "sqlite+aiosqlite:///x.db"


def test_the_sandbox_command_with_piped_input(tmp_path: Path) -> None:
    """``defector-bot sandbox`` as a user starts it: its own server, live output, a clean end
    when input ends (a pipe: no prompt, plain text)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env["DATABASE_URL"] = "postgresql+asyncpg://must-not-be-used/db"  # the sandbox has its own
    lines = ["/who", "/defector lookup name: stastny", "1.2", "/as boris", "/quizconfig show", ""]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox"],
        input="\n".join(lines),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Connected: you are 'you', the owner, in #general" in out
    assert re.search(r"\n  vera +Manage Messages\n", out)
    assert "#general ← here  #quiz" in out
    assert "[1.1] Anton Šťastný   [1.2] Peter Šťastný" in out
    assert re.search(r"── 2 · Defector Bot ─+\n┃ Peter Šťastný\n", out)
    assert "! /quizconfig is hidden from boris: it needs Manage Server" in out
    assert (tmp_path / "var" / "sandbox.sqlite3").exists()
