"""What a row of the catalogue supports, under every reading: the guard behind every
wrong choice.

A distractor must be nothing the subject's own row supports. The curated readings
(``Defector.origins``, ``destinations``, ``methods``; data/CURATION.md) are the first guard;
a scan of the row's words is the second: a year the notes mention, a country whose name (or
a common form of it) appears in the notes, profession or birthplace, a method whose keywords
appear in the notes or profession.
"""

from __future__ import annotations

import functools
import re

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import WEST_GERMANY_YEARS, Method, Status
from bot.quiz.countries import VARIANTS
from bot.quiz.model import Answer, QuestionKind

ASKABLE_METHODS = tuple(m for m in Method if m not in (Method.UNKNOWN, Method.OTHER))


# Conservative keywords: a method any of whose words appears in the notes or profession
# is never offered as a wrong choice (the row might be read as supporting it).
METHOD_KEYWORDS: dict[Method, tuple[str, ...]] = {
    Method.TOUR_OR_PERFORMANCE: (
        "tour", "touring", "toured", "performance", "performing", "concert", "ballet",
        "orchestra", "troupe", "dancer", "musician", "singer", "circus", "festival",
    ),
    Method.SPORTING_EVENT: (
        "championship", "championships", "olympics", "olympic", "match", "tournament",
        "race", "games", "cup", "skater", "player", "chess", "athlete", "footballer",
        "team", "competition", "grandmaster", "hockey", "boxer", "gymnast", "cyclist",
    ),
    Method.OFFICIAL_POSTING: (
        "stationed", "posted", "posting", "diplomat", "diplomatic", "embassy", "consulate",
        "ambassador", "attache", "officer", "agent", "kgb", "gru", "mission", "recall",
        "recalled", "intelligence", "spy", "un", "delegation", "resident", "consul",
    ),
    Method.AIRCRAFT: (
        "plane", "flew", "airport", "aircraft", "pilot", "mig", "hijacked", "flight",
        "airliner", "jet", "helicopter", "airplane", "balloon", "glider",
    ),
    Method.SEA: (
        "swam", "boat", "ship", "sailed", "sailor", "kayak", "ferry", "sea", "yacht",
        "cruise", "vessel", "submarine", "navy", "naval", "jumped", "harbor", "port",
    ),
    Method.OVERLAND_ESCAPE: (
        "border", "wall", "crossed", "tunnel", "train", "car", "foot", "walked", "fled",
        "escaped", "escape", "prison", "smuggled", "truck", "mountains",
    ),
    Method.EMBASSY_ASYLUM: ("embassy", "consulate", "asylum", "refuge", "sanctuary"),
    Method.ACADEMIC_OR_WORK_TRIP: (
        "conference", "lecture", "lectures", "lecturing", "visiting", "research",
        "scholarship", "study", "studying", "trip", "congress", "university", "professor",
        "scientist", "business", "fellowship", "exchange", "film", "festival",
    ),
}  # fmt: skip


# Mentioning one of these says something about the others too (conservative).
_RELATED_COUNTRIES: tuple[frozenset[str], ...] = (
    frozenset({"Germany", "East Germany", "West Germany"}),
    frozenset({"Soviet Union", "Russia"}),
    frozenset({"Czechoslovakia", "Czech Republic", "Slovakia"}),
)
_YEAR_RE = re.compile(r"\b(19\d\d)(?:[–-](\d\d))?\b")

DATED_EVENTS: dict[str, int] = {
    "prague spring": 1968,
    "warsaw pact invasion of czechoslovakia": 1968,
    "berlin wall during construction": 1961,
    "fall of the berlin wall": 1989,
    "romanian revolution": 1989,
}
"""Events the notes name without a year, and the year they name all the same: "fled after the
Prague Spring" says 1968 as clearly as a number would (folded text)."""


def value_of(record: Defector, kind: QuestionKind) -> Answer | None:
    if kind is QuestionKind.YEAR:
        return record.year
    if kind is QuestionKind.ORIGIN_COUNTRY:
        return record.origin_country
    if kind is QuestionKind.BIRTH_COUNTRY:
        return record.birth_country
    if kind is QuestionKind.DESTINATION_COUNTRY:
        # A failed defector never reached a destination.
        return None if record.status is Status.FAILED else record.destination_country
    if kind is QuestionKind.METHOD:
        return record.method.value if record.method in ASKABLE_METHODS else None
    return record.name


def eligible(record: Defector, kind: QuestionKind) -> bool:
    """Whether ``record`` can be asked about ``kind`` (its value is known and checkable)."""
    if kind is QuestionKind.WHO:
        return record.origin_country is not None
    if kind is QuestionKind.ORDER:  # "in order of defection": a failed attempt is none
        return record.status is not Status.FAILED
    return value_of(record, kind) is not None


def _padded(text: str | None) -> str:
    return f" {fold(text or '')} "


def notes_years(record: Defector) -> frozenset[int]:
    """Every 19xx year the subject's notes mention; "1956–57" mentions 1956 and 1957, and an
    event of :data:`DATED_EVENTS` ("after the Prague Spring") mentions its year."""
    years: set[int] = set()
    for first, end in _YEAR_RE.findall(record.notes or ""):
        years.add(int(first))
        if end:
            years.add(int(first[:2] + end))
    notes = _padded(record.notes)
    years.update(year for event, year in DATED_EVENTS.items() if f" {event} " in notes)
    return frozenset(years)


@functools.lru_cache(maxsize=2048)
def mentioned_countries(*texts: str | None, related: bool = True) -> frozenset[str]:
    """Every catalogue country whose name or a common form appears in ``texts``; with
    ``related``, the Germanys, USSR/Russia and the Czechoslovak states count together.
    Cached: a subject's texts are the same at each of its questions (a scan of every
    country's forms is about 60 µs)."""
    padded = " ".join(_padded(t) for t in texts)
    found = {country for variant, country in VARIANTS.items() if f" {variant} " in padded}
    for group in _RELATED_COUNTRIES if related else ():
        if found & group:
            found |= group
    return frozenset(found)


def supported_methods(record: Defector) -> frozenset[Method]:
    """Every method whose keywords appear in the notes or profession."""
    words = set(_padded(record.notes).split()) | set(_padded(record.profession).split())
    words |= {w[:-1] for w in words if w.endswith("s")}  # "tours", "lectures"
    words |= {w[:-2] for w in words if w.endswith("ed")}  # "toured", "crossed"
    return frozenset(m for m, keys in METHOD_KEYWORDS.items() if not words.isdisjoint(keys))


def readings_of(subject: Defector, kind: QuestionKind) -> tuple[str, ...]:
    """Every value the subject's curated readings support for a country ``kind``."""
    if kind is QuestionKind.ORIGIN_COUNTRY:
        return subject.origins
    if kind is QuestionKind.DESTINATION_COUNTRY:
        return subject.destinations
    return (subject.birth_country,) if subject.birth_country else ()


def era_name_ok(country: str, year: int) -> bool:
    """Whether ``country`` existed under that name in ``year`` (no anachronistic choices)."""
    if country == "West Germany":
        return year in WEST_GERMANY_YEARS
    if country == "Germany":
        return year not in WEST_GERMANY_YEARS
    if country == "Manchukuo":
        return 1932 <= year <= 1945
    return True
