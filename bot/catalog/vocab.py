"""Closed vocabularies of the catalogue: methods, statuses and country spellings."""

from __future__ import annotations

from enum import StrEnum


class Method(StrEnum):
    """How a person got out, judged from the notes of their row."""

    TOUR_OR_PERFORMANCE = "tour_or_performance"
    SPORTING_EVENT = "sporting_event"
    OFFICIAL_POSTING = "official_posting"
    AIRCRAFT = "aircraft"
    SEA = "sea"
    OVERLAND_ESCAPE = "overland_escape"
    EMBASSY_ASYLUM = "embassy_asylum"
    ACADEMIC_OR_WORK_TRIP = "academic_or_work_trip"
    OTHER = "other"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """A short title for lists and buttons."""
        return _METHOD_LABELS[self]

    @property
    def phrase(self) -> str:
        """The method in words, to complete "They defected …"."""
        return _METHOD_PHRASES[self]


_METHOD_LABELS: dict[Method, str] = {
    Method.TOUR_OR_PERFORMANCE: "Tour or performance abroad",
    Method.SPORTING_EVENT: "Sporting event abroad",
    Method.OFFICIAL_POSTING: "Official posting or mission abroad",
    Method.AIRCRAFT: "Flew or hijacked a plane",
    Method.SEA: "By sea",
    Method.OVERLAND_ESCAPE: "Overland escape",
    Method.EMBASSY_ASYLUM: "Asylum in a foreign embassy",
    Method.ACADEMIC_OR_WORK_TRIP: "Academic or work trip abroad",
    Method.OTHER: "Other",
    # The words every view uses (stats text, chart, card): the source does not say, which
    # is truer than "Unknown" (someone may know; the table does not tell).
    Method.UNKNOWN: "Not stated in the source",
}

_METHOD_PHRASES: dict[Method, str] = {
    Method.TOUR_OR_PERFORMANCE: "during a tour or performance abroad",
    Method.SPORTING_EVENT: "during a sporting event abroad",
    Method.OFFICIAL_POSTING: "while posted or on an official mission abroad",
    Method.AIRCRAFT: "by flying or hijacking a plane",
    Method.SEA: "by sea (a boat, a ship or swimming)",
    Method.OVERLAND_ESCAPE: "by escaping overland across a border",
    Method.EMBASSY_ASYLUM: "by taking refuge in a foreign embassy",
    Method.ACADEMIC_OR_WORK_TRIP: "during an academic or work trip abroad",
    Method.OTHER: "in another way",
    Method.UNKNOWN: "in a way the source does not record",
}


class Status(StrEnum):
    """Whether the defection held."""

    DEFECTED = "defected"
    FAILED = "failed"  # arrested or recaptured
    RETURNED = "returned"  # went back later


# The Eastern Bloc states a person can have left (plus China, for its one row).
ORIGIN_COUNTRIES: frozenset[str] = frozenset(
    {
        "Soviet Union",
        "East Germany",
        "Poland",
        "Czechoslovakia",
        "Hungary",
        "Romania",
        "Bulgaria",
        "Albania",
        "China",
    }
)

# Every country spelling the curated data may use. A closed list catches "USA", "UK",
# "U.S." and friends before they reach a quiz question.
KNOWN_COUNTRIES: frozenset[str] = ORIGIN_COUNTRIES | frozenset(
    {
        "Australia",
        "Austria",
        "Belarus",
        "Belgium",
        "Canada",
        "Czech Republic",
        "Denmark",
        "Estonia",
        "Finland",
        "France",
        "Georgia",
        "Germany",
        "Greece",
        "India",
        "Iran",
        "Iceland",
        "Italy",
        "Japan",
        "Latvia",
        "Lithuania",
        "Luxembourg",
        "Manchukuo",
        "Netherlands",
        "North Korea",
        "Norway",
        "Pakistan",
        "Philippines",
        "Russia",
        "Slovakia",
        "South Korea",
        "Spain",
        "Sweden",
        "Switzerland",
        "Turkey",
        "Turkmenistan",
        "Ukraine",
        "United Kingdom",
        "United States",
        "West Germany",
        "Yugoslavia",
    }
)

# Modern countries (for birth_country): states that no longer exist are not modern.
DEFUNCT_STATES: frozenset[str] = frozenset(
    {
        "Soviet Union",
        "East Germany",
        "West Germany",
        "Czechoslovakia",
        "Yugoslavia",
        "Manchukuo",
    }
)

WEST_GERMANY_YEARS = range(1949, 1991)
