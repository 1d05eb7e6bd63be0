"""Every benchmark in one run, and one table of their figures for the README.

Run from the project root::

    python -m bench              # every benchmark, full size (many minutes)
    python -m bench --quick      # every benchmark's smoke run (a few minutes)
    python -m bench --json       # the same figures as JSON on stdout
    python -m bench --check      # also exit 1 if a target is missed
    python -m bench --only e2e --only scale

Each benchmark (``bench.lookup``, ``bench.quiz``, ``bench.e2e``, ``bench.leaderboard``,
``bench.scale``, ``bench.pictures``, ``bench.daily``) runs in a subprocess of its own, one
after the other (they measure speed: never two at once), with ``--json`` (and ``--quick`` when
given); what it writes on stderr is shown as it comes, prefixed with its name. Its JSON is
turned into rows of one table: benchmark, figure, ours, baseline, ratio, target, met? -- under
the machine (CPU model, cores, memory), the date and the load average, so the README can quote
it as is.

The ratio is the one each benchmark states its target in: "Nx faster" where ours is compared
with a naive baseline (lookup, quiz, leaderboard: baseline time / our time, or our rate /
baseline rate), a plain "Nx" where ours is a cost next to a floor (e2e, scale: ours / floor).

A benchmark that fails (non-zero exit, no JSON, a timeout, output this runner cannot read) is
a row with the error, and this runner then exits 1; with ``--check`` it also exits 1 when a
target is missed. Missing keys in a benchmark's JSON leave a cell empty rather than failing.

Subprocesses run in their own session; on Ctrl-C, SIGTERM or a timeout the running one gets
SIGINT (so it stops its own subprocesses and removes its temporary files), then SIGTERM after
20 s, then SIGKILL after 5 s more. Every benchmark's TMPDIR is a directory of this runner,
removed at the end whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import harness

BENCHMARKS = ("lookup", "quiz", "e2e", "leaderboard", "scale", "pictures", "daily")
TIMEOUT_QUICK = 600.0
TIMEOUT_FULL = 3600.0
INTERRUPT_GRACE = 20.0
TERMINATE_GRACE = 5.0
STDERR_TAIL = 25


# -- rows ------------------------------------------------------------------------------------------


@dataclass
class Row:
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


def _num(value: Any) -> float | None:
    """A finite float from a JSON value, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _div(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def _get(document: Any, *path: str | int) -> Any:
    """``document[path[0]][path[1]]...``, or None where a key or index is missing."""
    for key in path:
        if (
            isinstance(key, int)
            and isinstance(document, list)
            and -len(document) <= key < len(document)
        ):
            document = document[key]
        elif isinstance(key, str) and isinstance(document, dict):
            document = document.get(key)
        else:
            return None
    return document


def _at_least(value: float | None, bound: float | None) -> bool | None:
    return None if value is None or bound is None else value >= bound


def lookup_rows(doc: Any, quick: bool) -> list[Row]:
    rows = []
    default_target = _num(_get(doc, "target_ratio"))
    for item in _get(doc, "rows") or []:
        size, operation = _get(item, "size"), _get(item, "operation") or "?"
        where = f"{operation}, {size:,} records" if isinstance(size, int) else str(operation)
        if isinstance(item, dict) and "target_ratio" in item:
            target = _num(item["target_ratio"])  # None: reported, no target
        else:
            target = default_target
        for stat in ("median", "p99"):
            ratio = _num(_get(item, f"{stat}_ratio"))
            rows.append(
                Row(
                    "lookup",
                    f"{where}: {stat}",
                    _num(_get(item, "ours", f"{stat}_us")),
                    _num(_get(item, "baseline", f"{stat}_us")),
                    "µs",
                    ratio,
                    speedup=True,
                    target=f"≥ {target:g}x faster" if target else "",
                    met=_at_least(ratio, target),
                )
            )
        p99_limit = _num(_get(item, "p99_limit_us"))
        if p99_limit is not None:
            cpu_p99 = _num(_get(item, "ours_cpu", "p99_us"))
            ours_p99 = cpu_p99 if cpu_p99 is not None else _num(_get(item, "ours", "p99_us"))
            rows.append(
                Row(
                    "lookup",
                    f"{where}: p99 CPU time" if cpu_p99 is not None else f"{where}: p99",
                    ours_p99,
                    None,
                    "µs",
                    target=f"≤ {p99_limit:,.0f} µs",
                    met=None if ours_p99 is None else ours_p99 <= p99_limit,
                )
            )
    return rows


def quiz_rows(doc: Any, quick: bool) -> list[Row]:
    rows = []
    for item in doc if isinstance(doc, list) else []:
        ours, base = _num(_get(item, "ours")), _num(_get(item, "baseline"))
        name = str(_get(item, "benchmark") or "?")
        unit = "/s" if "/s" in name else ""
        figure = name.replace(" (questions/s)", "").replace(" (answers/s)", "")
        rows.append(Row("quiz", figure, ours, base, unit, _num(_get(item, "ratio")), speedup=True))
    return rows


def e2e_rows(doc: Any, quick: bool) -> list[Row]:
    subjects = {str(_get(s, "subject")): s for s in _get(doc, "subjects") or []}
    bot, floor = subjects.get("bot"), subjects.get("floor")
    target = _num(_get(doc, "target_p99_ratio"))
    in_flight = _get(doc, "plan", "concurrency")
    load = f", {in_flight} in flight" if in_flight else ""
    rows = [
        Row(
            "e2e",
            f"ack p99, lookup + autocomplete{load}",
            _num(_get(bot, "p99_ms")),
            _num(_get(floor, "p99_ms")),
            "ms",
            _num(_get(doc, "p99_ratio")),
            target=f"≤ {target:g}x floor" if target else "",
            met=_get(doc, "meets_target") if isinstance(_get(doc, "meets_target"), bool) else None,
        ),
        Row(
            "e2e",
            "ack median",
            _num(_get(bot, "median_ms")),
            _num(_get(floor, "median_ms")),
            "ms",
            _num(_get(doc, "median_ratio")),
        ),
    ]
    for figure, key, unit in (
        ("throughput", "throughput_per_s", "/s"),
        ("CPU per interaction", "cpu_ms_per_request", "ms"),
        ("RSS after the load", "rss_mib", "MiB"),
        ("start-up", "startup_s", "s"),
    ):
        ours, base = _num(_get(bot, key)), _num(_get(floor, key))
        rows.append(Row("e2e", figure, ours, base, unit, _div(ours, base)))
    answered = _get(doc, "all_answered")
    if isinstance(answered, bool):
        rows.append(
            Row(
                "e2e",
                "every interaction answered once, no violation",
                "yes" if answered else "no",
                target="yes",
                met=answered,
            )
        )
    return rows


def leaderboard_rows(doc: Any, quick: bool) -> list[Row]:
    rows = []
    target_ratio = _num(_get(doc, "target_ratio"))
    target_p99 = _num(_get(doc, "target_p99_ms"))
    answers = _get(doc, "answers")
    for item in _get(doc, "rows") or []:
        name = f"{_get(item, 'query') or '?'} ({_get(item, 'engine') or '?'})"
        applies = _get(item, "ratio_applies")
        if not isinstance(applies, bool):
            applies = not quick  # the benchmark does not apply its ratio target to --quick
        ratio = _num(_get(item, "ratio_median"))
        if target_ratio and applies:
            median_target, median_met = (
                f"≥ {target_ratio:g}x faster",
                _at_least(ratio, target_ratio),
            )
        else:
            median_target, median_met = "(not at this size)" if target_ratio else "", None
        rows.append(
            Row(
                "leaderboard",
                f"{name}: median",
                _num(_get(item, "ours_median_ms")),
                _num(_get(item, "naive_median_ms")),
                "ms",
                ratio,
                speedup=True,
                target=median_target,
                met=median_met,
            )
        )
        ours_p99 = _num(_get(item, "ours_p99_ms"))
        rows.append(
            Row(
                "leaderboard",
                f"{name}: p99",
                ours_p99,
                _num(_get(item, "naive_p99_ms")),
                "ms",
                _num(_get(item, "ratio_p99")),
                speedup=True,
                target=f"< {target_p99:g} ms" if target_p99 else "",
                met=None if ours_p99 is None or target_p99 is None else ours_p99 < target_p99,
            )
        )
        meets = _get(item, "meets_target")
        if meets is False and not any(r.met is False for r in rows[-2:]):
            rows[-1].met = False  # the benchmark says missed; trust it over this reading
    if isinstance(answers, int) and rows:
        rows[0].figure += f" [{answers:,} answers]"
    return rows


def scale_rows(doc: Any, quick: bool) -> list[Row]:
    rows = []
    for item in _get(doc, "rows") or []:
        ours = _get(item, "ours")
        base = _get(item, "baseline")
        rows.append(
            Row(
                "scale",
                str(_get(item, "figure") or "?"),
                _num(ours),
                _num(base),
                str(_get(item, "unit") or ""),
                _num(_get(item, "ratio")),
                target=str(_get(item, "target") or ""),
                met=_get(item, "met") if isinstance(_get(item, "met"), bool) else None,
            )
        )
    return rows


def pictures_rows(doc: Any, quick: bool) -> list[Row]:
    """Render time beside the text-only reply (ratio = picture / text: what the picture
    costs on top), and the memory the renderer adds."""
    rows = []
    cold_target = _num(_get(doc, "target_cold_p99_ms"))
    cached_target = _num(_get(doc, "target_cached_p99_ms"))
    for item in _get(doc, "rows") or []:
        name = str(_get(item, "picture") or "?")
        for phase, target in (("cold", cold_target), ("cached", cached_target)):
            for stat in ("median", "p99"):
                ours = _num(_get(item, phase, f"{stat}_ms"))
                text = _num(_get(item, "text_only", f"{stat}_ms"))
                rows.append(
                    Row(
                        "pictures",
                        f"{name}, {phase}: {stat} (baseline: text-only reply)",
                        ours,
                        text,
                        "ms",
                        _div(ours, text),
                        target=f"< {target:g} ms" if stat == "p99" and target else "",
                        met=(ours < target)
                        if stat == "p99" and target and ours is not None
                        else None,
                    )
                )
    cached = _get(doc, "images_cached")
    rows.append(
        Row(
            "pictures",
            f"RSS the renderer adds (with {cached} PNGs cached, "
            f"{_num(_get(doc, 'cache_mib')) or 0:.1f} MiB)",
            _num(_get(doc, "renderer_adds_mib")),
            _num(_get(doc, "rss_before_mib")),
            "MiB",
        )
    )
    return rows


def daily_rows(doc: Any, quick: bool) -> list[Row]:
    guilds = _get(doc, "guilds")
    seconds, rate = _num(_get(doc, "seconds")), _num(_get(doc, "rate_setting"))
    posted, errors = _get(doc, "posted"), _get(doc, "http_429")
    twice = _get(doc, "channels_posted_twice")
    size = f"{guilds:,} servers due at 09:00" if isinstance(guilds, int) else "servers"
    floor = guilds / rate if isinstance(guilds, int) and rate else None
    return [
        Row("daily", f"time to post all, {size}", seconds, floor, "s", _div(seconds, floor),
            target="paced (≤ 50/s)"),
        Row("daily", "429s received", _num(errors), target="0",
            met=errors == 0 if isinstance(errors, int) else None),
        Row("daily", "posted, each server once", _num(posted), target=f"= {guilds}",
            met=(posted == guilds and twice == 0) if isinstance(posted, int) else None),
        Row("daily", "CPU per post (bot + local Discord)", _num(_get(doc, "cpu_ms_per_post")),
            unit="ms"),
        Row("daily", "CPU in all", _num(_get(doc, "cpu_seconds")), unit="s"),
    ]  # fmt: skip


ADAPTERS: dict[str, Callable[[Any, bool], list[Row]]] = {
    "lookup": lookup_rows,
    "quiz": quiz_rows,
    "e2e": e2e_rows,
    "leaderboard": leaderboard_rows,
    "scale": scale_rows,
    "pictures": pictures_rows,
    "daily": daily_rows,
}


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
    for sig, grace in (
        (signal.SIGINT, INTERRUPT_GRACE),
        (signal.SIGTERM, TERMINATE_GRACE),
        (signal.SIGKILL, TERMINATE_GRACE),
    ):
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
        *argv,
        cwd=harness.ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_default_sigint,
    )

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
    try:
        _, stdout = await asyncio.wait_for(asyncio.shield(readers), timeout)
        outcome.exit_status = await process.wait()
    except TimeoutError:
        outcome.error = f"timed out after {timeout:g} s"
        await _stop(process)
        outcome.exit_status = process.returncode
        readers.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await readers
        stdout = b""
    except BaseException:
        await _stop(process)
        readers.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await readers
        raise
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
                outcome.rows = ADAPTERS[name](document, quick)
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


# -- the machine and the table ----------------------------------------------------------------


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


def render_table(rows: Sequence[Row]) -> str:
    header = ("benchmark", "figure", "ours", "baseline", "ratio", "target", "met?")
    body = []
    for row in rows:
        if row.error is not None:
            body.append((row.benchmark, f"FAILED: {row.error}", "", "", "", "", "NO"))
            continue
        met = "—" if row.met is None else ("yes" if row.met else "NO")
        body.append(
            (
                row.benchmark,
                row.figure,
                _value(row.ours, row.unit),
                _value(row.baseline, row.unit),
                _ratio(row),
                row.target or "—",
                met,
            )
        )
    return harness.table(header, body, left={0, 1, 5, 6})


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
    parser.add_argument(
        "--timeout",
        type=float,
        help=f"seconds per benchmark (default {TIMEOUT_FULL:g}; {TIMEOUT_QUICK:g} with --quick)",
    )
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
        print(render_table(rows))
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
