"""What the pictures cost: render time per picture, cold and cached, beside the text-only
reply, and the memory the renderer adds.

* Cold: ``PictureService.render`` of a picture not drawn before (distinct data each time:
  the stats chart under different filters, every person's timeline, profiles and standings
  with different figures), awaited as the bot awaits it (the worker-thread hop included).
* Cached: the same call for a picture already drawn (content hash + cache look-up).
* Text-only reply: building the embed the bot sends with the picture (and ``to_dict()``, what
  discord.py serialises), in the same run: what a reply costs without a picture.
* Memory: ``VmRSS`` before the renderer (Pillow, the fonts) is imported and after every
  picture was drawn, with the PNG cache holding them; the cache's own bytes are shown too.

Run from the project root: ``python -m bench.pictures`` (``--quick`` for a CI smoke run,
``--json`` for machine-readable figures).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bench import harness
from bot.catalog.importer import load_catalogue
from bot.catalog.vocab import ORIGIN_COUNTRIES, Method
from bot.pictures import build
from bot.pictures.model import Picture
from bot.quiz.game import EndReason, GameResult
from bot.quiz.model import QuestionKind
from bot.records import KindStats, PlayerStats
from bot.services.pictures import PictureService
from bot.ui import cards
from bot.ui import quiz as quiz_ui

TARGET_COLD_P99_MS = 1000.0
"""A cold render must stay far inside Discord's 3 s (the bot defers first anyway)."""
TARGET_CACHED_P99_MS = 1.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def timed_each(action: Callable[[int], object], count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        action(i)
        samples.append(time.perf_counter() - started)
    return samples


def summary(seconds: list[float]) -> dict[str, float]:
    return {
        "median_ms": percentile(seconds, 0.5) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "samples": len(seconds),
    }


async def measure(quick: bool) -> dict[str, Any]:
    records = load_catalogue()
    assert "PIL" not in sys.modules, "the text-only path must not import the renderer"
    rss_before = harness.proc_stats(os.getpid()).rss_mib

    count = 20 if quick else 120
    service = PictureService(cache_bytes=256 * 1024 * 1024, queue_limit=10_000)

    # Distinct data for every cold sample.
    filters: list[tuple[str | None, Method | None, int | None]] = [(None, None, None)]
    for origin in sorted(ORIGIN_COUNTRIES):
        filters += [(origin, None, None)] + [(origin, None, d) for d in range(1920, 2000, 10)]
    for method in Method:
        filters += [(None, method, None)] + [(None, method, d) for d in range(1920, 2000, 10)]
    charts = []
    for origin_filter, method_filter, decade in filters:
        chosen = [
            r for r in records
            if (origin_filter is None or r.origin_country == origin_filter)
            and (method_filter is None or r.method is method_filter)
            and (decade is None or decade <= r.year <= decade + 9)
        ]  # fmt: skip
        if chosen:
            described = build.describe_filters(
                origin_filter, method_filter.label if method_filter else None, decade
            )
            charts.append((chosen, build.stats_chart(chosen, build.stats_subtitle(
                len(chosen), described))))  # fmt: skip
    charts = charts[:count]
    people = list(records)[:count]
    profiles = [
        dataclasses.replace(build.demo_profile(), wins=i, points=1000 + 37 * i)
        for i in range(count)
    ]
    standings = [
        dataclasses.replace(
            build.demo_standings(),
            players=tuple((n, p + i) for n, p in build.demo_standings().players),
        )
        for i in range(count)
    ]

    # The text-only replies the pictures go with.
    stats = PlayerStats(
        user_id=1, guild_id=2, games_played=14, wins=5, answers=88, correct=61, points=1236,
        average_response_ms=4200.0, best_streak=9, current_streak=3,
        kinds=tuple(KindStats(k, 12, 9, 90) for k in QuestionKind),
        favourite_kind=QuestionKind.YEAR, hardest_kind=QuestionKind.WHO,
    )  # fmt: skip
    result = GameResult(
        reason=EndReason.COMPLETED, scores={i: 90 - i for i in range(7)},
        standings=tuple((i, 90 - i) for i in range(7)), winner=0, ended_at=0.0,
        questions_asked=10,
    )  # fmt: skip

    def counts(chosen: list[Any]) -> dict[str, list[tuple[str, int]]]:
        from collections import Counter

        return {
            "origin": Counter(r.origin_country or "Unknown" for r in chosen).most_common(),
            "decade": sorted(Counter(f"{r.decade}s" for r in chosen).items()),
            "method": Counter(r.method.label for r in chosen).most_common(),
        }

    def card_text(i: int) -> object:
        record = people[i % len(people)]
        others = [r.name for r in records if r.year == record.year and r is not record]
        return cards.card(record, same_year=others).to_dict()

    text_makers: dict[str, Callable[[int], object]] = {
        "stats chart": lambda i: cards.stats(counts(charts[i % len(charts)][0]), 1).to_dict(),
        "person timeline": card_text,
        "profile card": lambda i: quiz_ui.stats_embed(stats, scope="this server").to_dict(),
        "final standings": lambda i: quiz_ui.standings_embed(None, result).to_dict(),  # type: ignore[arg-type]
    }
    pictures: dict[str, Sequence[Picture]] = {
        "stats chart": [c for _, c in charts],
        "person timeline": [build.timeline(r, records) for r in people],
        "profile card": profiles,
        "final standings": standings,
    }

    rows = []
    for name, items in pictures.items():
        cold, cached = [], []
        sizes = []
        for picture in items:
            started = time.perf_counter()
            png = await service.render(picture)
            cold.append(time.perf_counter() - started)
            assert png is not None
            sizes.append(len(png))
        for picture in items:
            started = time.perf_counter()
            assert await service.render(picture) is not None
            cached.append(time.perf_counter() - started)
        make_text = text_makers[name]
        text = timed_each(make_text, len(items))
        rows.append(
            {
                "picture": name,
                "size": list(items[0].size),
                "png_kib_median": percentile([s / 1024 for s in sizes], 0.5),
                "cold": summary(cold),
                "cached": summary(cached),
                "text_only": summary(text),
            }
        )
    rss_after = harness.proc_stats(os.getpid()).rss_mib
    cache_mib = sum(len(p) for p in service._cache.values()) / (1024 * 1024)
    service.close()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "rows": rows,
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_after,
        "renderer_adds_mib": rss_after - rss_before,
        "cache_mib": cache_mib,
        "images_cached": len(service._cache),
        "target_cold_p99_ms": TARGET_COLD_P99_MS,
        "target_cached_p99_ms": TARGET_CACHED_P99_MS,
    }


def table_rows(figures: dict[str, Any]) -> list[harness.Row]:
    """Render time beside the text-only reply (ratio = picture / text: what the picture
    costs on top), and the memory the renderer adds."""
    rows = []
    for item in figures["rows"]:
        for phase, target in (("cold", TARGET_COLD_P99_MS), ("cached", TARGET_CACHED_P99_MS)):
            for stat in ("median", "p99"):
                ours, text = item[phase][f"{stat}_ms"], item["text_only"][f"{stat}_ms"]
                figure = f"{item['picture']}, {phase}: {stat} (baseline: text-only reply)"
                limit = stat == "p99"
                met = ours < target if limit else None
                rows.append(harness.Row(
                    "pictures", figure, ours, text, "ms", harness.ratio(ours, text),
                    target=f"< {target:g} ms" if limit else "", met=met,
                ))  # fmt: skip
    rows.append(harness.Row(
        "pictures", f"RSS the renderer adds (with {figures['images_cached']} PNGs cached, "
        f"{figures['cache_mib']:.1f} MiB)", figures["renderer_adds_mib"],
        figures["rss_before_mib"], "MiB",
    ))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser(
        "bench.pictures", __doc__.splitlines()[0], "20 images a picture, not 120"
    )
    args = parser.parse_args(argv)
    figures = asyncio.run(measure(args.quick))
    harness.print_figures(table_rows(figures), args.json, figures, __doc__.splitlines()[0])
    if not args.json:
        print(
            f"RSS {figures['rss_before_mib']:.1f} → {figures['rss_after_mib']:.1f} MiB; PNG size "
            + ", ".join(f"{r['picture']} {r['png_kib_median']:.0f} KiB" for r in figures["rows"])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
