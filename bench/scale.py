"""Quizzes at scale: the real bot running many games at once, beside minimal discord.py bots.

Each subject runs in a process of its own against a local Discord of its own
(``bot.sandbox.LocalDiscord``), all with the same guilds, channels and members, and gets the
same events:

* bot: the real bot, unmodified (``python -m bot run``), a fresh SQLite database,
  ``MESSAGE_CONTENT_INTENT=true`` and ``QUIZ_REVEAL_PAUSE=1``.
* floor (``bench.floors.quiz``, discord.py alone): the same intents and command shape, doing
  the Discord work a quiz needs and nothing else: constant questions of the bot's shape and
  size (buttons with the bot's custom ids; typed embeds), constant click answers, and for
  typed messages the same REST calls as the bot (✅ and a result and the next question on the
  right text, 🤏 on a near one). It judges nothing: the right and near texts come from this
  process (``FLOOR_KEYS``, rewritten before each typed block from what the driver types and
  what the bot's ``Judge`` calls near; SIGUSR1 makes it reread). A 🤏 count differing from the
  bot's fails the run. It is what discord.py costs to run the same quizzes, and no more.
* reader (``FLOOR_MODE=read``): ``on_message`` only reads; typed phase only, no target.

Run from the project root: ``python -m bench.scale`` (100 games over 4 guilds, about 2 min),
``--quick`` (20 games over 2 guilds), ``--json``, ``--check`` (exit 1 if a target is missed),
``--profile-bot FILE`` (the bot under cProfile).

Phases, in order:

1. Start-up (process start to READY, every guild and ``/quiz start`` published), one subject
   at a time; idle ``VmRSS`` after 3 s connected.
2. Button games: one open question in every channel for the whole phase (a game's starter
   never clicks, so no question closes early). Waves of clicks at seeded random moments over
   ``wave_seconds`` (open loop, 200 clicks/s offered), an unmeasured warm-up first, then the
   subjects in the order floor, bot, bot, floor, ... so machine drift weighs on both alike.
   Ack latency: INTERACTION_CREATE dispatched to the first callback POST received (one
   clock). A click fails without a type-4 "Locked in" answer within 10 s. RSS with N games:
   the largest sampled while every game ran.
3. Typed games (after ``/quiz stop`` everywhere; the time to every final standings is
   reported): 10 posters a channel, channels in turn, as fast as the local Discord delivers.
   Guesses are of the question's kind (some near, one in ten chatter); this process knows the
   right answer by solving the prompt from the catalogue with the bot's ``Judge``. A warm-up,
   then wrong guesses only (two halves, floor-bot-reader then reader-bot-floor: the answer
   path alone), then ``typed_blocks`` played blocks whose last message per channel is right.
   discord.py handles one connection's events in order, so once the last ✅ is in, the block
   has been judged: throughput = played messages / (first message → last ✅), summed. The
   send rate (the upper bound measurable here) and ✅ → result delay are shown too.
4. CPU per answer: ``utime + stime`` of the subject from before a wave or block until it is
   quiet again (every click answered; every played question closed and the next posted; no
   tick for 150 ms), divided by the events. "As played" includes everything answers cause:
   judging, reactions, ledger writes, results, next questions. This process's CPU is
   reported too (it competes on few cores); it freezes its GC before each block.
5. The ledger: after SIGTERM, ``quiz_answers`` must hold one row per member per closed
   question answered (every "Locked in" click, every poster of a closed typed question).
6. Memory per guild: floor, then bot, alone against ``many_guilds`` guilds (10,000; 1,000
   quick) of one channel and member: RSS once READY and quiet; (that - idle) / guilds is
   what one guild costs each (discord.py caches the same in both).

Targets (``--check``): CPU per button answer ≤ 1.3x the floor's, per wrong typed guess 1.1x,
per typed answer as played 1.15x (issue 17; also shown against the reader, no target);
start-up ≤ 2x, idle RSS 1.5x, RSS at ``many_guilds`` 1.3x; click ack p99 < 100 ms and RSS
< 150 MB (143.05 MiB) while every game runs; no failed event or violation; every answer in
the ledger. ``--quick`` checks the same at 20 games. The load average at the start and end
is printed: other work on the machine skews every figure. Subjects run in their own session
and are always stopped (SIGTERM, then SIGKILL after 5 s); their stderr is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import itertools
import json
import math
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import (
    MIB,
    Latency,
    ProcStats,
    StepFailed,
    TimedRestApi,
    proc_cpu,
    proc_stats,
    rounded,
)
from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.quiz.judge import Judge
from bot.quiz.model import Question, QuestionKind, Verdict
from bot.quiz.questions import ASKABLE_METHODS, QuestionGenerator, eligible, method_label
from bot.sandbox import LocalDiscord, Message, SandboxError, SandboxMember
from bot.sandbox.model import Interaction
from bot.ui.text import plural

DEFAULT_SEED = 20261201
TARGET_CPU_RATIO = 1.3
"""CPU per button answer, at most this times the floor's."""
TARGET_WRONG_RATIO = 1.1
"""CPU per wrong typed guess (issue 17)."""
TARGET_PLAYED_RATIO = 1.15
"""CPU per typed answer as played (issue 17)."""
TARGET_STARTUP_RATIO = 2.0
TARGET_IDLE_RSS_RATIO = 1.5
TARGET_P99_MS = 100.0
TARGET_RSS_BYTES = 150_000_000
TARGET_RSS_MIB = TARGET_RSS_BYTES / MIB
TARGET_GUILDS_RATIO = 1.3
"""Resident memory at ``Plan.many_guilds`` guilds: at most this times the floor's."""
FIRST_GUILD_ID = 1_230_000_000_000_000_000
FIRST_CHANNEL_ID = 1_231_000_000_000_000_000
FIRST_MEMBER_ID = 1_232_000_000_000_000_000
QUESTION_SECONDS = 120
"""The longest a question may stay open: every game stays open for the whole phase."""
REVEAL_PAUSE = 1.0
TYPED_POSTERS = 10
"""Members of a channel who post typed answers."""
START_CONCURRENCY = 8
"""/quiz start and /quiz stop commands in flight at once."""
ACK_TIMEOUT = 10.0
READY_TIMEOUT = 90.0
STEP_TIMEOUT = 90.0
IDLE_SETTLE = 3.0
QUIET_POLL = 0.15
QUIET_MAX = 20.0
WIN, CLOSE = "✅", "🤏"
QUESTION_TITLE = re.compile(r"^Question (\d+) of (\d+) · ")
RESULT_TITLE = re.compile(r"^Question (\d+): ")
CHATTER = ("hmm", "no idea", "pass", "this one is hard", "???", "lol", "wait what", "next!")
FLOORS = {"floor": "quiz", "reader": "read"}
"""The two floors and their ``FLOOR_MODE``: the quiz floor, and the reading floor."""
KEYS_FILE = "keys.json"
"""The quiz floor's key (in its directory): what is right or near, by channel and question."""
# -- the plan and the layout ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    games: int
    """Channels, one game each."""
    guilds: int
    waves: int
    """Waves of clicks (each played to both subjects)."""
    clickers: int
    """Members of each channel clicking in one wave."""
    wave_seconds: float
    typed_wrong_per_channel: int
    """Messages per channel in the block of wrong guesses."""
    typed_blocks: int
    typed_per_channel: int
    """Messages per channel per played block; the last is the right answer."""
    many_guilds: int = 10_000
    """Guilds of the memory-per-guild phase (each subject alone, no game)."""


FULL = Plan(games=100, guilds=4, waves=4, clickers=10, wave_seconds=5.0,
            typed_wrong_per_channel=50, typed_blocks=3, typed_per_channel=20)  # fmt: skip
QUICK = Plan(games=20, guilds=2, waves=2, clickers=10, wave_seconds=1.0,
             typed_wrong_per_channel=200, typed_blocks=2, typed_per_channel=20,
             many_guilds=1_000)  # fmt: skip


@dataclass(frozen=True)
class Place:
    """One channel: its guild, its members, and who starts its games (the last member, who
    never clicks nor posts: a buttons question closes early once everyone playing, the
    starter included, has answered, and these games must stay open for the whole phase)."""

    index: int
    guild_id: int
    channel_id: int
    member_ids: tuple[int, ...]

    @property
    def starter_id(self) -> int:
        return self.member_ids[-1]


def layout(plan: Plan) -> list[Place]:
    per_channel = max(plan.clickers * (plan.waves + 1), TYPED_POSTERS) + 1  # + the starter
    first = [FIRST_MEMBER_ID + index * per_channel for index in range(plan.games)]
    return [
        Place(i, FIRST_GUILD_ID + i % plan.guilds, FIRST_CHANNEL_ID + i,
              tuple(range(first[i], first[i] + per_channel)))
        for i in range(plan.games)
    ]  # fmt: skip


# -- the local Discord, instrumented -------------------------------------------------------------


@dataclass
class ShownQuestion:
    number: int
    rounds: int
    prompt: str
    message_id: int
    custom_ids: tuple[str, ...]
    shown_at: float


class Watcher:
    """What a subject shows in its channels, as the local Discord stores it: questions,
    final standings and its reactions (a listener, no polling)."""

    def __init__(self, server: LocalDiscord) -> None:
        self.server = server
        self.questions: dict[int, ShownQuestion] = {}
        """The last question posted in each channel."""
        self.over: dict[int, float] = {}
        """When each channel last showed final standings ("Quiz over")."""
        self.results: dict[int, list[float]] = {}
        """When each result of a question ("Question 3: the answer was ...") was posted."""
        self.wins: dict[int, list[tuple[int, float]]] = {}
        """(message id, when) of every ✅ the subject added, by channel."""
        self.close_reactions = 0
        self._reacted: set[tuple[int, str]] = set()
        self._changed = asyncio.Event()
        self.process: asyncio.subprocess.Process | None = None
        """The subject's process: a wait ends early if it exits."""
        self.unsubscribe = server.subscribe(self._on_event)

    def _on_event(self, kind: str, message: Message) -> None:
        bot_id = self.server.bot_user_id
        if kind == "create" and message.author_id == bot_id and message.embeds:
            embed = message.embeds[0]
            title = str(embed.get("title") or "")
            match = QUESTION_TITLE.match(title)
            if match is not None:
                self.questions[message.channel_id] = ShownQuestion(
                    number=int(match[1]),
                    rounds=int(match[2]),
                    prompt=str(embed.get("description") or ""),
                    message_id=message.id,
                    custom_ids=tuple(b.custom_id for b in message.buttons() if b.custom_id),
                    shown_at=self.server.now(),
                )
                self._changed.set()
            elif RESULT_TITLE.match(title) is not None:
                self.results.setdefault(message.channel_id, []).append(self.server.now())
            elif title == "Quiz over":
                self.over[message.channel_id] = self.server.now()
                self._changed.set()
        elif kind == "reaction":
            for emoji, user_id in message.reactions:
                if user_id != bot_id or (message.id, emoji) in self._reacted:
                    continue
                self._reacted.add((message.id, emoji))
                if emoji == WIN:
                    self.wins.setdefault(message.channel_id, []).append(
                        (message.id, self.server.now())
                    )
                    self._changed.set()
                elif emoji == CLOSE:
                    self.close_reactions += 1

    async def wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        def alive() -> None:
            if self.process is not None and self.process.returncode is not None:
                status = self.process.returncode
                raise StepFailed(f"the subject exited with status {status} waiting for {what}")

        if not await harness.wait_until(self._changed, predicate, timeout, 1.0, alive):
            raise StepFailed(f"timed out after {timeout:g} s waiting for {what}")


def new_server(places: Sequence[Place], guilds: int) -> tuple[LocalDiscord, TimedRestApi]:
    """A local Discord with the guilds of ``places``, or with no places, ``guilds`` guilds
    of one channel and one member (its owner), as a bot in many small servers sees."""
    server = LocalDiscord(token=f"bench-{os.urandom(8).hex()}")
    rest = TimedRestApi.install(server)
    for number in range(guilds if not places else 0):
        owner = FIRST_MEMBER_ID + number
        server.add_guild(FIRST_GUILD_ID + number, f"Server {number + 1}",
                         channel_ids=[FIRST_CHANNEL_ID + number], channel_names=["general"],
                         members=[SandboxMember(owner, f"owner{number + 1}")],
                         owner_id=owner)  # fmt: skip
    for guild in range(guilds if places else 0):
        mine = [p for p in places if p.guild_id == FIRST_GUILD_ID + guild]
        members = [SandboxMember(uid, f"player{uid - FIRST_MEMBER_ID}")
                   for place in mine for uid in place.member_ids]  # fmt: skip
        server.add_guild(FIRST_GUILD_ID + guild, f"Quiz Server {guild + 1}",
                         channel_ids=[p.channel_id for p in mine],
                         channel_names=[f"quiz-{p.index + 1}" for p in mine],
                         members=members, owner_id=FIRST_MEMBER_ID - 1 - guild)  # fmt: skip
    return server, rest


# -- solving typed questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Solution:
    kind: QuestionKind
    answer: str
    """A text the bot's judge takes as right."""
    avoid: frozenset[str]
    """Values a wrong guess must not use (every right one)."""
    question: Question | None = None
    """The question as the generator makes it (None for "who is this?")."""


class Solver:
    """The right answer of a question from its prompt alone, as a member who knows the
    catalogue would type it: every prompt the generator can make is made again here."""

    def __init__(self, records: Sequence[Defector]) -> None:
        self.records = list(records)
        self.judge = judge = Judge(self.records)
        generator = QuestionGenerator(self.records, random.Random(0))
        self.solutions: dict[str, Solution] = {}
        for record in self.records:
            for kind in QuestionKind:
                if kind in (QuestionKind.WHO, QuestionKind.ORDER):  # order: not in these games
                    continue
                question = generator.make(kind, record)
                if question is None:
                    continue
                text = self._right_text(judge, question)
                if text is not None:
                    avoid = frozenset(str(a) for a in question.accepted)
                    self.solutions[question.prompt] = Solution(kind, text, avoid, question)
        # Who is this? The prompt is two or three of the subject's clues, in their order.
        clues_of = getattr(generator, "_clues", None)
        fitting: dict[str, list[str]] = {}
        if clues_of is not None:
            for record in self.records:
                if not eligible(record, QuestionKind.WHO):
                    continue
                clues = [f"{c.label}: {c.value}" for c in clues_of(record)]
                for size in (2, 3):
                    for combo in itertools.combinations(clues, size):
                        prompt = "Who is this? " + "; ".join(combo) + "."
                        fitting.setdefault(prompt, []).append(record.name)
        for prompt, names in fitting.items():
            if judge.judge_who(names, names[0]) is Verdict.CORRECT:
                self.solutions[prompt] = Solution(QuestionKind.WHO, names[0], frozenset(names))
        self.countries = sorted(
            {
                str(value)
                for r in self.records
                for value in (r.origin_country, r.birth_country, r.destination_country)
                if value
            }
        )
        self.method_labels = [method_label(m.value) for m in ASKABLE_METHODS]

    @staticmethod
    def _right_text(judge: Judge, question: Question) -> str | None:
        answer = question.answer
        candidates = [str(answer)]
        if question.kind is QuestionKind.METHOD:
            candidates.insert(0, method_label(str(answer)))
        for text in candidates:
            if judge.judge(question, text) is Verdict.CORRECT:
                return text
        return None

    def solve(self, prompt: str) -> Solution | None:
        return self.solutions.get(prompt)

    def verdict(self, solution: Solution, text: str) -> Verdict:
        """What the bot's judge says of ``text`` (🤏 for ``Verdict.CLOSE``)."""
        if solution.question is None:
            return self.judge.judge_who(sorted(solution.avoid), text)
        return self.judge.judge(solution.question, text)

    def wrong_guess(self, rng: random.Random, solution: Solution) -> str:
        """A wrong (sometimes near) guess of the question's kind, or chatter: never one the
        bot's judge takes as right (a question may accept several methods or countries, its
        readings; a "wrong" guess that won would close the question in the bot only)."""
        for _ in range(50):
            guess = self._guess(rng, solution)
            if self.verdict(solution, guess) is not Verdict.CORRECT:
                return guess
        return rng.choice(CHATTER)

    def _guess(self, rng: random.Random, solution: Solution) -> str:
        roll = rng.random()
        if roll < 0.1:
            return rng.choice(CHATTER)
        kind = solution.kind
        if kind is QuestionKind.YEAR:
            year = int(solution.answer)
            if roll < 0.2:
                return str(year + rng.choice((-1, 1)))
            return str(year + rng.choice((-1, 1)) * rng.randint(4, 12))
        if kind is QuestionKind.METHOD:
            return rng.choice([m for m in self.method_labels if m != solution.answer])
        if kind is QuestionKind.WHO:
            while True:
                record = rng.choice(self.records)
                if record.name not in solution.avoid:
                    words = record.name.replace("(", " ").replace(")", " ").split()
                    return words[-1] if rng.random() < 0.5 and words else record.name
        return rng.choice([c for c in self.countries if c not in solution.avoid])


# -- subprocesses --------------------------------------------------------------------------------


def subject_command(
    name: str, server: LocalDiscord, workdir: Path, profile: Path | None = None
) -> tuple[list[str], dict[str, str]]:
    reveal = str(REVEAL_PAUSE)
    if name in FLOORS:
        env = harness.subject_env(server, FLOOR_MODE=FLOORS[name], QUIZ_REVEAL_PAUSE=reveal)
        if name == "floor":
            env.update(FLOOR_KEYS=str(workdir / KEYS_FILE))
        return [sys.executable, "-m", "bench.floors.quiz"], env
    env = harness.bot_env(
        server,
        workdir,
        MESSAGE_CONTENT_INTENT="true",
        QUIZ_REVEAL_PAUSE=reveal,
        # Its posters type up to 20 wrong guesses each per question, which the floor judges
        # all; the bot must judge them all too for the two to be compared.
        QUIZ_GUESSES_PER_QUESTION="1000",
    )
    if profile is not None:
        return [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "bot", "run"], env
    return [sys.executable, "-m", "bot", "run"], env


# -- one subject -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """CPU time a subject (and this process) spent on one stream of events."""

    events: int = 0
    cpu_s: float = 0.0
    driver_cpu_s: float = 0.0

    def ms_per_event(self) -> float:
        return 1000.0 * self.cpu_s / self.events if self.events else math.nan

    def driver_ms_per_event(self) -> float:
        return 1000.0 * self.driver_cpu_s / self.events if self.events else math.nan

    def to_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "cpu_s": round(self.cpu_s, 3),
            "cpu_ms_per_event": rounded(self.ms_per_event(), 4),
            "driver_cpu_ms_per_event": rounded(self.driver_ms_per_event(), 4),
        }


STREAMS = ("click", "typed wrong", "typed played")


@dataclass
class Subject:
    """A running subject: its local Discord, its process, and what was measured."""

    server: LocalDiscord
    rest: TimedRestApi
    watcher: Watcher
    proc: harness.Spawned
    rss_idle_mib: float = 0.0
    rss_games_mib: float = 0.0
    """Largest VmRSS sampled while every game was running."""
    rss_guilds_mib: float = math.nan
    """VmRSS in the memory-per-guild phase (``Plan.many_guilds`` guilds, no game)."""
    guilds_ready_s: float = math.nan
    rss_samples: list[tuple[str, float]] = field(default_factory=list)
    click_latencies_ms: list[float] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {n: Tally() for n in STREAMS})
    """CPU time by event stream (``STREAMS``)."""
    typed_busy_s: float = 0.0
    """Wall time from the first message of a played block until its last ✅ (bot only)."""
    typed_played: int = 0
    typed_send_s: float = 0.0
    """Wall time the local Discord took to send the messages of the played blocks."""
    winner_latencies_ms: list[float] = field(default_factory=list)
    result_delays_ms: list[float] = field(default_factory=list)
    """From the ✅ on a right answer to the result of the question in its channel."""
    ledger_rows: int | None = None
    stop_s: float = 0.0
    """From the first /quiz stop to the last channel showing its final standings."""
    locked: set[tuple[int, int]] = field(default_factory=set)
    """(channel, member) of every click answered "Locked in" (the ledger rows to come)."""
    guesses: set[tuple[int, int, int]] = field(default_factory=set)
    """(channel, question number, member) of every typed answer to a question that closed."""
    start_latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    not_locked_in: int = 0
    unsolved: int = 0
    extra_wins: int = 0
    close_reactions: int = 0
    stats_end: ProcStats | None = None

    @property
    def name(self) -> str:
        return self.proc.name

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def plays(self) -> bool:
        """Whether it runs typed games (the reading floor only reads)."""
        return self.name != "reader"

    def alive(self) -> None:
        if self.proc.process.returncode is not None:
            raise StepFailed(f"{self.name} exited with status {self.proc.process.returncode}")

    @contextlib.asynccontextmanager
    async def measured(self, stream: str | None) -> AsyncIterator[None]:
        """Add the CPU time of both processes to ``stream``, from now until the subject is
        quiet again after the block (nothing is added for a warm-up: ``stream`` None)."""
        # This process keeps every message and interaction: keep its collections short.
        gc.collect()
        gc.freeze()
        self.alive()
        cpu_before = proc_cpu(self.pid)
        driver_before = time.process_time()
        yield
        await quiet(self)
        if stream is not None:
            tally = self.tallies[stream]
            tally.cpu_s += proc_cpu(self.pid) - cpu_before
            tally.driver_cpu_s += time.process_time() - driver_before

    def sample_rss(self, label: str, games_running: bool) -> float:
        self.alive()
        rss = proc_stats(self.pid).rss_mib
        self.rss_samples.append((label, rss))
        if games_running:
            self.rss_games_mib = max(self.rss_games_mib, rss)
        return rss


@contextlib.asynccontextmanager
async def running(
    name: str,
    places: Sequence[Place],
    plan: Plan,
    workdir: Path,
    profile: Path | None = None,
    *,
    guilds: int | None = None,
) -> AsyncIterator[Subject]:
    """Start a local Discord and the subject against it; stop both whatever happens. With
    ``guilds``: that many small guilds instead of the plan's (the memory-per-guild phase)."""
    server, rest = new_server(places, plan.guilds if guilds is None else guilds)
    watcher = Watcher(server)

    def command(directory: Path) -> tuple[list[str], dict[str, str]]:
        return subject_command(name, server, directory, profile)

    try:
        async with harness.spawned(
            name, server, command, workdir, "quiz start", READY_TIMEOUT
        ) as proc:
            watcher.process = proc.process
            yield Subject(server, rest, watcher, proc)
    finally:
        watcher.unsubscribe()


async def quiet(subject: Subject) -> None:
    """Until the subject's process spent no CPU tick for ``QUIET_POLL`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + QUIET_MAX
    subject.alive()
    last = proc_cpu(subject.pid)
    while loop.time() < deadline:
        await asyncio.sleep(QUIET_POLL)
        subject.alive()
        now = proc_cpu(subject.pid)
        if now == last:
            return
        last = now


# -- commands --------------------------------------------------------------------------------------


async def run_commands(
    subject: Subject,
    places: Sequence[Place],
    command: str,
    options: dict[str, Any],
) -> list[float]:
    """Run ``command`` in every channel as its starter, ``START_CONCURRENCY`` at a time;
    the acknowledgement latencies (ms)."""
    server, rest = subject.server, subject.rest
    queue = list(places)
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            place = queue.pop(0)
            interaction = await server.slash(
                place.guild_id, place.channel_id, place.starter_id, command, options
            )
            first = await interaction.wait_for_response(timeout=ACK_TIMEOUT)
            if not first["accepted"] or first["type"] not in (4, 5):
                raise StepFailed(
                    f"{subject.name}: /{command} in channel {place.index + 1} was answered "
                    f"with type {first['type']}: {first['error'] or first.get('data')}"
                )
            received = rest.first_callback_at.get(interaction.id)
            if received is not None:
                latencies.append((received - interaction.dispatched_at) * 1000.0)

    await asyncio.gather(*(worker() for _ in range(START_CONCURRENCY)))
    return latencies


async def start_games(subject: Subject, places: Sequence[Place], options: dict[str, Any]) -> None:
    """/quiz start everywhere, then wait until every channel shows a fresh question 1."""
    shown_before = {
        p.channel_id: q.message_id
        for p in places
        if (q := subject.watcher.questions.get(p.channel_id)) is not None
    }
    subject.start_latencies_ms += await run_commands(subject, places, "quiz start", options)

    def all_shown() -> bool:
        for place in places:
            question = subject.watcher.questions.get(place.channel_id)
            if question is None or question.message_id == shown_before.get(place.channel_id):
                return False
        return True

    await subject.watcher.wait(all_shown, STEP_TIMEOUT, f"{subject.name}'s first questions")


# -- button waves ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Click:
    at: float
    place: Place
    member_id: int
    choice: int


async def start_measured(
    subject: Subject,
    places: Sequence[Place],
    options: dict[str, Any],
    what: str,
    log: Callable[[str], None],
) -> None:
    """:func:`start_games`, then wait until the subject is quiet; log the time and RSS."""
    began = time.perf_counter()
    await start_games(subject, places, options)
    await quiet(subject)
    rss = subject.sample_rss(what, games_running=True)
    took = time.perf_counter() - began
    log(f"  {subject.name}: {what} started in {took:.1f} s; RSS {rss:.1f} MiB")


def build_waves(places: Sequence[Place], plan: Plan, seed: int) -> list[list[Click]]:
    """The warm-up wave, then the measured ones; each member clicks once per question."""
    rng = random.Random(seed)
    waves = []
    for wave in range(plan.waves + 1):
        group = plan.waves if wave == 0 else wave - 1  # the warm-up uses the last group
        clicks = [
            Click(
                at=rng.uniform(0.0, plan.wave_seconds),
                place=place,
                member_id=place.member_ids[group * plan.clickers + j],
                choice=rng.randrange(4),
            )
            for place in places
            for j in range(plan.clickers)
        ]
        clicks.sort(key=lambda c: c.at)
        waves.append(clicks)
    return waves


async def play_wave(subject: Subject, clicks: Sequence[Click], *, warmup: bool = False) -> None:
    """Send the clicks at their moments (open loop), wait for every answer, add up the
    latencies, the failures and both processes' CPU time."""
    server, rest, watcher = subject.server, subject.rest, subject.watcher
    loop = asyncio.get_running_loop()

    async def one(click: Click) -> Interaction | str:
        question = watcher.questions[click.place.channel_id]
        custom_id = question.custom_ids[click.choice % len(question.custom_ids)]
        try:
            return await server.click(question.message_id, custom_id, click.member_id)
        except SandboxError as error:
            return f"{subject.name}: click in channel {click.place.index + 1}: {error}"

    async with subject.measured(None if warmup else "click"):
        started = loop.time()
        tasks: list[asyncio.Task[Interaction | str]] = []
        for click in clicks:
            delay = started + click.at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(click)))
        outcomes = await asyncio.gather(*tasks)
        interactions = [o for o in outcomes if isinstance(o, Interaction)]
        missing = set(await rest.wait_answered([i.id for i in interactions], ACK_TIMEOUT))
    if not warmup:
        subject.tallies["click"].events += len(clicks)
    subject.failures += [o for o in outcomes if isinstance(o, str)]
    for interaction in interactions:
        what = f"{subject.name}: click {interaction.custom_id!r} by {interaction.user_id}"
        if interaction.id in missing or not interaction.callbacks:
            subject.failures.append(f"{what}: no answer within {ACK_TIMEOUT:g} s")
            continue
        first = interaction.callbacks[0]
        if len(interaction.callbacks) != 1:
            subject.failures.append(f"{what}: {len(interaction.callbacks)} callbacks")
        if not first["accepted"] or first["type"] != 4:
            subject.failures.append(f"{what}: callback type {first['type']}: {first['error']}")
            continue
        content = str((first.get("data") or {}).get("content") or "")
        if not content.startswith("Locked in"):
            subject.not_locked_in += 1
            subject.failures.append(f"{what}: answered {content[:80]!r}")
            continue
        subject.locked.add((interaction.channel_id, interaction.user_id))
        if not warmup:
            received = rest.first_callback_at[interaction.id]
            subject.click_latencies_ms.append((received - interaction.dispatched_at) * 1000.0)


async def stop_games(subject: Subject, places: Sequence[Place]) -> None:
    """/quiz stop everywhere, then wait until every channel shows its final standings."""
    over_before = dict(subject.watcher.over)
    began = asyncio.get_running_loop().time()
    await run_commands(subject, places, "quiz stop", {})
    await subject.watcher.wait(
        lambda: all(
            subject.watcher.over.get(p.channel_id, -1.0) > over_before.get(p.channel_id, -1.0)
            for p in places
        ),
        STEP_TIMEOUT,
        f"{subject.name}'s final standings in every channel",
    )
    subject.stop_s = max(subject.watcher.over[p.channel_id] for p in places) - began


# -- typed blocks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    place: Place
    member_id: int
    content: str


@dataclass
class Keys:
    """The quiz floor's key: for each channel and question number, the text that is right
    (what this process types as the right answer) and the texts the bot's judge calls near
    (🤏). The floor compares each message's content with them, exactly, and judges nothing."""

    questions: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)

    def key(self, channel_id: int, number: int) -> dict[str, Any]:
        return self.questions.setdefault(channel_id, {}).setdefault(
            number, {"right": None, "near": []}
        )

    def write(self, path: Path) -> None:
        """Replace ``path`` at once (the floor never reads half a file)."""
        document = {
            str(channel): {str(number): key for number, key in numbers.items()}
            for channel, numbers in self.questions.items()
        }
        part = path.with_suffix(".part")
        part.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(part, path)


def build_block(
    bot: Subject,
    places: Sequence[Place],
    per_channel: int,
    solver: Solver,
    rng: random.Random,
    keys: Keys,
    *,
    right: bool,
) -> tuple[list[Typed], set[int]]:
    """The messages of one block, channel after channel in turn, guessing at the questions
    the bot shows now (with ``right``, the last message of a channel is the right answer);
    and the channels whose question was solved. ``keys`` learns the right and near texts."""
    by_channel: list[list[Typed]] = []
    solved: set[int] = set()
    for place in places:
        shown = bot.watcher.questions[place.channel_id]
        solution = solver.solve(shown.prompt)
        key = keys.key(place.channel_id, shown.number)
        posters = place.member_ids[:TYPED_POSTERS]
        messages: list[Typed] = []
        for _ in range(per_channel - 1 if right else per_channel):
            guess = (
                solver.wrong_guess(rng, solution) if solution is not None else rng.choice(CHATTER)
            )
            if solution is not None and solver.verdict(solution, guess) is Verdict.CLOSE:
                key["near"].append(guess)
            messages.append(Typed(place, rng.choice(posters), guess))
        if right:
            if solution is not None:
                solved.add(place.channel_id)
                key["right"] = solution.answer
                messages.append(Typed(place, rng.choice(posters), solution.answer))
            else:
                bot.unsolved += 1
                messages.append(Typed(place, rng.choice(posters), rng.choice(CHATTER)))
        by_channel.append(messages)
    ordered = [m for turn in zip(*by_channel, strict=True) for m in turn]
    return ordered, solved


async def play_block(
    subject: Subject,
    messages: Sequence[Typed],
    solved: set[int],
    places: Sequence[Place],
    stream: str | None,
    keys: Keys,
) -> None:
    """Send the messages as fast as the local Discord delivers them; for a subject that
    plays (the bot, the quiz floor) and the channels in ``solved``, wait for the ✅ on every
    right answer and the next question. The quiz floor is first given the ``keys``."""
    server, watcher = subject.server, subject.watcher
    loop = asyncio.get_running_loop()
    waits = subject.plays and bool(solved)
    numbers = (
        {p.channel_id: watcher.questions[p.channel_id].number for p in places}
        if subject.plays
        else {}
    )
    if subject.name == "floor":
        # The floor reads the file again at its next message after SIGUSR1, which reaches it
        # before any message of this block can.
        keys.write(subject.proc.stderr_path.parent / KEYS_FILE)
        os.kill(subject.pid, signal.SIGUSR1)
    wins_before = {c: len(watcher.wins.get(c, [])) for c in solved}
    results_before = {c: len(watcher.results.get(c, [])) for c in solved}
    sent_at: dict[int, float] = {}
    async with subject.measured(stream):
        started = loop.time()
        for message in messages:
            at = loop.time()
            payload = await server.user_message(
                message.place.guild_id,
                message.place.channel_id,
                message.member_id,
                message.content,
            )
            sent_at[int(payload["id"])] = at
        sent = loop.time() - started
        if subject.name == "bot":  # every question guessed at here closes in a played block
            subject.guesses.update(
                (m.place.channel_id, numbers[m.place.channel_id], m.member_id) for m in messages
            )
        if waits:

            def all_won() -> bool:
                return all(len(watcher.wins.get(c, [])) > wins_before[c] for c in solved)

            try:
                await watcher.wait(all_won, STEP_TIMEOUT, "a ✅ on every right answer")
            except StepFailed as error:
                missing = [c for c in solved if len(watcher.wins.get(c, [])) <= wins_before[c]]
                shown = watcher.questions.get(missing[0] if missing else 0)
                raise StepFailed(
                    f"{subject.name}: {error} ({len(missing)} of {len(solved)} channels without "
                    f"one; the first shows {shown.prompt if shown else '?'!r})"
                ) from None
            last_win = started
            for channel_id in solved:
                new = watcher.wins[channel_id][wins_before[channel_id] :]
                subject.extra_wins += len(new) - 1
                for message_id, when in new:
                    last_win = max(last_win, when)
                    if message_id in sent_at:
                        subject.winner_latencies_ms.append((when - sent_at[message_id]) * 1000.0)
            subject.typed_busy_s += last_win - started
            subject.typed_send_s += sent
            subject.typed_played += len(messages)

            def moved_on(channel_id: int) -> bool:
                question = watcher.questions[channel_id]
                if question.number > numbers[channel_id]:
                    return True
                return (
                    question.number >= question.rounds
                    and watcher.over.get(channel_id, 0.0) > started
                )

            await watcher.wait(
                lambda: all(moved_on(c) for c in solved),
                STEP_TIMEOUT,
                "the next question in every channel",
            )
            for channel_id in solved:
                won_at = watcher.wins[channel_id][wins_before[channel_id]][1]
                posted = watcher.results.get(channel_id, [])[results_before[channel_id] :]
                if posted:
                    subject.result_delays_ms.append((posted[0] - won_at) * 1000.0)
    if stream is not None:
        subject.tallies[stream].events += len(messages)


# -- the run ---------------------------------------------------------------------------------------


def abba(subjects: Sequence[Subject], number: int) -> list[Subject]:
    """The subjects in order, then in reverse order, then in order, ..."""
    return list(subjects) if number % 2 == 0 else list(subjects)[::-1]


async def bench(
    plan: Plan, seed: int, log: Callable[[str], None], profile: Path | None = None
) -> list[Subject]:
    """The subjects, started one after the other, then the phases (see the docstring)."""
    # SIGTERM (a CI timeout) cancels the run like Ctrl-C does, so the subjects are stopped.
    harness.cancel_on_sigterm()
    records = load_catalogue()
    solver = Solver(records)
    places = layout(plan)
    waves = build_waves(places, plan, seed)
    rng = random.Random(seed + 1)
    log(f"plan: {plan}; seed {seed}")
    subjects: list[Subject] = []
    with tempfile.TemporaryDirectory(prefix="defector-scale-", ignore_cleanup_errors=True) as tmp:
        try:
            async with contextlib.AsyncExitStack() as stack:
                for name in ("floor", "bot", "reader"):
                    subject = await stack.enter_async_context(
                        running(name, places, plan, Path(tmp), profile if name == "bot" else None)
                    )
                    log(
                        f"  {name}: pid {subject.pid}, READY in {subject.proc.ready_s:.2f} s, "
                        f"/quiz published in {subject.proc.startup_s:.2f} s"
                    )
                    subjects.append(subject)
                floor, bot, _ = subjects
                players = [floor, bot]
                await asyncio.sleep(IDLE_SETTLE)
                for subject in players:
                    await quiet(subject)
                    subject.rss_idle_mib = subject.sample_rss("idle", games_running=False)
                log(
                    "  idle RSS: "
                    + ", ".join(f"{s.name} {s.rss_idle_mib:.1f} MiB" for s in players)
                )

                # Button games: all open at once, for the whole phase.
                buttons = {"rounds": 1, "mode": "buttons", "seconds": QUESTION_SECONDS}
                for subject in players:
                    await start_measured(
                        subject, places, buttons, f"{plan.games} button games", log
                    )
                for subject in players:
                    await play_wave(subject, waves[0], warmup=True)
                for number, clicks in enumerate(waves[1:]):
                    for subject in abba(players, number):
                        await play_wave(subject, clicks)
                        subject.sample_rss(f"after wave {number + 1}", games_running=True)
                    log(
                        f"  wave {number + 1}/{plan.waves}: "
                        + ", ".join(
                            f"{s.name} p99 {Latency.of(s.click_latencies_ms).p99_ms:.1f} ms, "
                            f"RSS {s.rss_samples[-1][1]:.1f} MiB"
                            for s in players
                        )
                        + " so far"
                    )
                await stop_games(bot, places)
                await quiet(bot)
                rss = bot.sample_rss("button games stopped", games_running=False)
                log(f"  bot: games stopped in {bot.stop_s:.1f} s; RSS {rss:.1f} MiB")

                # Typed games: the bot and the quiz floor (the reading floor only reads).
                typed = {
                    "rounds": plan.typed_blocks + 1,
                    "mode": "typed",
                    "seconds": QUESTION_SECONDS,
                }
                for subject in players:
                    await start_measured(subject, places, typed, f"{plan.games} typed games", log)
                keys = Keys()
                warmup, _ = build_block(bot, places, 2, solver, rng, keys, right=False)
                for subject in subjects:
                    await play_block(subject, warmup, set(), places, None, keys)
                half = max(1, plan.typed_wrong_per_channel // 2)
                for number in range(2):  # two halves, the players in turn
                    wrong, _ = build_block(bot, places, half, solver, rng, keys, right=False)
                    for subject in abba(subjects, number):
                        await play_block(subject, wrong, set(), places, "typed wrong", keys)
                        if subject.plays:
                            subject.sample_rss(
                                f"after wrong guesses {number + 1}/2", games_running=True
                            )
                log(
                    f"  typed, wrong guesses only: {2 * len(wrong)} messages; "
                    + ", ".join(
                        f"{s.name} {s.tallies['typed wrong'].ms_per_event():.3f} ms CPU each"
                        for s in subjects
                    )
                )
                for number in range(plan.typed_blocks):
                    messages, solved = build_block(
                        bot, places, plan.typed_per_channel, solver, rng, keys, right=True
                    )
                    for subject in abba(subjects, number + 1):
                        await play_block(subject, messages, solved, places, "typed played", keys)
                        if subject.plays:
                            subject.sample_rss(
                                f"after typed block {number + 1}", games_running=True
                            )
                    log(
                        f"  typed block {number + 1}/{plan.typed_blocks}: {len(messages)} "
                        f"messages; "
                        + ", ".join(
                            f"{s.name} busy {s.typed_busy_s:.2f} s so far, RSS "
                            f"{s.rss_samples[-1][1]:.1f} MiB"
                            for s in players
                        )
                    )
                if floor.watcher.close_reactions != bot.watcher.close_reactions:
                    floor.failures.append(
                        f"floor: {floor.watcher.close_reactions} 🤏 where the bot added "
                        f"{bot.watcher.close_reactions}: the key does not match the judge"
                    )
                for subject in subjects:
                    subject.stats_end = proc_stats(subject.pid)
                    subject.close_reactions = subject.watcher.close_reactions
                    subject.failures += [
                        f"{subject.name}: violation: {v}" for v in subject.server.violations
                    ]
        except (StepFailed, SandboxError) as error:
            # The subjects have been stopped: add what they said before the failure.
            raise StepFailed(with_stderr(str(error), subjects)) from None
        # The bot has stopped (SIGTERM: it writes what its score keeper still held).
        bot.ledger_rows = ledger_rows(Path(tmp) / "bot" / "bench.sqlite3")
        await guild_memory(plan, [floor, bot], Path(tmp) / "guilds", log)
    return subjects


async def guild_memory(
    plan: Plan, subjects: Sequence[Subject], workdir: Path, log: Callable[[str], None]
) -> None:
    """Each subject alone (floor first), started against ``plan.many_guilds`` small guilds
    with the intents it runs with: its RSS once connected for ``IDLE_SETTLE`` s and quiet.
    discord.py caches the same guilds in both, so what the bot adds per guild shows."""
    workdir.mkdir()
    for subject in subjects:
        try:
            async with running(subject.name, [], plan, workdir, guilds=plan.many_guilds) as alone:
                await asyncio.sleep(IDLE_SETTLE)
                await quiet(alone)
                subject.rss_guilds_mib = alone.sample_rss("guilds", games_running=False)
                subject.guilds_ready_s = alone.proc.ready_s
        except (StepFailed, SandboxError) as error:
            raise StepFailed(f"{plan.many_guilds:,} guilds: {error}") from None
        log(
            f"  {subject.name}, {plan.many_guilds:,} guilds: READY in "
            f"{subject.guilds_ready_s:.1f} s; RSS {subject.rss_guilds_mib:.1f} MiB"
        )


def with_stderr(message: str, subjects: Sequence[Subject]) -> str:
    for subject in subjects:
        if subject.proc.stderr:
            tail = "".join(f"\n  {line}" for line in subject.proc.stderr[-15:])
            message += f"\n{subject.name} stderr (last lines):{tail}"
    return message


def ledger_rows(path: Path) -> int | None:
    """Rows of the bot's answer ledger, read once it has stopped (None if unreadable)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT COUNT(*) FROM quiz_answers").fetchone()[0])
    except sqlite3.Error:
        return None


# -- figures and output ----------------------------------------------------------------------------


def row(figure: str, unit: str, ours: float, base: float | None, target: str = "",
        met: bool | None = None, ratio: float | None = None) -> harness.Row:  # fmt: skip
    if ratio is None and base is not None:
        ratio = harness.ratio(ours, base)
    return harness.Row("scale", figure, ours, base, unit, ratio, target=target, met=met)


def ratio_row(figure: str, unit: str, ours: float, base: float, target: float) -> harness.Row:
    """A cost of the bot against the floor's, at most ``target`` times it."""
    ratio = harness.ratio(ours, base)
    met = None if math.isnan(ratio) else ratio <= target
    return row(figure, unit, ours, base, f"≤ {target:g}x floor", met, ratio)


def figures(plan: Plan, floor: Subject, bot: Subject, reader: Subject) -> list[harness.Row]:
    games, guilds = plan.games, f"{plan.many_guilds:,} guilds"
    clicks_bot = Latency.of(bot.click_latencies_ms)
    clicks_floor = Latency.of(floor.click_latencies_ms)
    failures = len(bot.failures) + len(floor.failures) + len(reader.failures)
    expected = len(bot.locked) + len(bot.guesses)
    ledger = math.nan if bot.ledger_rows is None else float(bot.ledger_rows)

    def per_guild_kib(s: Subject) -> float:
        """What a guild adds to the subject's memory: (RSS at many guilds - idle) / guilds."""
        return 1024 * (s.rss_guilds_mib - s.rss_idle_mib) / plan.many_guilds

    def throughput(s: Subject) -> float:
        return s.typed_played / s.typed_busy_s if s.typed_busy_s > 0 else math.nan

    def cpu(figure: str, stream: str, base: Subject, target: float = 0.0) -> harness.Row:
        ours, theirs = bot.tallies[stream].ms_per_event(), base.tallies[stream].ms_per_event()
        ratio = harness.ratio(ours, theirs)
        if not target:  # against the reading floor: shown, no target
            return row(figure, "ms", ours, theirs, ratio=ratio)
        return row(figure, "ms", ours, theirs, f"≤ {target:g}x floor", ratio <= target, ratio)

    return [
        ratio_row("start-up to READY + /quiz published", "s", bot.proc.startup_s,
                  floor.proc.startup_s, TARGET_STARTUP_RATIO),
        ratio_row("RSS idle", "MiB", bot.rss_idle_mib, floor.rss_idle_mib, TARGET_IDLE_RSS_RATIO),
        row(f"RSS with {games} games running", "MiB", bot.rss_games_mib, floor.rss_games_mib,
            f"< {TARGET_RSS_MIB:.1f} MiB (150 MB)", bot.rss_games_mib < TARGET_RSS_MIB),
        row(f"click ack p99, {games} games", "ms", clicks_bot.p99_ms, clicks_floor.p99_ms,
            f"< {TARGET_P99_MS:g} ms", clicks_bot.p99_ms < TARGET_P99_MS),
        row(f"click ack median, {games} games", "ms", clicks_bot.median_ms, clicks_floor.median_ms),
        ratio_row(f"RSS at {guilds}, one process", "MiB", bot.rss_guilds_mib,
                  floor.rss_guilds_mib, TARGET_GUILDS_RATIO),
        row(f"RSS per guild, {guilds} − idle", "KiB", per_guild_kib(bot), per_guild_kib(floor)),
        cpu("CPU per button answer", "click", floor, TARGET_CPU_RATIO),
        cpu("CPU per typed answer, wrong guesses", "typed wrong", floor, TARGET_WRONG_RATIO),
        cpu("CPU per typed answer, as played", "typed played", floor, TARGET_PLAYED_RATIO),
        cpu("CPU per typed answer, wrong, vs reading floor", "typed wrong", reader),
        cpu("CPU per typed answer, played, vs reading floor", "typed played", reader),
        # A rate, not a cost (bounded by how fast the messages are sent): no ratio.
        row(f"typed answers processed, {games} channels", "/s", throughput(bot),
            throughput(floor), ratio=math.nan),
        row("failed events + violations", "", float(failures), None, "0", failures == 0),
        row("answer ledger rows after shutdown", "", ledger, None, f"= {expected} answered",
            bot.ledger_rows == expected),
    ]  # fmt: skip


def subject_details(subject: Subject) -> dict[str, object]:
    end = subject.stats_end
    return {
        "subject": subject.name,
        "startup_s": round(subject.proc.startup_s, 3),
        "ready_s": round(subject.proc.ready_s, 3),
        "rss_idle_mib": round(subject.rss_idle_mib, 1),
        "rss_games_mib": round(subject.rss_games_mib, 1),
        "rss_guilds_mib": rounded(subject.rss_guilds_mib, 1),
        "guilds_ready_s": rounded(subject.guilds_ready_s, 2),
        "rss_end_mib": round(end.rss_mib, 1) if end else None,
        "peak_rss_mib": round(end.peak_rss_mib, 1) if end else None,
        "rss_samples": [[label, round(value, 1)] for label, value in subject.rss_samples],
        "click_latency": Latency.of(subject.click_latencies_ms).to_dict(),
        "start_latency": Latency.of(subject.start_latencies_ms).to_dict(),
        "cpu": {stream: tally.to_dict() for stream, tally in subject.tallies.items()},
        "typed_played": subject.typed_played,
        "typed_send_s": round(subject.typed_send_s, 3),
        "typed_busy_s": round(subject.typed_busy_s, 3),
        "winner_latency": Latency.of(subject.winner_latencies_ms).to_dict(),
        "result_delay": Latency.of(subject.result_delays_ms).to_dict(),
        "stop_all_s": round(subject.stop_s, 2),
        "ledger_rows": subject.ledger_rows,
        "ledger_rows_expected": len(subject.locked) + len(subject.guesses),
        "unsolved_questions": subject.unsolved,
        "extra_wins": subject.extra_wins,
        "close_reactions": subject.close_reactions,
        "not_locked_in": subject.not_locked_in,
        "failures": subject.failures,
        "exit_status": subject.proc.exit_status,
        "stderr": subject.proc.stderr,
    }


def report_lines(plan: Plan, subjects: Sequence[Subject]) -> list[str]:
    """What the table does not say: each subject's memory, CPU and typed figures."""
    floor, bot, _ = subjects
    lines = []
    for s in subjects:
        end = s.stats_end
        driver = ", ".join(f"{t.driver_ms_per_event():.2f} ms/{n}" for n, t in s.tallies.items())
        spent = ", ".join(f"{n} {t.cpu_s:.2f} s for {t.events}" for n, t in s.tallies.items())
        lines.append(
            f"{s.name}: READY after {s.proc.ready_s:.2f} s; RSS idle {s.rss_idle_mib:.1f}, with "
            f"games {s.rss_games_mib:.1f}, at the end {end.rss_mib if end else math.nan:.1f}, "
            f"peak {end.peak_rss_mib if end else math.nan:.1f} MiB; exit status "
            f"{s.proc.exit_status}; CPU time (10 ms ticks): {spent}; CPU of the local Discord + "
            f"driver: {driver}"
        )
    starts = Latency.of(bot.start_latencies_ms)
    lines.append(
        f"bot: /quiz start ack median {starts.median_ms:.1f} ms, p99 {starts.p99_ms:.1f} ms; "
        f"/quiz stop in every channel → every final standings {bot.stop_s:.1f} s"
    )
    for s in (floor, bot):
        winners, results = Latency.of(s.winner_latencies_ms), Latency.of(s.result_delays_ms)
        send_rate = s.typed_played / s.typed_send_s if s.typed_send_s > 0 else math.nan
        lines.append(
            f"{s.name}, typed: sent at {send_rate:,.0f}/s; right answer → ✅ median "
            f"{winners.median_ms:.0f} ms, p99 {winners.p99_ms:.0f} ms; ✅ → result posted "
            f"median {results.median_ms:.0f} ms, max {results.max_ms:.0f} ms; "
            f"{s.close_reactions} 🤏; {s.extra_wins} extra ✅"
        )
    lines.append(f"unsolved questions: {bot.unsolved}")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = harness.parser(
        "bench.scale",
        "Many quiz games at once: start-up, memory, click latency, typed "
        "throughput and CPU per answer of the bot beside a minimal discord.py bot.",
        quick="20 games (CI smoke run)",
        check="exit 1 if a target is missed or anything failed",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="load seed")
    parser.add_argument("--games", type=int, help="games (channels); default 100, quick 20")
    parser.add_argument(
        "--profile-bot",
        type=Path,
        metavar="FILE",
        help="run the bot under cProfile and write its stats to FILE (slows it down)",
    )
    args = parser.parse_args(argv)
    if args.games is not None and not 1 <= args.games <= 500:
        parser.error("--games must be from 1 to 500")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.games:
        plan = dataclasses.replace(plan, games=args.games, guilds=min(plan.guilds, args.games))
    profile = args.profile_bot.resolve() if args.profile_bot else None
    return harness.run_main("scale", lambda: run(args, plan, profile))


def run(args: argparse.Namespace, plan: Plan, profile: Path | None) -> int:
    started = time.perf_counter()
    load_before = harness.load_average()
    subjects = asyncio.run(bench(plan, args.seed, harness.log, profile))
    elapsed = time.perf_counter() - started
    loadavg = f"{load_before} → {harness.load_average()}"
    rows = figures(plan, *subjects)
    targets_met = all(row.met is not False for row in rows)
    offered = plan.games * plan.clickers / plan.wave_seconds
    document = {
        "benchmark": "scale",
        **harness.run_info(args, plan),
        "loadavg": loadavg,
        "rows": [row.to_dict() for row in rows],
        "targets_met": targets_met,
        "subjects": [subject_details(s) for s in subjects],
        "elapsed_s": round(elapsed, 1),
    }
    after = [
        *report_lines(plan, subjects),
        f"load average of the machine at the start and the end: {loadavg}",
        "bot RSS (MiB): " + ", ".join(f"{lbl} {v:.1f}" for lbl, v in subjects[1].rss_samples),
    ]
    harness.print_figures(
        rows, args.json, document,
        "Quizzes at scale through the local Discord: the bot vs a minimal discord.py quiz bot "
        "(the floor; the reading floor only reads typed messages); "
        f"{plan.games} games over {plan.guilds} guilds{'; quick run' if args.quick else ''}",
        f"{plural(plan.waves, 'wave')} x {plan.games * plan.clickers} clicks over "
        f"{plan.wave_seconds:g} s ({offered:.0f}/s offered); typed: "
        f"{plan.games * plan.typed_wrong_per_channel} wrong guesses, then "
        f"{plural(plan.typed_blocks, 'block')} x {plan.games * plan.typed_per_channel} "
        f"messages (1 right in {plan.typed_per_channel}); seed {args.seed}; "
        f"{os.cpu_count()} CPUs",
        after=after, labels=("bot", "floor"),
    )  # fmt: skip
    if not args.json:
        for s in subjects:
            for title, lines in (("failures", s.failures), ("stderr", s.proc.stderr)):
                harness.print_lines(f"{s.name} {title}", lines)
        print(f"every target met: {'yes' if targets_met else 'NO'}")
        print(f"elapsed: {elapsed:.1f} s")
    return harness.exit_status(args, rows)


if __name__ == "__main__":
    sys.exit(main())
