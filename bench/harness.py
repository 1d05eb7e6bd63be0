"""What every benchmark shares: its arguments, its tables, the machine it ran on, and the
subprocesses it starts (a subject bot against a local Discord), stopped whatever happens.

Benchmarks run as modules from the project root (``python -m bench.<name>``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import platform
import re
import signal
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.sandbox import LocalDiscord, SandboxError
from bot.sandbox.rest import Req, Response, RestApi

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
STOP_GRACE = 5.0
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""discord.py colours its log lines when it thinks it runs in Docker, even into a file."""


class StepFailed(Exception):
    """A step of a benchmark could not be completed (a subject died, a wait timed out)."""


# -- arguments and output --------------------------------------------------------------------------


def parser(
    prog: str, description: str, quick: str, check: str | None = None
) -> argparse.ArgumentParser:
    """A parser with the arguments every benchmark takes: ``--quick``, ``--json`` and, where
    it has targets, ``--check`` (``quick`` and ``check`` say what they do in this one)."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description=description)
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    if check is not None:
        parser.add_argument("--check", action="store_true", help=check)
    return parser


def log(message: str) -> None:
    """Progress goes to stderr (stdout carries the table or the JSON)."""
    print(message, file=sys.stderr, flush=True)


def print_json(document: object) -> None:
    print(json.dumps(document, indent=2, ensure_ascii=False))


def table(header: Sequence[str], body: Sequence[Sequence[str]], left: set[int]) -> str:
    """Columns as wide as their widest cell, left-aligned where ``left`` says, else right."""
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]

    def render(line: Sequence[str]) -> str:
        cells = [
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(line)
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in body)])


def print_lines(title: str, lines: Sequence[str], limit: int = 12) -> None:
    """``title (n):`` and the first ``limit`` lines, indented; nothing when there are none."""
    if lines:
        print(f"{title} ({len(lines)}):")
        for line in lines[:limit]:
            print(f"  {line}")
        if len(lines) > limit:
            print(f"  ... ({len(lines) - limit} more lines)")


# -- rows: one figure of a benchmark beside its baseline -----------------------------------------


@dataclass
class Row:
    """One figure: ours beside the baseline (or floor), their ratio, and the target. Every
    benchmark puts its rows under ``"table"`` in its JSON; ``python -m bench`` shows them."""

    benchmark: str
    figure: str
    ours: float | str | None = None
    baseline: float | str | None = None
    unit: str = ""
    ratio: float | None = None
    speedup: bool = False
    """True: the ratio says how many times faster ours is (higher is better)."""
    target: str = ""
    met: bool | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        def number(value: float | str | None) -> float | str | None:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        return {
            "benchmark": self.benchmark,
            "figure": self.figure,
            "ours": number(self.ours),
            "baseline": number(self.baseline),
            "unit": self.unit or None,
            "ratio": number(self.ratio),
            "ratio_is_speedup": self.speedup,
            "target": self.target or None,
            "met": self.met,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> Row:
        def value(key: str) -> float | str | None:
            found = item.get(key)
            if isinstance(found, bool) or not isinstance(found, int | float | str):
                return None
            return float(found) if isinstance(found, int) else found

        ratio = value("ratio")
        met = item.get("met")
        return cls(
            str(item["benchmark"]),
            str(item["figure"]),
            value("ours"),
            value("baseline"),
            str(item.get("unit") or ""),
            ratio if isinstance(ratio, float) else None,
            speedup=item.get("ratio_is_speedup") is True,
            target=str(item.get("target") or ""),
            met=met if isinstance(met, bool) else None,
            error=None if item.get("error") is None else str(item["error"]),
        )


def at_least(value: float | None, bound: float | None) -> bool | None:
    return None if value is None or bound is None else value >= bound


def _value(value: float | str | None, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if not math.isfinite(value):
        return "—"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "":
        return f"{value:,.0f}" if value == int(value) else f"{value:.3g}"
    digits = 3 if abs(value) < 1 else 2 if abs(value) < 10 else 1
    return f"{value:,.{digits}f} {unit}"


def _ratio(row: Row) -> str:
    if row.ratio is None or not math.isfinite(row.ratio) or row.ratio <= 0:
        return "—"
    if not row.speedup:
        return f"{row.ratio:.2f}x"
    if row.ratio >= 1:
        return f"{row.ratio:,.1f}x faster"
    return f"{1 / row.ratio:,.1f}x slower"


def render_rows(rows: Sequence[Row], ours: str = "ours", baseline: str = "baseline") -> str:
    """The table of ``rows``: benchmark, figure, ours, baseline, ratio, target, met?"""
    header = ("benchmark", "figure", ours, baseline, "ratio", "target", "met?")
    body = []
    for row in rows:
        if row.error is not None:
            body.append((row.benchmark, f"FAILED: {row.error}", "", "", "", "", "NO"))
            continue
        met = "—" if row.met is None else ("yes" if row.met else "NO")
        ours_text, baseline_text = _value(row.ours, row.unit), _value(row.baseline, row.unit)
        target = row.target or "—"
        body.append((row.benchmark, row.figure, ours_text, baseline_text, _ratio(row), target, met))
    return table(header, body, left={0, 1, 5, 6})


def print_figures(
    rows: Sequence[Row],
    as_json: bool,
    document: dict[str, Any],
    *header: str,
    after: Sequence[str] = (),
    labels: tuple[str, str] = ("ours", "baseline"),
) -> None:
    """A benchmark's figures: ``document`` with the rows under ``"table"`` as JSON, or the
    ``header`` lines, the table of the rows (its columns ``labels``) and the ``after`` lines."""
    if as_json:
        print_json({**document, "table": [row.to_dict() for row in rows]})
        return
    print("\n".join([*header, "", render_rows(rows, *labels), "", *after]))


def exit_status(args: argparse.Namespace, rows: Sequence[Row]) -> int:
    """1 under ``--check`` if a row missed its target (or failed), else 0."""
    missed = any(row.met is False or row.error is not None for row in rows)
    return 1 if getattr(args, "check", False) and missed else 0


# -- statistics ------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def ratio(ours: float, base: float) -> float:
    return ours / base if base > 0 and not math.isnan(ours) else math.nan


def rounded(value: float, digits: int) -> float | None:
    """``value`` for JSON: NaN (no samples) is not valid JSON, so it becomes null."""
    return None if math.isnan(value) else round(value, digits)


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
        return cls(len(ordered), statistics.median(ordered), percentile(ordered, 0.99), ordered[-1])

    def to_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "median_ms": rounded(self.median_ms, 3),
            "p99_ms": rounded(self.p99_ms, 3),
            "max_ms": rounded(self.max_ms, 3),
        }


# -- the machine -----------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "cpu model", "Hardware") and value.strip():
                model = value.strip()
                break
    memory_gib: float | None = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 1024 / 1024
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 0
    return {
        "cpu": model or platform.processor() or platform.machine() or "unknown",
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gib": round(memory_gib, 1) if memory_gib else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine skews the figures)."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def discord_version() -> str:
    try:
        import discord
    except ImportError:
        return "?"
    return str(discord.__version__)


def run_info(args: argparse.Namespace, plan: object) -> dict[str, object]:
    """What a run was: quick or not, its seed and plan (a dataclass), Python, discord.py, CPUs."""
    return {
        "quick": args.quick,
        "seed": args.seed,
        "plan": dataclasses.asdict(plan),  # type: ignore[call-overload]
        "python": platform.python_version(),
        "discord_py": discord_version(),
        "cpus": os.cpu_count(),
    }


def cancel_on_sigterm() -> None:
    """SIGTERM (a CI timeout) cancels the running task like Ctrl-C, so that what it started
    is stopped."""
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


# -- processes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcStats:
    rss_mib: float
    peak_rss_mib: float
    cpu_s: float


TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        raise StepFailed(f"process {pid} has exited") from None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_stats(pid: int) -> ProcStats:
    status: dict[str, str] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        raise StepFailed(f"process {pid} has exited") from None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()

    def mib(key: str) -> float:
        return int(status.get(key, "0 kB").split()[0]) / 1024

    return ProcStats(rss_mib=mib("VmRSS"), peak_rss_mib=mib("VmHWM"), cpu_s=proc_cpu(pid))


_live_pids: set[int] = set()
"""Subprocesses not reaped yet: killed on the way out whatever happened."""


def subject_env(server: LocalDiscord, **extra: str) -> dict[str, str]:
    """The environment of a subject bot against ``server``: this one's without the bot's
    settings (never inherited, only set here) and without PYTHONPATH, plus ``extra``."""
    settings = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings}
    env.pop("PYTHONPATH", None)
    env.update(
        DISCORD_TOKEN=server.token,
        DISCORD_API_BASE=server.api_base,
        DISCORD_GATEWAY_URL=server.gateway_url,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def bot_env(server: LocalDiscord, workdir: Path, **extra: str) -> dict[str, str]:
    """The real bot's environment: a fresh SQLite database and data directory in ``workdir``."""
    database = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    return subject_env(
        server, **{"DATABASE_URL": database, "DATA_DIR": str(workdir / "var"), **extra}
    )


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


def kill_leftovers() -> None:
    for pid in list(_live_pids):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        _live_pids.discard(pid)


def read_stderr(path: Path) -> list[str]:
    with contextlib.suppress(OSError):
        text = path.read_text(encoding="utf-8", errors="replace")
        return ANSI_ESCAPE.sub("", text).splitlines()
    return []


def run_main(name: str, run: Callable[[], int]) -> int:
    """``run()``'s exit status; 1 on a failed step, 130 on Ctrl-C or SIGTERM. Subprocesses
    still running are killed whatever happened."""
    try:
        return run()
    except (StepFailed, SandboxError) as error:
        print(f"bench.{name}: {error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(f"bench.{name}: interrupted; subjects stopped", file=sys.stderr)
        return 130
    finally:
        kill_leftovers()


# -- a subject bot against a local Discord ---------------------------------------------------------


@dataclass
class Spawned:
    """A subject's process, from its start to its exit."""

    name: str
    process: asyncio.subprocess.Process
    stderr_path: Path
    ready_s: float = 0.0
    """Process start → READY and every GUILD_CREATE sent (before the commands check)."""
    startup_s: float = 0.0
    """Process start → its command published."""
    exit_status: int | None = None
    stderr: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid


async def wait_started(
    server: LocalDiscord, process: asyncio.subprocess.Process, command: str, timeout: float
) -> float:
    """Until the subject is connected and ``command`` is published in a guild (or it died);
    the ``time.perf_counter()`` of READY."""
    ready_at: list[float] = []

    async def ready() -> None:
        await server.wait_until_ready(timeout=timeout)
        ready_at.append(time.perf_counter())
        await server.wait_for(
            lambda: any(command in server.available_commands(g) for g in server.guilds),
            timeout=timeout,
        )

    readiness = asyncio.ensure_future(ready())
    exited = asyncio.ensure_future(process.wait())
    try:
        await asyncio.wait({readiness, exited}, return_when=asyncio.FIRST_COMPLETED)
        if not readiness.done():
            raise StepFailed(f"the subject exited with status {process.returncode} at start")
        readiness.result()
    finally:
        for future in (readiness, exited):
            future.cancel()
        await asyncio.gather(readiness, exited, return_exceptions=True)
    return ready_at[0]


@contextlib.asynccontextmanager
async def spawned(
    name: str,
    server: LocalDiscord,
    command: Callable[[Path], tuple[list[str], dict[str, str]]],
    workdir: Path,
    published: str,
    timeout: float,
) -> AsyncIterator[Spawned]:
    """Start ``server``, then the subject (``command(its directory)`` gives its argv and
    environment) in a session of its own; until ``published`` is published. Both are
    stopped on the way out whatever happens; the subject's stderr is kept."""
    await server.start()
    try:
        subject_dir = workdir / name
        subject_dir.mkdir()
        argv, env = command(subject_dir)
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
        subject = Spawned(name, process, stderr_path)
        try:
            try:
                ready_at = await wait_started(server, process, published, timeout)
            except (StepFailed, SandboxError) as error:
                await stop_process(process)
                tail = "".join(f"\n  {line}" for line in read_stderr(stderr_path)[-20:])
                raise StepFailed(f"{name} did not start: {error}{tail}") from None
            subject.ready_s = ready_at - started
            subject.startup_s = time.perf_counter() - started
            yield subject
        finally:
            subject.exit_status = await stop_process(process)
            subject.stderr = read_stderr(stderr_path)
    finally:
        await server.close()


class TimedRestApi(RestApi):
    """The local Discord's REST API, noting when the first callback of each interaction
    arrives (on the clock of ``Interaction.dispatched_at``)."""

    def __init__(self, server: LocalDiscord) -> None:
        super().__init__(server)
        self.first_callback_at: dict[int, float] = {}
        self._changed = asyncio.Event()

    @classmethod
    def install(cls, server: LocalDiscord) -> TimedRestApi:
        """``server``'s REST API replaced by one of these (before ``start()``: the app routes
        to ``server.rest.handle``)."""
        rest = cls(server)
        server.rest = rest
        return rest

    async def post_callback(self, req: Req) -> Response:
        received = self.server.now()
        with contextlib.suppress(KeyError, ValueError):
            interaction_id = int(req.params["interaction_id"])
            if interaction_id not in self.first_callback_at:
                self.first_callback_at[interaction_id] = received
                self._changed.set()
        return await super().post_callback(req)

    async def wait_answered(self, ids: Sequence[int], timeout: float) -> list[int]:
        """Wait until every interaction of ``ids`` got a callback; the ones that did not."""
        await wait_until(self._changed, lambda: all(i in self.first_callback_at for i in ids),
                         timeout)  # fmt: skip
        return [i for i in ids if i not in self.first_callback_at]


async def wait_until(
    changed: asyncio.Event,
    done: Callable[[], bool],
    timeout: float,
    poll: float | None = None,
    alive: Callable[[], None] = lambda: None,
) -> bool:
    """Until ``done()``, checked again whenever ``changed`` is set (and every ``poll`` s, with
    ``alive()`` raising if what is awaited can no longer happen); False on timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        changed.clear()
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        alive()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), min(remaining, poll or remaining))
    return True
