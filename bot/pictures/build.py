"""Picture data from the catalogue's records, and demo data for ``defector-bot render``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.catalog.models import Defector
from bot.catalog.vocab import Method
from bot.pictures.model import UNSTATED, KindBar, Profile, Standings, StatsChart, Timeline


def stats_chart(records: Sequence[Defector], subtitle: str) -> StatsChart:
    per_year = Counter((r.year, r.origin_country or "Unknown") for r in records)
    origins = Counter(r.origin_country or "Unknown" for r in records)
    methods = Counter(r.method.label for r in records if r.method is not Method.UNKNOWN)
    unknown = sum(1 for r in records if r.method is Method.UNKNOWN)
    known = sorted(methods.items(), key=lambda item: (-item[1], item[0]))
    return StatsChart(
        subtitle=subtitle,
        per_year=tuple(sorted((y, o, n) for (y, o), n in per_year.items())),
        origins=tuple(sorted(origins.items(), key=lambda item: (-item[1], item[0]))),
        methods=tuple(known + ([(UNSTATED, unknown)] if unknown else [])),
    )


def describe_filters(origin: str | None, method: str | None, decade: int | None) -> str:
    """ "Hungary · by sea · the 1950s", "The 1980s" (``method`` is its label), or "" without
    filters."""
    parts = []
    if origin:
        parts.append(origin)
    if method:
        parts.append(method[0].lower() + method[1:])
    if decade is not None:
        parts.append(f"the {decade}s")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def stats_subtitle(count: int, described: str) -> str:
    people = f"{count} {'person' if count == 1 else 'people'}"
    return f"{described}: {people}" if described else f"All {people}"


def route(record: Defector) -> str:
    text = record.origin_country or "?"
    if record.destination_country:
        text += f" → {record.destination_country}"
    return text


def timeline(record: Defector, records: Sequence[Defector]) -> Timeline:
    return Timeline(
        name=record.name,
        year=record.year,
        route=route(record),
        years=tuple(sorted(r.year for r in records)),
    )


def demo_profile() -> Profile:
    """A made-up member's figures, to review the card without a database."""
    return Profile(
        name="Anna Kowalska",
        scope="this server",
        games=14,
        wins=5,
        points=1_236,
        correct=61,
        answers=88,
        best_streak=9,
        current_streak=3,
        rank=2,
        players=37,
        kinds=(
            KindBar("Year", 14, 22),
            KindBar("Country left", 15, 17),
            KindBar("Country of birth", 9, 12),
            KindBar("Destination", 8, 13),
            KindBar("How they got out", 6, 11),
            KindBar("Who did this?", 9, 13),
        ),
    )


def demo_standings() -> Standings:
    """A made-up finished quiz of seven players."""
    return Standings(
        players=(
            ("Anna Kowalska", 84),
            ("Tomáš Novák", 71),
            ("Lena", 52),
            ("Dmitri K.", 40),
            ("quizmaster_3000", 25),
            ("Zsófia Szabó", 12),
            ("Bob", 0),
        ),
        questions=10,
        ending="All rounds played.",
    )
