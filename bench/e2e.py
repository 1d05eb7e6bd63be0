"""End-to-end acknowledgement latency: the real bot against the floor of discord.py itself.

Two subjects, each in a process of its own against a local Discord of its own
(``bot.sandbox.LocalDiscord``: one guild, one channel, many simulated members), get the same
bounded load of ``/defector lookup`` commands and autocompletes:

* floor (``bench.floors.lookup``, discord.py alone): the same intents and command shape,
  answering with a constant message or five constant choices: what discord.py costs.
* bot: the real bot, unmodified (``python -m bot run``), a fresh SQLite database.

Run from the project root: ``python -m bench.e2e`` (5000 interactions a subject, about 20 s),
``--quick`` (1000), ``--json``, ``--check`` (exit 1 if the target is missed or anything
failed).

Method:

* Load: seeded typing sessions. A member types a surname, full name or alias (maybe without
  accents, maybe with a typo; an autocomplete for some prefixes, as Discord debounces), then
  runs the command with a picked slug or the typed text; a quarter type a query of
  ``bench.lookup``'s fixed mix. Both subjects get the same list, after a warm-up (400) long
  enough for the full garbage collections that follow start-up.
* Closed loop: ``--concurrency`` workers (8) each send the next interaction once the previous
  is acknowledged. The list is cut into ``--rounds`` blocks (10; 6 quick) played floor, bot,
  bot, floor, ... so that a drift in the machine's speed weighs on both alike.
* Latency: INTERACTION_CREATE dispatched (``Interaction.dispatched_at``) to the first
  callback POST received (``bench.harness.TimedRestApi``), on one clock. Median and p99
  (nearest rank) over the acknowledged measured interactions; throughput = acknowledged /
  wall time of the measured blocks.
* Correctness (warm-up included): exactly one accepted callback (type 4 or 5 for a command,
  8 for an autocomplete) and no violation recorded by the local Discord; failures are
  reported and left out of the latency.
* Resources: ``VmRSS``/``VmHWM`` at the end, CPU time per interaction over the measured list;
  this process's CPU too (it competes with the subject on few cores).
* Target: the bot's p99 at most 1.5x the floor's at the same load.
* Reading: in flight, latency is mostly queueing (about concurrency / throughput) and a
  closed loop's p99 is set by the few longest stalls (a full GC: ~20 ms for the floor,
  50-150 ms for the bot, shows in the max). On two shared cores either p99 moves by up to 2x
  between runs: compare within one run, and read CPU per interaction as the steadier measure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import Latency, ProcStats, TimedRestApi, proc_stats, ratio
from bench.lookup import FIXED_QUERIES, typo
from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.sandbox import LocalDiscord, SandboxError, SandboxMember
from bot.sandbox.model import (
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    Interaction,
)

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
ACK_TYPES = {INTERACTION_APPLICATION_COMMAND: (4, 5), INTERACTION_AUTOCOMPLETE: (8,)}
KIND_NAMES = {INTERACTION_APPLICATION_COMMAND: "lookup", INTERACTION_AUTOCOMPLETE: "autocomplete"}
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
        text = typo(rng, text)
    return text or record.slug


def build_requests(
    records: Sequence[Defector], count: int, seed: int, member_ids: Sequence[int]
) -> list[Request]:
    """``count`` interactions of seeded typing sessions (see the module docstring)."""
    rng = random.Random(seed)
    requests: list[Request] = []
    while len(requests) < count:
        user = rng.choice(member_ids)
        record: Defector | None = None
        if rng.random() < 0.75:
            record = rng.choice(records)
            typed = _typed_name(rng, record)
        else:
            typed = rng.choice(FIXED_QUERIES)
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


def new_server(members: int) -> tuple[LocalDiscord, TimedRestApi, list[int]]:
    server = LocalDiscord(token=f"bench-{os.urandom(8).hex()}")
    rest = TimedRestApi.install(server)
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


def subject_command(
    name: str, server: LocalDiscord, workdir: Path
) -> tuple[list[str], dict[str, str]]:
    if name == "floor":
        return [sys.executable, "-m", "bench.floors.lookup"], harness.subject_env(server)
    return [sys.executable, "-m", "bot", "run"], harness.bot_env(server, workdir)


# -- one subject ---------------------------------------------------------------------------------


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


@dataclass
class Subject:
    """A running subject: its own local Discord, its process, and what was measured."""

    server: LocalDiscord
    rest: TimedRestApi
    proc: harness.Spawned
    warmup_ids: set[int] = field(default_factory=set)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    driver_cpu_s: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.proc.name


@contextlib.asynccontextmanager
async def running(name: str, plan: Plan, workdir: Path) -> AsyncIterator[Subject]:
    """Start a local Discord and the subject against it; stop both whatever happens."""
    server, rest, _ = new_server(plan.members)

    def command(directory: Path) -> tuple[list[str], dict[str, str]]:
        return subject_command(name, server, directory)

    async with harness.spawned(name, server, command, workdir, COMMAND, READY_TIMEOUT) as proc:
        yield Subject(server, rest, proc)


async def measure_block(subject: Subject, block: Sequence[Request], concurrency: int) -> None:
    """Drive one block of the load, adding up wall time and both sides' CPU time."""
    gc.collect()
    cpu_before = proc_stats(subject.proc.pid).cpu_s
    driver_before = time.process_time()
    wall, errors = await drive(subject.server, block, concurrency)
    subject.driver_cpu_s += time.process_time() - driver_before
    subject.cpu_s += proc_stats(subject.proc.pid).cpu_s - cpu_before
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
        startup_s=subject.proc.startup_s,
        stats=stats,
        cpu_ms_per_request=subject.cpu_s * 1000.0 / count,
        driver_cpu_ms_per_request=subject.driver_cpu_s * 1000.0 / count,
        failures=failures,
        driver_errors=subject.errors,
        violations=list(server.violations),
    )


# -- output --------------------------------------------------------------------------------------


def table_rows(
    floor: SubjectResult, bot: SubjectResult, plan: Plan, meets_target: bool, clean: bool
) -> list[harness.Row]:
    def row(figure: str, unit: str, ours: float, base: float, **extra: Any) -> harness.Row:
        return harness.Row("e2e", figure, ours, base, unit, ratio(ours, base), **extra)

    return [
        row(f"ack p99, lookup + autocomplete, {plan.concurrency} in flight", "ms",
            bot.latency.p99_ms, floor.latency.p99_ms, target=f"≤ {TARGET_P99_RATIO:g}x floor",
            met=meets_target),
        row("ack median", "ms", bot.latency.median_ms, floor.latency.median_ms),
        row("throughput", "/s", bot.throughput, floor.throughput),
        row("CPU per interaction", "ms", bot.cpu_ms_per_request, floor.cpu_ms_per_request),
        row("RSS after the load", "MiB", bot.stats.rss_mib, floor.stats.rss_mib),
        row("start-up", "s", bot.startup_s, floor.startup_s),
        harness.Row("e2e", "every interaction answered once, no violation",
                    "yes" if clean else "no", target="yes", met=clean),
    ]  # fmt: skip


def format_kind_table(floor: SubjectResult, bot: SubjectResult) -> str:
    header = ("kind", "requests", "floor med ms", "floor p99 ms", "bot med ms", "bot p99 ms",
              "ratio med", "ratio p99")  # fmt: skip
    body = []
    for kind in KIND_NAMES.values():
        f, b = floor.by_kind[kind], bot.by_kind[kind]
        body.append((kind, str(b.samples), f"{f.median_ms:.2f}", f"{f.p99_ms:.2f}",
                     f"{b.median_ms:.2f}", f"{b.p99_ms:.2f}",
                     f"{ratio(b.median_ms, f.median_ms):.2f}x",
                     f"{ratio(b.p99_ms, f.p99_ms):.2f}x"))  # fmt: skip
    return harness.table(header, body, left={0})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = harness.parser(
        "bench.e2e",
        "Acknowledgement latency of the bot against a minimal discord.py bot, "
        "both driven through the local Discord.",
        quick="a short load (CI smoke run)",
        check=f"exit 1 if the bot's p99 exceeds {TARGET_P99_RATIO:g}x the floor's, "
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
    harness.cancel_on_sigterm()
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
                log(f"  {name}: pid {subject.proc.pid}, ready in {subject.proc.startup_s:.1f} s")
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
            stats = [proc_stats(subject.proc.pid) for subject in subjects]
            await asyncio.sleep(SETTLE_SECONDS)
            results = [
                result_of(subject, len(requests), len(warmup), stat)
                for subject, stat in zip(subjects, stats, strict=True)
            ]
        for subject, result in zip(subjects, results, strict=True):
            result.exit_status = subject.proc.exit_status
            result.stderr = subject.proc.stderr
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
    return harness.run_main("e2e", lambda: run(args, plan))


def run(args: argparse.Namespace, plan: Plan) -> int:
    started = time.perf_counter()
    results = {r.name: r for r in asyncio.run(bench(plan, args.seed, harness.log))}
    floor, bot = results["floor"], results["bot"]
    elapsed = time.perf_counter() - started
    p99_ratio = ratio(bot.latency.p99_ms, floor.latency.p99_ms)
    median_ratio = ratio(bot.latency.median_ms, floor.latency.median_ms)
    meets_target = p99_ratio <= TARGET_P99_RATIO
    clean = floor.clean and bot.clean
    rows = table_rows(floor, bot, plan, meets_target, clean)

    document = {
        "target_p99_ratio": TARGET_P99_RATIO,
        **harness.run_info(args, plan),
        "subjects": [floor.to_dict(), bot.to_dict()],
        "median_ratio": round(median_ratio, 3),
        "p99_ratio": round(p99_ratio, 3),
        "meets_target": meets_target,
        "all_answered": clean,
        "elapsed_s": round(elapsed, 1),
    }
    after = [format_kind_table(floor, bot), ""]
    after += [
        f"{r.name}: connected in {r.startup_s:.1f} s; load {r.wall_s:.1f} s; "
        f"RSS {r.stats.rss_mib:.1f} MiB (peak {r.stats.peak_rss_mib:.1f}); "
        f"local Discord + driver CPU {r.driver_cpu_ms_per_request:.2f} ms/req; "
        f"exit status {r.exit_status}"
        for r in (floor, bot)
    ]
    harness.print_figures(
        rows, args.json, document,
        "Acknowledgement latency through the local Discord: the bot vs a minimal "
        f"discord.py bot (the floor); target: bot p99 ≤ {TARGET_P99_RATIO:g}x floor p99",
        f"{plan.requests} interactions a subject, {plan.concurrency} in flight, "
        f"{plan.members} members, after {plan.warmup} warm-up; seed {args.seed}; "
        f"{os.cpu_count()} CPUs{'; quick run' if args.quick else ''}",
        after=after, labels=("bot", "floor"),
    )  # fmt: skip
    if not args.json:
        for r in (floor, bot):
            for title, lines in (("failures", r.failures), ("driver errors", r.driver_errors),
                                 ("violations", r.violations), ("stderr", r.stderr)):  # fmt: skip
                harness.print_lines(f"{r.name} {title}", lines)
        verdict = "yes" if meets_target else "NO"
        print(f"p99 target met (bot/floor {p99_ratio:.2f}x ≤ {TARGET_P99_RATIO:g}x): {verdict}")
        print(f"every interaction answered exactly once, no violations: {'yes' if clean else 'NO'}")
        print(f"elapsed: {elapsed:.1f} s")
    return harness.exit_status(args, rows)


if __name__ == "__main__":
    sys.exit(main())
