"""Every picture: a valid PNG of its size, the same bytes for the same data, other bytes for
other data; and the picture service's cache, queue and fallback."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import threading
from collections.abc import Callable

import pytest
from PIL import Image

from bot.catalog.models import Defector
from bot.pictures import Picture, Profile, Standings, StatsChart, Timeline, build, render
from bot.pictures.style import printable
from bot.services.pictures import PictureService


def person(records: tuple[Defector, ...], name: str) -> Defector:
    return next(r for r in records if r.name == name)


def every_picture(records: tuple[Defector, ...]) -> list[Picture]:
    return [
        build.stats_chart(records, f"All {len(records)} people"),
        build.timeline(person(records, "Rudolf Nureyev"), records),
        build.demo_profile(),
        build.demo_standings(),
    ]


def changed(picture: Picture) -> Picture:
    """The same picture with one fact different."""
    match picture:
        case StatsChart():
            return dataclasses.replace(picture, methods=picture.methods[:-1])
        case Timeline():
            return dataclasses.replace(picture, year=picture.year + 1)
        case Profile():
            return dataclasses.replace(picture, wins=picture.wins + 1)
        case Standings():
            first, *rest = picture.players
            return dataclasses.replace(picture, players=((first[0], first[1] + 1), *rest))
    raise AssertionError(picture)


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_each_picture_is_a_png_of_its_size_and_the_same_for_the_same_data(
    records: tuple[Defector, ...],
) -> None:
    for picture in every_picture(records):
        png = render(picture)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        image = decode(png)
        assert image.format == "PNG" and image.size == picture.size, type(picture)
        assert render(dataclasses.replace(picture)) == png  # equal data, equal bytes
        assert render(changed(picture)) != png, type(picture)


def test_the_stats_chart_follows_its_filter(records: tuple[Defector, ...]) -> None:
    hungary = [r for r in records if r.origin_country == "Hungary"]
    everyone = build.stats_chart(records, "All")
    only = build.stats_chart(hungary, "Hungary")
    assert only.origins == (("Hungary", len(hungary)),)
    assert sum(n for _, n in everyone.methods) == len(records)
    assert everyone.methods[-1][0] == "Not stated in the source"  # drawn last, in grey
    assert render(only) != render(dataclasses.replace(only, subtitle="All"))


def test_edge_cases_still_draw(records: tuple[Defector, ...]) -> None:
    nobody = Standings(players=(), questions=3, ending="Stopped.")
    alone = Standings(players=(("🌸🌸", 5),), questions=1, ending="All rounds played.")
    unranked = dataclasses.replace(build.demo_profile(), rank=None, players=None, kinds=())
    empty_chart = build.stats_chart([], "Nobody")
    long_name = dataclasses.replace(build.demo_profile(), name="W" * 200)
    for picture in (nobody, alone, unranked, empty_chart, long_name):
        assert decode(render(picture)).size == picture.size


def test_names_lose_what_the_font_cannot_draw() -> None:
    assert printable("Anna 🌸 Kowalska\u200b") == "Anna Kowalska"
    assert printable("Tomáš Šťastný Șubă") == "Tomáš Šťastný Șubă"
    assert printable("\x00\x1b[31m") == "[31m"


# --- the service -------------------------------------------------------------------------


async def test_the_service_caches_by_content(records: tuple[Defector, ...]) -> None:
    calls: list[Picture] = []

    def counting(picture: Picture) -> bytes:
        calls.append(picture)
        return render(picture)

    service = PictureService(counting)
    try:
        picture = build.demo_profile()
        assert service.cached(picture) is None
        first = await service.render(picture)
        again = await service.render(dataclasses.replace(picture))
        assert first is not None and first == again and service.cached(picture) == first
        assert len(calls) == 1 and service.stats.cache_hits == 2
        assert await service.render(changed(picture)) != first
        assert len(calls) == 2
    finally:
        service.close()


async def test_a_failing_renderer_gives_none_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(picture: Picture) -> bytes:
        raise RuntimeError("no ink")

    service = PictureService(broken)
    try:
        with caplog.at_level(logging.DEBUG, logger="bot.services.pictures"):
            assert await service.render(build.demo_profile()) is None
            assert await service.render(changed(build.demo_profile())) is None
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "Profile" in errors[0].getMessage()
        assert service.stats.failed == 2
    finally:
        service.close()


def held(result: bytes) -> tuple[threading.Event, Callable[[Picture], bytes]]:
    """A renderer that waits until the event is set (5 s at most), then returns `result`."""
    release = threading.Event()

    def render(picture: Picture) -> bytes:
        release.wait(5)
        return result

    return release, render


async def test_a_full_queue_refuses_instead_of_waiting() -> None:
    release, slow = held(b"png")
    service = PictureService(slow, queue_limit=2)
    try:
        pictures = [dataclasses.replace(build.demo_profile(), wins=i) for i in range(3)]
        waiting = [asyncio.ensure_future(service.render(p)) for p in pictures[:2]]
        await asyncio.sleep(0)  # both are now queued
        assert await service.render(pictures[2]) is None
        assert service.stats.refused == 1
        release.set()
        assert await asyncio.gather(*waiting) == [b"png", b"png"]
    finally:
        release.set()
        service.close()


async def test_a_render_that_takes_too_long_falls_back() -> None:
    release, stuck = held(b"late")
    service = PictureService(stuck, timeout=0.05)
    try:
        assert await service.render(build.demo_profile()) is None
    finally:
        release.set()
        service.close()


def test_filters_read_as_a_sentence() -> None:
    assert build.describe_filters(None, None, None) == ""
    assert build.describe_filters("Hungary", "By sea", 1950) == "Hungary · by sea · the 1950s"
    assert build.describe_filters(None, None, 1980) == "The 1980s"
    assert build.describe_filters(None, "Overland escape", None) == "Overland escape"
    assert build.stats_subtitle(1, "The 1920s") == "The 1920s: 1 person"
    assert build.stats_subtitle(165, "") == "All 165 people"
