"""Every benchmark in one run, and one table of their figures for the README.

``python -m bench`` (full size, many minutes), ``--quick`` (every smoke run), ``--json``,
``--check`` (also exit 1 if a target is missed), ``--only e2e --only scale``.

Each benchmark runs in a subprocess of its own, one after the other (they measure speed:
never two at once), with ``--json`` (and ``--quick``); its stderr is shown as it comes,
prefixed with its name. The rows of each JSON (``"table"``, ``bench.harness.Row``) make one
table under the machine, the date and the load average, so the README can quote it as is.
The ratio is the one each benchmark states its target in: "Nx faster" against a naive
baseline (baseline time / ours, or our rate / the baseline's), a plain "Nx" for a cost next
to a floor (ours / floor).

A benchmark that fails (non-zero exit, no JSON, a timeout, unreadable output) is a row with
the error, and this runner exits 1. On Ctrl-C, SIGTERM or a timeout the running one gets
SIGINT (so it stops its own subprocesses and removes its files), SIGTERM after 20 s, SIGKILL
5 s later. Every benchmark's TMPDIR is a directory of this runner, removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import harness
from bench.harness import Row

BENCHMARKS = ("lookup", "quiz", "e2e", "leaderboard", "scale", "pictures", "daily")
TIMEOUT_QUICK = 600.0
TIMEOUT_FULL = 3600.0
INTERRUPT_GRACE = 20.0
TERMINATE_GRACE = 5.0
STDERR_TAIL = 25


# -- running one benchmark ---------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    wall_s: float = 0.0
    exit_status: int | None = None
    error: str | None = None
    rows: list[Row] = field(default_factory=list)
    stderr_tail: list[str] = field(default_factory=list)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGINT (the benchmark cleans up), then SIGTERM, then SIGKILL."""
    graces = {signal.SIGINT: INTERRUPT_GRACE, signal.SIGTERM: TERMINATE_GRACE,
              signal.SIGKILL: TERMINATE_GRACE}  # fmt: skip
    for sig, grace in graces.items():
        if process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), grace)


def _default_sigint() -> None:
    """In the child before exec: SIGINT stops it even if this runner was started with SIGINT
    ignored (a background job of a script), so that it can clean up when told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def run_benchmark(
    name: str, quick: bool, timeout: float, tmpdir: Path, echo: Callable[[str], None]
) -> Outcome:
    argv = [sys.executable, "-m", f"bench.{name}", "--json"] + (["--quick"] if quick else [])
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1")
    outcome = Outcome(name)
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=harness.ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True, preexec_fn=_default_sigint,
    )  # fmt: skip

    async def read_stderr() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode("utf-8", errors="replace").rstrip()
            tail.append(line)
            echo(f"  [{name}] {line}")

    async def read_stdout() -> bytes:
        assert process.stdout is not None
        return await process.stdout.read()

    readers = asyncio.gather(read_stderr(), read_stdout())
    stdout = b""
    try:
        _, stdout = await asyncio.wait_for(asyncio.shield(readers), timeout)
        outcome.exit_status = await process.wait()
    except TimeoutError:
        outcome.error = f"timed out after {timeout:g} s"
    finally:
        if outcome.exit_status is None or outcome.error is not None:
            await _stop(process)
            outcome.exit_status = process.returncode
            readers.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await readers
    outcome.wall_s = time.perf_counter() - started
    outcome.stderr_tail = list(tail)
    if outcome.error is None and outcome.exit_status != 0:
        outcome.error = f"exit status {outcome.exit_status}"
    if outcome.error is None:
        try:
            document = json.loads(stdout.decode("utf-8", errors="replace"))
        except ValueError as error:
            outcome.error = f"no JSON on stdout ({error})"
        else:
            try:
                outcome.rows = [Row.from_dict(item) for item in document["table"]]
            except Exception as error:  # a format this runner does not know
                outcome.error = f"unreadable output: {type(error).__name__}: {error}"
            if outcome.error is None and not outcome.rows:
                outcome.error = "no figures in its JSON"
    if outcome.error is not None:
        last = next((line for line in reversed(outcome.stderr_tail) if line.strip()), "")
        timed_out = outcome.error.startswith("timed out")
        detail = f"{outcome.error}: {last}" if last and not timed_out else outcome.error
        outcome.rows = [Row(name, "(failed)", error=detail[:300])]
    return outcome


# -- main ------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = harness.parser(
        "bench",
        "Run every benchmark and print one table of their figures.",
        quick="each benchmark's smoke run",
        check="exit 1 if a target is missed (or a run failed)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--timeout", type=float, help=f"seconds per benchmark (default "
                        f"{TIMEOUT_FULL:g}; {TIMEOUT_QUICK:g} with --quick)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.timeout is not None and args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


async def run_all(
    names: Sequence[str], quick: bool, timeout: float, echo: Callable[[str], None]
) -> list[Outcome]:
    # SIGTERM (a CI timeout) is handled like Ctrl-C: the running benchmark is stopped.
    harness.cancel_on_sigterm()
    outcomes: list[Outcome] = []
    tmpdir = Path(tempfile.mkdtemp(prefix="defector-bench-"))
    try:
        for name in names:
            echo(f"bench.{name}{' --quick' if quick else ''} ...")
            outcome = await run_benchmark(name, quick, timeout, tmpdir, echo)
            status = "ok" if outcome.error is None else f"FAILED ({outcome.error})"
            echo(f"bench.{name}: {status} in {outcome.wall_s:.1f} s")
            outcomes.append(outcome)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = [name for name in BENCHMARKS if not args.only or name in args.only]
    timeout = args.timeout or (TIMEOUT_QUICK if args.quick else TIMEOUT_FULL)
    when = datetime.datetime.now(datetime.UTC)
    host = harness.machine()
    load_before = harness.load_average()

    started = time.perf_counter()
    try:
        outcomes = asyncio.run(run_all(names, args.quick, timeout, harness.log))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench: interrupted; the running benchmark was stopped", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - started
    rows = [row for outcome in outcomes for row in outcome.rows]
    failed = [o for o in outcomes if o.error is not None]
    missed = [row for row in rows if row.met is False]
    load = f"{load_before} → {harness.load_average()}"
    if args.json:
        document = {
            "date": when.isoformat(timespec="seconds"),
            "quick": args.quick,
            "machine": host,
            "discord_py": harness.discord_version(),
            "loadavg": load,
            "benchmarks": [
                {
                    "name": o.name,
                    "wall_s": round(o.wall_s, 1),
                    "exit_status": o.exit_status,
                    "error": o.error,
                    "stderr_tail": o.stderr_tail if o.error else [],
                }
                for o in outcomes
            ],
            "rows": [row.to_dict() for row in rows],
            "all_ran": not failed,
            "all_targets_met": not missed and not failed,
            "elapsed_s": round(elapsed, 1),
        }
        harness.print_json(document)
    else:
        memory = f"{host['memory_gib']:g} GiB RAM" if host["memory_gib"] else "RAM unknown"
        cores = f"{host['cores']} cores"
        if host["usable_cores"] != host["cores"]:
            cores += f" ({host['usable_cores']} usable)"
        print(
            f"Defector Bot benchmarks, {when:%Y-%m-%d %H:%M} UTC{' (quick)' if args.quick else ''}"
        )
        print(f"machine: {host['cpu']}, {cores}, {memory}; {host['os']}")
        print(
            f"Python {host['python']}, discord.py {harness.discord_version()}; "
            f"load average (1, 5, 15 min) {load}"
        )
        print()
        print(harness.render_rows(rows))
        print()
        print(
            'ratio: "Nx faster" = baseline time / ours (or our rate / the baseline\'s); '
            '"Nx" = ours / the floor (a cost).'
        )
        print(
            "wall time: "
            + ", ".join(f"{o.name} {o.wall_s:.1f} s" for o in outcomes)
            + f"; total {elapsed:.1f} s"
        )
        for outcome in failed:
            print(f"bench.{outcome.name} failed: {outcome.error}; the end of its stderr:")
            for line in outcome.stderr_tail[-12:]:
                print(f"  {line}")
        verdict = "yes" if not missed else f"NO ({len(missed)} missed)"
        print(f"every benchmark ran: {'yes' if not failed else 'NO'}; every target met: {verdict}")
    if failed:
        return 1
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
