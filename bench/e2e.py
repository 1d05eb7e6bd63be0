"""End-to-end acknowledgement latency: the real bot against the floor of discord.py itself.

The benchmark process runs the local Discord (``bot.sandbox.LocalDiscord``: REST and gateway
on 127.0.0.1, one guild, one channel, many simulated members) and drives a bounded load of
slash commands and autocompletes through it. Two subjects, each in a process of its own and
each against a local Discord of its own, both running for the whole benchmark:

* floor: a minimal discord.py bot (``commands.AutoShardedBot``, ``Intents.none()`` +
  guilds, like ours) with the same command shape, a ``/defector`` group whose ``lookup``
  takes ``name`` with autocomplete; it answers every command with a constant message and
  every autocomplete with a constant list of five choices. Its code (``FLOOR_BOT`` below)
  imports nothing but discord.py, so it is what discord.py costs and no more.
* bot: the real bot, unmodified, started as in production (``python -m bot run``) with
  ``DISCORD_API_BASE`` and ``DISCORD_GATEWAY_URL`` pointing at the local Discord, a fresh
  SQLite database in a temporary directory and ``LOG_LEVEL=WARNING``.

Run from the project root::

    python -m bench.e2e            # full run (5000 interactions a subject; about 20 s)
    python -m bench.e2e --quick    # smoke run for CI (1000 a subject; about 10 s)
    python -m bench.e2e --json     # the same figures as JSON on stdout
    python -m bench.e2e --check    # exit 1 if the target is missed or anything failed

Method:

* Load: a deterministic (seeded) list of typing sessions by simulated members: a member
  opens ``/defector lookup`` (sometimes an autocomplete of the empty string), types a
  surname, a full name or an alias, with or without accents, sometimes with a typo (an
  autocomplete for some of the prefixes, as Discord debounces keystrokes), then runs the
  command with the slug they picked from the list or with the text they typed; a quarter of
  the sessions type a query of the fixed mix of ``bench.lookup`` (typos, pseudonyms,
  prefixes, nonsense). Both subjects get exactly the same list, after a warm-up list (400)
  long enough for each to go through the full garbage collections that follow its start-up.
* Closed loop: ``--concurrency`` workers (default 8) each send the next interaction as soon
  as their previous one was acknowledged, until the list is used up. The measured list is
  cut into ``--rounds`` blocks (10; 6 with ``--quick``) played to the subjects in the order
  floor, bot, bot, floor, floor, bot, ... so that a change in the machine's speed during the
  run (another process, CPU frequency) weighs on both alike.
* Latency of an interaction: from the moment the local Discord dispatches
  INTERACTION_CREATE (``Interaction.dispatched_at``, taken just before the frame is
  serialised and written to the websocket) to the moment its REST API starts handling the
  first callback POST for it (body read; before the local Discord validates the answer).
  Both stamps are on the local Discord's event loop clock (``time.monotonic``); the second
  is taken by a subclass of its REST API defined here (the sandbox code is not changed).
  Median and p99 (nearest rank) are over every acknowledged interaction of the measured
  list; throughput is acknowledged interactions / wall time of the measured blocks.
* Correctness, for every interaction (warm-up included): exactly one callback, accepted
  (type 4 or 5 for a command, 8 for an autocomplete), and no violation recorded by the
  local Discord (it enforces Discord's limits: 3 s to answer, 25 choices, embed sizes, ...).
  Anything else is a failure and is reported; failed interactions are left out of the
  latency figures.
* Resources of each subject at the end of its load: resident memory (``VmRSS`` and the peak
  ``VmHWM`` from ``/proc/<pid>/status``) and CPU time spent during the measured list
  (``/proc/<pid>/stat``), per interaction. The CPU time of this process (local Discord and
  load driver) is reported too: on a machine with few cores it competes with the subject.
* Target: the bot's p99 at most 1.5x the floor's p99 at the same load.
* Reading the figures: with interactions in flight, latency is mostly queueing (about
  concurrency / throughput), and the p99 of a closed loop is set by the few longest stalls
  (a stall delays every interaction in flight at once): a full garbage collection of a
  subject, 20 ms for the floor and 50-150 ms for the bot (a larger heap), shows in its max;
  the lists are long enough (1000 and 5000) that one such pause alone does not set the p99.
  On a machine with two cores, where this process, the subject and anything else running
  share the CPU, either subject's p99 moves by up to 2x from run to run; compare them within
  one run only, and read the CPU time per interaction as the steadier measure of what the
  bot adds to discord.py.
* Subprocesses run in their own session (a Ctrl-C reaches only this process) and are
  always stopped (SIGTERM, then SIGKILL after 5 s); the temporary directory is removed.
  What a subject wrote on stderr is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import math
import os
import platform
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# For ``python bench/e2e.py``: make the project root importable like ``python -m`` does.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.lookup import FIXED_QUERIES
from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.sandbox import LocalDiscord, SandboxError, SandboxMember
from bot.sandbox.model import (
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    Interaction,
)
from bot.sandbox.rest import Req, Response, RestApi

ROOT = Path(__file__).resolve().parents[1]
TARGET_P99_RATIO = 1.5
DEFAULT_SEED = 20261127
GUILD_ID = 1_220_000_000_000_000_001
CHANNEL_ID = 1_220_000_000_000_000_002
FIRST_MEMBER_ID = 1_220_000_000_000_000_100
COMMAND = "defector lookup"
OPTION = "name"
RESPONSE_TIMEOUT = 5.0
"""Seconds a worker waits for an answer (the local Discord's deadline is 3 s)."""
READY_TIMEOUT = 60.0
SETTLE_SECONDS = 0.5
"""Pause after the load, so a late second answer or a deadline violation is seen."""
STOP_GRACE = 5.0
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""discord.py colours its log lines when it thinks it runs in Docker, even into a file."""
ACK_TYPES = {INTERACTION_APPLICATION_COMMAND: (4, 5), INTERACTION_AUTOCOMPLETE: (8,)}
KIND_NAMES = {INTERACTION_APPLICATION_COMMAND: "lookup", INTERACTION_AUTOCOMPLETE: "autocomplete"}
SETTINGS_ENV = frozenset(
    ("DISCORD_TOKEN", "DATABASE_URL", "DATA_DIR", "DEV_GUILD_ID", "OWNER_IDS", "SHARD_COUNT",
     "SHARD_IDS", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL", "LOG_LEVEL", "SEARCH_TIMEOUT")
)  # fmt: skip
"""The bot's settings: never inherited from this environment, only set here."""

FLOOR_BOT = '''\
"""The floor: a minimal discord.py bot with the command shape of Defector Bot."""

import asyncio
import contextlib
import logging
import os
import signal

import discord
import yarl
from discord import app_commands
from discord.ext import commands

discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

CHOICES = [app_commands.Choice(name=f"Person {i}", value=f"person-{i}") for i in range(5)]
group = app_commands.Group(name="defector", description="Look people up")


@group.command(name="lookup", description="A constant answer")
@app_commands.describe(name="Anything")
async def lookup(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message("A constant answer.")


@lookup.autocomplete("name")
async def lookup_name(interaction: discord.Interaction, current: str) -> list:
    return CHOICES


class Floor(commands.AutoShardedBot):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.tree.add_command(group)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def main() -> None:
    discord.utils.setup_logging(level=logging.getLevelName(os.environ.get("LOG_LEVEL", "INFO")))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot = Floor()
    async with bot:
        await bot.login(os.environ["DISCORD_TOKEN"])
        connection = asyncio.create_task(bot.connect(reconnect=True))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
        await bot.close()
        for task in (connection, stopper):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


asyncio.run(main())
'''

_live_pids: set[int] = set()
"""Subprocesses not reaped yet: killed on the way out whatever happened."""


# -- the load ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    """"autocomplete" or "lookup"."""
    text: str
    user_id: int


@dataclass(frozen=True)
class Plan:
    requests: int
    warmup: int
    concurrency: int
    members: int
    rounds: int
    """Blocks the measured list is cut into, run floor, bot, bot, floor, floor, bot, ..."""


FULL = Plan(requests=5000, warmup=400, concurrency=8, members=200, rounds=10)
QUICK = Plan(requests=1000, warmup=400, concurrency=8, members=200, rounds=6)
SUBJECTS = ("floor", "bot")


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip in the last word: a dropped, doubled, swapped or wrong letter."""
    words = text.split()
    if not words or len(words[-1]) < 4:
        return text
    word = words[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        word = word[:i] + word[i + 1 :]
    elif kind == "double":
        word = word[:i] + word[i] + word[i:]
    elif kind == "swap":
        word = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    else:
        word = word[:i] + rng.choice("aeioukrstnl") + word[i + 1 :]
    return " ".join([*words[:-1], word])


def _typed_name(rng: random.Random, record: Defector) -> str:
    """What a member types for ``record``: surname, full name or alias, maybe unaccented."""
    names = [record.name, *record.aliases]
    name = rng.choice(names)
    words = name.split()
    text = words[-1] if rng.random() < 0.5 and len(words) > 1 else name
    text = text.strip("()")
    if rng.random() < 0.5:
        text = fold(text)
    elif rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.15:
        text = _typo(rng, text)
    return text or record.slug


def build_requests(
    records: Sequence[Defector], count: int, seed: int, member_ids: Sequence[int]
) -> list[Request]:
    """``count`` interactions of seeded typing sessions (see the module docstring)."""
    rng = random.Random(seed)
    fixed = [query for query, _ in FIXED_QUERIES]
    requests: list[Request] = []
    while len(requests) < count:
        user = rng.choice(member_ids)
        record: Defector | None = None
        if rng.random() < 0.75:
            record = rng.choice(records)
            typed = _typed_name(rng, record)
        else:
            typed = rng.choice(fixed)
        if rng.random() < 0.1:
            requests.append(Request("autocomplete", "", user))
        stripped = typed.strip()
        lengths = range(1, len(stripped) + 1)
        keystrokes = sorted(rng.sample(lengths, min(len(lengths), rng.randint(1, 4))))
        requests.extend(Request("autocomplete", stripped[:n], user) for n in keystrokes)
        picked = record is not None and rng.random() < 0.7
        value = record.slug if picked and record is not None else typed
        requests.append(Request("lookup", value, user))
    return requests[:count]


# -- the local Discord, instrumented -----------------------------------------------------------


class TimedRestApi(RestApi):
    """The local Discord's REST API, noting when the first callback of each interaction
    arrives (on the same clock as ``Interaction.dispatched_at``)."""

    def __init__(self, server: LocalDiscord) -> None:
        super().__init__(server)
        self.first_callback_at: dict[int, float] = {}

    async def post_callback(self, req: Req) -> Response:
        received = self.server.now()
        with contextlib.suppress(KeyError, ValueError):
            self.first_callback_at.setdefault(int(req.params["interaction_id"]), received)
        return await super().post_callback(req)


def new_server(members: int) -> tuple[LocalDiscord, TimedRestApi, list[int]]:
    server = LocalDiscord(token=f"bench-{os.urandom(8).hex()}")
    rest = TimedRestApi(server)
    server.rest = rest  # before start(): the app routes to server.rest.handle
    member_ids = [FIRST_MEMBER_ID + i for i in range(members)]
    server.add_guild(
        GUILD_ID,
        "Bench Server",
        channel_ids=[CHANNEL_ID],
        members=[SandboxMember(uid, f"member{i}") for i, uid in enumerate(member_ids)],
        owner_id=member_ids[0],
    )
    return server, rest, member_ids


async def send(server: LocalDiscord, request: Request) -> None:
    """One interaction, returning once it was answered (raises if it was not)."""
    if request.kind == "lookup":
        interaction = await server.slash(
            GUILD_ID, CHANNEL_ID, request.user_id, COMMAND, {OPTION: request.text}
        )
        await interaction.wait_for_response(timeout=RESPONSE_TIMEOUT)
    else:
        await server.autocomplete(
            GUILD_ID,
            CHANNEL_ID,
            request.user_id,
            COMMAND,
            {OPTION: request.text},
            OPTION,
            timeout=RESPONSE_TIMEOUT,
        )


async def drive(
    server: LocalDiscord, requests: Sequence[Request], concurrency: int
) -> tuple[float, list[str]]:
    """Send ``requests`` with ``concurrency`` in flight; (wall seconds, driver errors)."""
    pending = iter(requests)
    errors: list[str] = []

    async def worker() -> None:
        for request in pending:
            try:
                await send(server, request)
            except (SandboxError, TimeoutError) as error:
                errors.append(f"{request.kind} {request.text!r}: {error}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, errors


# -- subprocesses --------------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS_ENV}
    env.pop("PYTHONPATH", None)
    return env


def subject_command(
    name: str, server: LocalDiscord, workdir: Path
) -> tuple[list[str], dict[str, str]]:
    env = _clean_env()
    env.update(
        DISCORD_TOKEN=server.token,
        DISCORD_API_BASE=server.api_base,
        DISCORD_GATEWAY_URL=server.gateway_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if name == "floor":
        script = workdir / "floor_bot.py"
        script.write_text(FLOOR_BOT, encoding="utf-8")
        return [sys.executable, str(script)], env
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}",
        DATA_DIR=str(workdir / "var"),
        PYTHONPATH=str(ROOT),
    )
    return [sys.executable, "-m", "bot", "run"], env


async def stop_process(process: asyncio.subprocess.Process) -> int:
    """SIGTERM, then SIGKILL after ``STOP_GRACE`` seconds; the exit status."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STOP_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    code = await process.wait()
    _live_pids.discard(process.pid)
    return code


def _kill_leftovers() -> None:
    for pid in list(_live_pids):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        _live_pids.discard(pid)


@dataclass(frozen=True)
class ProcStats:
    rss_mib: float
    peak_rss_mib: float
    cpu_s: float


def proc_stats(pid: int) -> ProcStats:
    status: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    def mib(key: str) -> float:
        return int(status.get(key, "0 kB").split()[0]) / 1024

    return ProcStats(rss_mib=mib("VmRSS"), peak_rss_mib=mib("VmHWM"), cpu_s=cpu)


async def wait_started(server: LocalDiscord, process: asyncio.subprocess.Process) -> None:
    """Until the subject is connected and /defector lookup is published (or it died)."""

    async def ready() -> None:
        await server.wait_until_ready(timeout=READY_TIMEOUT)
        await server.wait_for(
            lambda: COMMAND in server.available_commands(GUILD_ID), timeout=READY_TIMEOUT
        )

    readiness = asyncio.ensure_future(ready())
    exited = asyncio.ensure_future(process.wait())
    try:
        await asyncio.wait({readiness, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not readiness.done():
            raise RuntimeError(f"the subject exited with status {process.returncode} at start")
        readiness.result()
    finally:
        for future in (readiness, exited):
            future.cancel()
        await asyncio.gather(readiness, exited, return_exceptions=True)


# -- one subject ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    samples: int
    median_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, values_ms: Sequence[float]) -> Latency:
        if not values_ms:
            return cls(0, math.nan, math.nan, math.nan)
        ordered = sorted(values_ms)
        rank = max(1, math.ceil(0.99 * len(ordered)))
        return cls(len(ordered), statistics.median(ordered), ordered[rank - 1], ordered[-1])

    def to_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "median_ms": _ms(self.median_ms),
            "p99_ms": _ms(self.p99_ms),
            "max_ms": _ms(self.max_ms),
        }


def _ms(value: float) -> float | None:
    """Milliseconds for JSON: NaN (no samples) is not valid JSON, so it becomes null."""
    return None if math.isnan(value) else round(value, 3)


@dataclass
class SubjectResult:
    name: str
    requests: int
    latency: Latency
    by_kind: dict[str, Latency]
    wall_s: float
    startup_s: float
    stats: ProcStats
    cpu_ms_per_request: float
    driver_cpu_ms_per_request: float
    exit_status: int | None = None
    failures: list[str] = field(default_factory=list)
    """Measured interactions not answered exactly once, correctly and in time."""
    driver_errors: list[str] = field(default_factory=list)
    """What the local Discord raised to the load driver (warm-up included)."""
    violations: list[str] = field(default_factory=list)
    """Every rule of Discord the subject broke, as the local Discord recorded it."""
    stderr: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> int:
        return self.latency.samples

    @property
    def throughput(self) -> float:
        return self.acknowledged / self.wall_s if self.wall_s > 0 else math.nan

    @property
    def clean(self) -> bool:
        return not (self.failures or self.driver_errors or self.violations)

    def to_dict(self) -> dict[str, object]:
        return {
            "subject": self.name,
            "requests": self.requests,
            "acknowledged": self.acknowledged,
            **self.latency.to_dict(),
            "throughput_per_s": round(self.throughput, 1),
            "wall_s": round(self.wall_s, 3),
            "by_kind": {kind: lat.to_dict() for kind, lat in self.by_kind.items()},
            "startup_s": round(self.startup_s, 2),
            "rss_mib": round(self.stats.rss_mib, 1),
            "peak_rss_mib": round(self.stats.peak_rss_mib, 1),
            "cpu_ms_per_request": round(self.cpu_ms_per_request, 3),
            "driver_cpu_ms_per_request": round(self.driver_cpu_ms_per_request, 3),
            "exit_status": self.exit_status,
            "failures": self.failures,
            "driver_errors": self.driver_errors,
            "violations": self.violations,
            "stderr": self.stderr,
        }


def check_interactions(
    server: LocalDiscord,
    rest: TimedRestApi,
    measured: Sequence[Interaction],
    expected: int,
) -> tuple[list[float], dict[str, list[float]], list[str]]:
    """Latencies (ms) of the correctly answered interactions, by kind, and the failures."""
    failures: list[str] = []
    if len(measured) != expected:
        failures.append(f"{len(measured)} interactions dispatched, {expected} planned")
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {name: [] for name in KIND_NAMES.values()}
    for interaction in measured:
        what = (
            f"{server.describe_interaction(interaction)} "
            f"{OPTION}={_option_value(interaction.payload)!r}"
        )
        received = rest.first_callback_at.get(interaction.id)
        callbacks = interaction.callbacks
        if received is None or not callbacks:
            failures.append(f"{what}: no answer")
            continue
        first = callbacks[0]
        if len(callbacks) != 1:
            failures.append(f"{what}: {len(callbacks)} callbacks {interaction.callback_types}")
            continue
        if not first["accepted"] or first["type"] not in ACK_TYPES.get(interaction.type, ()):
            failures.append(f"{what}: callback type {first['type']} rejected: {first['error']}")
            continue
        latency_ms = (received - interaction.dispatched_at) * 1000.0
        latencies.append(latency_ms)
        by_kind[KIND_NAMES.get(interaction.type, str(interaction.type))].append(latency_ms)
    return latencies, by_kind, failures


def _option_value(payload: dict[str, Any]) -> str:
    """The ``name`` option of a /defector lookup payload (nested under the subcommand)."""
    stack: list[Any] = list((payload.get("data") or {}).get("options") or [])
    while stack:
        option = stack.pop()
        if option.get("name") == OPTION and "value" in option:
            return str(option["value"])
        stack.extend(option.get("options") or [])
    return "?"


class SubjectFailed(Exception):
    """A subject could not be started (its stderr is in the message)."""


@dataclass
class Subject:
    """A running subject: its own local Discord, its process, and what was measured."""

    name: str
    server: LocalDiscord
    rest: TimedRestApi
    process: asyncio.subprocess.Process
    stderr_path: Path
    startup_s: float
    warmup_ids: set[int] = field(default_factory=set)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    driver_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def running(name: str, plan: Plan, workdir: Path) -> AsyncIterator[Subject]:
    """Start a local Discord and the subject against it; stop both whatever happens."""
    server, rest, _ = new_server(plan.members)
    await server.start()
    try:
        subject_dir = workdir / name
        subject_dir.mkdir()
        argv, env = subject_command(name, server, subject_dir)
        stderr_path = subject_dir / "stderr.txt"
        with stderr_path.open("wb") as stderr:
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=subject_dir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        _live_pids.add(process.pid)
        subject = Subject(name, server, rest, process, stderr_path, startup_s=0.0)
        try:
            try:
                await wait_started(server, process)
            except (RuntimeError, SandboxError) as error:
                await stop_process(process)
                lines = stderr_path.read_text(encoding="utf-8", errors="replace").splitlines()
                tail = "".join(f"\n  {line}" for line in lines[-20:])
                raise SubjectFailed(f"{name} did not start: {error}{tail}") from None
            subject.startup_s = time.perf_counter() - started
            yield subject
        finally:
            await stop_process(process)
    finally:
        await server.close()


async def measure_block(subject: Subject, block: Sequence[Request], concurrency: int) -> None:
    """Drive one block of the load, adding up wall time and both sides' CPU time."""
    gc.collect()
    cpu_before = proc_stats(subject.process.pid).cpu_s
    driver_before = time.process_time()
    wall, errors = await drive(subject.server, block, concurrency)
    subject.driver_cpu_s += time.process_time() - driver_before
    subject.cpu_s += proc_stats(subject.process.pid).cpu_s - cpu_before
    subject.wall_s += wall
    subject.errors.extend(errors)


def result_of(subject: Subject, requests: int, warmup: int, stats: ProcStats) -> SubjectResult:
    server = subject.server
    measured = [i for iid, i in server.interactions.items() if iid not in subject.warmup_ids]
    latencies, by_kind, failures = check_interactions(server, subject.rest, measured, requests)
    warmed = [i for iid, i in server.interactions.items() if iid in subject.warmup_ids]
    _, _, warmup_failures = check_interactions(server, subject.rest, warmed, warmup)
    failures = [f"warm-up: {failure}" for failure in warmup_failures] + failures
    count = max(1, requests)
    return SubjectResult(
        name=subject.name,
        requests=requests,
        latency=Latency.of(latencies),
        by_kind={kind: Latency.of(values) for kind, values in by_kind.items()},
        wall_s=subject.wall_s,
        startup_s=subject.startup_s,
        stats=stats,
        cpu_ms_per_request=subject.cpu_s * 1000.0 / count,
        driver_cpu_ms_per_request=subject.driver_cpu_s * 1000.0 / count,
        failures=failures,
        driver_errors=subject.errors,
        violations=list(server.violations),
    )


# -- output --------------------------------------------------------------------------------------


def _ratio(ours: float, floor: float) -> float:
    return ours / floor if floor > 0 else math.nan


def _table(header: Sequence[str], body: Sequence[Sequence[str]], left: set[int]) -> str:
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

    def render(line: Sequence[str]) -> str:
        cells = [
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in body)])


def format_main_table(floor: SubjectResult, bot: SubjectResult) -> str:
    header = (
        "subject",
        "requests",
        "failed",
        "violations",
        "median ms",
        "p99 ms",
        "max ms",
        "throughput/s",
        "CPU ms/req",
        "RSS MiB",
    )
    body = [
        (
            r.name,
            str(r.requests),
            str(len(r.failures)),
            str(len(r.violations)),
            f"{r.latency.median_ms:.2f}",
            f"{r.latency.p99_ms:.2f}",
            f"{r.latency.max_ms:.2f}",
            f"{r.throughput:,.0f}",
            f"{r.cpu_ms_per_request:.2f}",
            f"{r.stats.rss_mib:.1f}",
        )
        for r in (floor, bot)
    ]
    body.append(
        (
            "bot/floor",
            "",
            "",
            "",
            f"{_ratio(bot.latency.median_ms, floor.latency.median_ms):.2f}x",
            f"{_ratio(bot.latency.p99_ms, floor.latency.p99_ms):.2f}x",
            f"{_ratio(bot.latency.max_ms, floor.latency.max_ms):.2f}x",
            f"{_ratio(bot.throughput, floor.throughput):.2f}x",
            f"{_ratio(bot.cpu_ms_per_request, floor.cpu_ms_per_request):.2f}x",
            f"{_ratio(bot.stats.rss_mib, floor.stats.rss_mib):.2f}x",
        )
    )
    return _table(header, body, left={0})


def format_kind_table(floor: SubjectResult, bot: SubjectResult) -> str:
    header = (
        "kind",
        "requests",
        "floor med ms",
        "floor p99 ms",
        "bot med ms",
        "bot p99 ms",
        "ratio med",
        "ratio p99",
    )
    body = []
    for kind in KIND_NAMES.values():
        f, b = floor.by_kind[kind], bot.by_kind[kind]
        body.append(
            (
                kind,
                str(b.samples),
                f"{f.median_ms:.2f}",
                f"{f.p99_ms:.2f}",
                f"{b.median_ms:.2f}",
                f"{b.p99_ms:.2f}",
                f"{_ratio(b.median_ms, f.median_ms):.2f}x",
                f"{_ratio(b.p99_ms, f.p99_ms):.2f}x",
            )
        )
    return _table(header, body, left={0})


def _excerpt(lines: Sequence[str], limit: int = 12) -> list[str]:
    return (
        [*lines[:limit], f"... ({len(lines) - limit} more lines)"]
        if len(lines) > limit
        else list(lines)
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.e2e",
        description="Acknowledgement latency of the bot against a minimal discord.py bot, "
        "both driven through the local Discord.",
    )
    parser.add_argument("--quick", action="store_true", help="a short load (CI smoke run)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 if the bot's p99 exceeds {TARGET_P99_RATIO:g}x the floor's, "
        "or any interaction failed",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="load seed")
    parser.add_argument("--requests", type=int, help="measured interactions per subject")
    parser.add_argument("--concurrency", type=int, help="interactions in flight")
    parser.add_argument("--rounds", type=int, help="blocks the measured list is cut into")
    args = parser.parse_args(argv)
    for name in ("requests", "concurrency", "rounds"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def blocks_of(requests: Sequence[Request], rounds: int) -> list[Sequence[Request]]:
    size = math.ceil(len(requests) / rounds)
    return [requests[i : i + size] for i in range(0, len(requests), size)]


async def bench(plan: Plan, seed: int, log: Callable[[str], None]) -> list[SubjectResult]:
    """Both subjects, started one after the other, then the load in alternating blocks."""
    # SIGTERM (a CI timeout) cancels the run like Ctrl-C does, so the subjects are stopped.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    records = load_catalogue()
    member_ids = [FIRST_MEMBER_ID + i for i in range(plan.members)]
    requests = build_requests(records, plan.requests, seed, member_ids)
    warmup = build_requests(records, plan.warmup, seed + 1, member_ids)
    kinds = {kind: sum(r.kind == kind for r in requests) for kind in ("autocomplete", "lookup")}
    log(
        f"load: {len(requests)} interactions ({kinds['autocomplete']} autocomplete, "
        f"{kinds['lookup']} lookup) from {plan.members} members, {plan.concurrency} in flight, "
        f"in {plan.rounds} blocks, after {len(warmup)} warm-up; seed {seed}"
    )
    results: list[SubjectResult] = []
    subjects: list[Subject] = []
    with tempfile.TemporaryDirectory(prefix="defector-e2e-", ignore_cleanup_errors=True) as tmp:
        async with contextlib.AsyncExitStack() as stack:
            for name in SUBJECTS:
                subject = await stack.enter_async_context(running(name, plan, Path(tmp)))
                log(f"  {name}: pid {subject.process.pid}, ready in {subject.startup_s:.1f} s")
                subjects.append(subject)
            for subject in subjects:
                _, errors = await drive(subject.server, warmup, plan.concurrency)
                subject.errors.extend(f"warm-up: {error}" for error in errors)
            await asyncio.sleep(SETTLE_SECONDS)
            for subject in subjects:
                subject.warmup_ids = set(subject.server.interactions)
            blocks = blocks_of(requests, plan.rounds)
            for number, block in enumerate(blocks, start=1):
                # ABBA order: a drift in the machine's speed weighs on both subjects alike.
                order = subjects if number % 2 else subjects[::-1]
                for subject in order:
                    await measure_block(subject, block, plan.concurrency)
                log(
                    f"  block {number}/{len(blocks)} ({', '.join(s.name for s in order)}): "
                    + ", ".join(f"{s.name} {s.wall_s:.2f} s" for s in subjects)
                    + " so far"
                )
            stats = [proc_stats(subject.process.pid) for subject in subjects]
            await asyncio.sleep(SETTLE_SECONDS)
            results = [
                result_of(subject, len(requests), len(warmup), stat)
                for subject, stat in zip(subjects, stats, strict=True)
            ]
        for subject, result in zip(subjects, results, strict=True):
            result.exit_status = subject.process.returncode
            text = subject.stderr_path.read_text(encoding="utf-8", errors="replace")
            result.stderr = ANSI_ESCAPE.sub("", text).splitlines()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    base = QUICK if args.quick else FULL
    plan = Plan(
        requests=args.requests or base.requests,
        warmup=base.warmup,
        concurrency=args.concurrency or base.concurrency,
        members=base.members,
        rounds=args.rounds or base.rounds,
    )

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    try:
        results = {result.name: result for result in asyncio.run(bench(plan, args.seed, log))}
    except SubjectFailed as error:
        print(f"bench.e2e: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench.e2e: interrupted; subjects stopped", file=sys.stderr)
        return 130
    finally:
        _kill_leftovers()
    floor, bot = results["floor"], results["bot"]
    elapsed = time.perf_counter() - started
    p99_ratio = _ratio(bot.latency.p99_ms, floor.latency.p99_ms)
    median_ratio = _ratio(bot.latency.median_ms, floor.latency.median_ms)
    meets_target = p99_ratio <= TARGET_P99_RATIO
    clean = floor.clean and bot.clean

    if args.json:
        import discord

        document = {
            "target_p99_ratio": TARGET_P99_RATIO,
            "quick": args.quick,
            "seed": args.seed,
            "plan": dataclasses.asdict(plan),
            "python": platform.python_version(),
            "discord_py": discord.__version__,
            "cpus": os.cpu_count(),
            "subjects": [floor.to_dict(), bot.to_dict()],
            "median_ratio": round(median_ratio, 3),
            "p99_ratio": round(p99_ratio, 3),
            "meets_target": meets_target,
            "all_answered": clean,
            "elapsed_s": round(elapsed, 1),
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(
            "Acknowledgement latency through the local Discord: the bot vs a minimal "
            f"discord.py bot (the floor); target: bot p99 ≤ {TARGET_P99_RATIO:g}x floor p99"
        )
        print(
            f"{plan.requests} interactions a subject, {plan.concurrency} in flight, "
            f"{plan.members} members, after {plan.warmup} warm-up; seed {args.seed}; "
            f"{os.cpu_count()} CPUs{'; quick run' if args.quick else ''}"
        )
        print()
        print(format_main_table(floor, bot))
        print()
        print(format_kind_table(floor, bot))
        print()
        for r in (floor, bot):
            print(
                f"{r.name}: connected in {r.startup_s:.1f} s; load {r.wall_s:.1f} s; "
                f"RSS {r.stats.rss_mib:.1f} MiB (peak {r.stats.peak_rss_mib:.1f}); "
                f"local Discord + driver CPU {r.driver_cpu_ms_per_request:.2f} ms/req; "
                f"exit status {r.exit_status}"
            )
        for r in (floor, bot):
            for title, lines in (
                ("failures", r.failures),
                ("driver errors", r.driver_errors),
                ("violations", r.violations),
                ("stderr", r.stderr),
            ):
                if lines:
                    print(f"{r.name} {title} ({len(lines)}):")
                    for line in _excerpt(lines):
                        print(f"  {line}")
        verdict = "yes" if meets_target else "NO"
        print(f"p99 target met (bot/floor {p99_ratio:.2f}x ≤ {TARGET_P99_RATIO:g}x): {verdict}")
        print(f"every interaction answered exactly once, no violations: {'yes' if clean else 'NO'}")
        print(f"elapsed: {elapsed:.1f} s")
    return 1 if args.check and not (meets_target and clean) else 0


if __name__ == "__main__":
    sys.exit(main())
