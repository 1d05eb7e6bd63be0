"""Crash safety: kill the bot with SIGKILL at random moments during quiz games, restart it,
and check that nothing announced was lost or counted twice.

The script runs the local Discord (``bot.sandbox.LocalDiscord``) and starts the real bot as
its own process (``python -m bot run``, SQLite in WAL mode, typed quiz answers allowed).
Each round: games run in four channels (two in buttons mode, two typed, 5-second
questions), members click answers and type years (some right), and the bot is killed with
SIGKILL; then it is started again. The rounds take turns killing it:

* ``random``: at a random moment (seeded);
* ``tick``: the instant a typed winner's ✅ reaches the local Discord;
* ``answer``: the instant after a right typed answer is posted (before or during its write);
* ``outage``: after a few seconds in which no file of the bot's may grow past 4 KiB (as
  ``prlimit --fsize=4096``): every ledger write fails, results go to the journal until it is
  full too, then are announced as not saved.

After every restart, and at the end:

* every point announced in a result message ("<@member> +N") is in the answer ledger
  exactly once, for that game, question and member (the ledger, or during an outage the
  journal, is written before a result is announced, so a kill between the two loses an
  announcement, never a point); results announced as "Not saved" are counted, not checked;
* every typed message the bot marked ✅ has its author's points in the ledger;
* every game the kill interrupted is closed as ``interrupted`` and its channel was told;
* no game is left running in the database that the bot is not running;
* the SQLite database passes ``PRAGMA integrity_check`` and is in WAL mode.

Run from the project root::

    python -m bench.crash              # 20 kills (the issue's count)
    python -m bench.crash --kills 3    # a smoke run (.ci/run uses this)

Exit status 1 if any check fails; the failures are listed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import resource
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import harness
from bot.sandbox import LocalDiscord, SandboxMember
from bot.sandbox.model import Message, SandboxError
from bot.startup import read_catalogue

GUILD = 1_300_000_000_000_000_001
CHANNELS = [1_300_000_000_000_000_100 + i for i in range(4)]
TYPED = set(CHANNELS[2:])
"""Channels whose games are typed; the others use buttons."""
MODES = ("random", "tick", "answer", "outage")
YEARS = {record.name: record.year for record in read_catalogue()}
MEMBERS = [1_300_000_000_000_000_200 + i for i in range(6)]
INTERRUPTED = "interrupted by a restart"
ANNOUNCED = re.compile(r"<@(\d+)> \+(\d+) ")


@dataclass
class Tally:
    announced: dict[tuple[int, int, int], int] = field(default_factory=dict)
    """(game, question, member) -> points, as shown in result messages."""
    failures: list[str] = field(default_factory=list)
    ticked: set[tuple[int, int, int]] = field(default_factory=set)
    """(game, question, member) of every typed message the bot marked ✅."""
    not_saved: set[tuple[int, int, int]] = field(default_factory=set)
    """Points announced under "Not saved" (the database and the journal both refused)."""
    journaled: int = 0
    """Result messages that said their points were saved on the bot's disk."""
    kills: int = 0
    modes: dict[str, int] = field(default_factory=dict)
    interrupted_told: int = 0


def ledger(database: Path) -> dict[tuple[int, int, int], list[int]]:
    rows: dict[tuple[int, int, int], list[int]] = {}
    with sqlite3.connect(database) as connection:
        query = "SELECT game_id, question_number, user_id, points FROM quiz_answers"
        for game, number, user, points in connection.execute(query):
            rows.setdefault((game, number, user), []).append(points)
    return rows


def running_games(database: Path) -> dict[int, int]:
    """Games the database says are running: id -> channel id."""
    with sqlite3.connect(database) as connection:
        query = "SELECT id, channel_id FROM quiz_games WHERE ended_at IS NULL"
        return dict(connection.execute(query).fetchall())


def check_database(database: Path, tally: Tally, when: str) -> None:
    with sqlite3.connect(database) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    if integrity != "ok":
        tally.failures.append(f"{when}: integrity_check says {integrity!r}")
    if mode != "wal":
        tally.failures.append(f"{when}: journal mode is {mode!r}, not WAL")
    rows = ledger(database)
    for key in tally.ticked:
        if not any(points > 0 for points in rows.get(key, [])):
            tally.failures.append(f"{when}: ✅ for {key} but no points in the ledger")
    for key, points in tally.announced.items():
        stored = rows.get(key)
        if stored is None:
            tally.failures.append(f"{when}: announced {key} +{points} is not in the ledger")
        elif len(stored) != 1 or stored[0] != points:
            tally.failures.append(f"{when}: announced {key} +{points}, ledger has {stored}")


def read_announcements(server: LocalDiscord, tally: Tally) -> None:
    """Map result messages to games by the "Quiz #<id>" message that started each one, and
    ✅-marked answers to the question shown last before them."""
    tally.journaled = 0
    for channel in CHANNELS:
        game: int | None = None
        asking: int | None = None
        for message in server.messages(channel):
            started = re.match(r"Quiz #(\d+):", message.content)
            if started:  # (its first question may be posted just before this reply)
                game = int(started.group(1))
                continue
            if INTERRUPTED in message.content:
                game = None
                continue
            if ("✅", server.bot_user_id) in message.reactions and game and asking:
                tally.ticked.add((game, asking, message.author_id))
            title = message.embeds[0].get("title", "") if message.embeds else ""
            shown = re.match(r"Question (\d+) of ", title)
            if shown:
                asking = int(shown.group(1))
            number = re.match(r"Question (\d+): ", title)
            if game is None or number is None:
                continue
            text = message.embed_text()
            unsaved = "Not saved" in text
            footer = message.embeds[0].get("footer", {}).get("text", "")
            tally.journaled += "saved on the bot's disk" in footer
            for member, points in ANNOUNCED.findall(text):
                key = (game, int(number.group(1)), int(member))
                if unsaved:
                    tally.not_saved.add(key)
                else:
                    tally.announced[key] = int(points)


class Bot:
    def __init__(self, server: LocalDiscord, directory: Path) -> None:
        self.server, self.directory = server, directory
        self.database = directory / "crash.sqlite3"
        self.process: asyncio.subprocess.Process | None = None
        self.log = directory / "bot.log"

    async def start(self) -> None:
        env = harness.bot_env(
            self.server,
            self.directory,
            DATABASE_URL=f"sqlite+aiosqlite:///{self.database}",
            QUIZ_REVEAL_PAUSE="0.5",
            MESSAGE_CONTENT_INTENT="true",
        )
        with self.log.open("ab") as sink:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, stdout=sink, stderr=sink,
                start_new_session=True,
            )  # fmt: skip
        await self.server.wait_for(
            lambda: self.server.gateway.identify_count > self.identifies, timeout=60
        )
        self.identifies = self.server.gateway.identify_count
        await self.server.wait_until_ready(timeout=60)

    identifies = 0

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def limit_files(self, size: int) -> None:
        """From now on no file the bot writes may grow past ``size`` bytes."""
        if self.process is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            resource.prlimit(self.process.pid, resource.RLIMIT_FSIZE, (size, hard))

    async def wait(self) -> None:
        if self.process is not None:
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def play(
    server: LocalDiscord,
    rng: random.Random,
    until: float,
    bot: Bot,
    *,
    kill_on_answer: bool = False,
) -> None:
    """Start games where none runs, click answers and type years, until ``until``
    (monotonic) or the bot dies. ``kill_on_answer``: kill it right after a right typed answer."""
    while time.monotonic() < until and bot.alive:
        for channel in CHANNELS:
            messages = server.messages(channel)
            last_start = max(
                (i for i, m in enumerate(messages) if m.content.startswith("Quiz #")), default=-1
            )
            over = any(
                (m.embeds and m.embeds[0].get("title") == "Quiz over") or INTERRUPTED in m.content
                for m in messages[last_start + 1 :]
            )
            if last_start < 0 or over:
                mode = "typed" if channel in TYPED else "buttons"
                with contextlib.suppress(SandboxError):
                    await server.slash(
                        GUILD, channel, rng.choice(MEMBERS), "quiz start",
                        {"rounds": 3, "seconds": 5, "kinds": "year", "mode": mode},
                    )  # fmt: skip
                continue
            question = latest_question(messages)
            if question is None:
                continue
            if channel in TYPED:
                prompt = str(question.embeds[0].get("description", ""))
                found = re.match(r"In what year did (.+?)(?: try to)? defect", prompt)
                year = YEARS.get(found.group(1)) if found else None
                if year is None:
                    continue
                right = rng.random() < 0.15
                guess = year if right else year + rng.choice((-7, -3, 2, 5, 11))
                with contextlib.suppress(SandboxError):
                    await server.user_message(GUILD, channel, rng.choice(MEMBERS), str(guess))
                    if right and kill_on_answer:
                        bot.kill()
                        return
                continue
            buttons = [b for b in question.buttons() if not b.disabled and b.custom_id]
            if buttons:
                member = rng.choice(MEMBERS)
                with contextlib.suppress(SandboxError):
                    await server.click(question.id, rng.choice(buttons).custom_id or "", member)
        await asyncio.sleep(0.05)


def told_in(channel: int, after: int) -> Callable[[Message], bool]:
    """A message in ``channel`` newer than ``after`` saying its game was cut short."""
    return lambda m: m.channel_id == channel and m.id > after and INTERRUPTED in m.content


def latest_question(messages: list[Message]) -> Message | None:
    for message in reversed(messages):
        if message.embeds and message.embeds[0].get("title", "").startswith("Question "):
            return message if " of " in message.embeds[0]["title"] else None
    return None


async def run(kills: int, seed: int) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    members = [SandboxMember(m, f"member{i}") for i, m in enumerate(MEMBERS)]
    with tempfile.TemporaryDirectory(prefix="defector-crash-") as temp:
        directory = Path(temp)
        async with LocalDiscord(ack_deadline=10.0) as server:
            server.add_guild(GUILD, "Crash Server", channel_ids=CHANNELS, members=members)
            bot = Bot(server, directory)
            try:
                await bot.start()
                kill_on_tick = False

                def on_event(kind: str, message: Message) -> None:
                    nonlocal kill_on_tick
                    tick = kind == "reaction" and ("✅", server.bot_user_id) in message.reactions
                    if kill_on_tick and tick:
                        bot.kill()  # the instant the ✅ lands
                        kill_on_tick = False

                server.subscribe(on_event)
                for round_number in range(1, kills + 1):
                    round_started = time.monotonic()
                    mode = MODES[(round_number - 1) % len(MODES)]
                    tally.modes[mode] = tally.modes.get(mode, 0) + 1
                    if mode == "random":
                        await play(server, rng, time.monotonic() + rng.uniform(3.0, 12.0), bot)
                    elif mode == "tick":
                        kill_on_tick = True
                        await play(server, rng, time.monotonic() + 30.0, bot)
                        kill_on_tick = False
                    elif mode == "answer":
                        await play(server, rng, time.monotonic() + 30.0, bot, kill_on_answer=True)
                    else:
                        await play(server, rng, time.monotonic() + rng.uniform(1.0, 4.0), bot)
                        bot.limit_files(4096)
                        await play(server, rng, time.monotonic() + rng.uniform(5.0, 12.0), bot)
                    bot.kill()
                    await bot.wait()
                    tally.kills += 1
                    cut_short = running_games(bot.database)
                    newest = max((m.id for c in CHANNELS for m in server.messages(c)), default=0)
                    await bot.start()
                    # Closed before the gateway connected, and each channel told once ready.
                    if running_games(bot.database):
                        tally.failures.append(f"kill {round_number}: games left running")
                    for game, channel in cut_short.items():
                        try:
                            await server.wait_for_message(told_in(channel, newest), timeout=10)
                        except SandboxError:
                            tally.failures.append(f"kill {round_number}: game {game} not told")
                    read_announcements(server, tally)
                    check_database(bot.database, tally, f"after kill {round_number}")
                    took = time.monotonic() - round_started
                    print(
                        f"kill {round_number}/{kills} ({mode}, after {took:.1f} s): "
                        f"{len(tally.announced)} announced points and {len(tally.ticked)} ✅ "
                        f"checked, {len(tally.failures)} failures",
                        flush=True,
                    )
                await play(server, rng, time.monotonic() + 6.0, bot)
                await bot.stop()
                read_announcements(server, tally)
                check_database(bot.database, tally, "at the end")
                everything = [m for c in CHANNELS for m in server.messages(c)]
                tally.interrupted_told = sum(INTERRUPTED in m.content for m in everything)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    await bot.stop()
            for violation in server.violations:
                if "acknowledged within" not in violation:  # a killed bot cannot answer
                    tally.failures.append(f"local Discord: {violation}")
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="how many SIGKILLs (default 20)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.kills < 1:
        parser.error("--kills must be at least 1")
    started = time.monotonic()
    tally = asyncio.run(run(args.kills, args.seed))
    modes = ", ".join(f"{count} {mode}" for mode, count in tally.modes.items())
    print(
        f"\n{tally.kills} kills ({modes}), {len(tally.announced)} announced points all checked "
        f"against the ledger ({tally.journaled} results announced as saved on disk during "
        f"outages), {len(tally.ticked)} ✅ checked, {len(tally.not_saved)} points announced as "
        f"not saved (not checked), {tally.interrupted_told} interruptions announced, "
        f"{time.monotonic() - started:.0f} s"
    )
    for failure in tally.failures:
        print(f"FAILED: {failure}")
    print("crash safety: " + ("ok" if not tally.failures else f"{len(tally.failures)} failures"))
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
