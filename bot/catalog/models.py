"""The catalogue's data model: curated facts (validated) and the merged record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator, model_validator

from bot.catalog.normalize import fold
from bot.catalog.vocab import DEFUNCT_STATES, KNOWN_COUNTRIES, ORIGIN_COUNTRIES, Method, Status


def _check_country(value: str | None, allowed: frozenset[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of the catalogue's country spellings")
    return value


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("evidence must not be blank")
    return value


def _known_country(value: str) -> str:
    _check_country(value, KNOWN_COUNTRIES, "country")
    return value


def _askable(value: Method) -> Method:
    if value in (Method.UNKNOWN, Method.OTHER):
        raise ValueError(f"{value.value!r} is not a reading: name the method the words support")
    return value


class _SupportedReading(BaseModel):
    """Another value the row's own words support, with those words (a subclass names the
    value's field and its check)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    evidence: Annotated[str, AfterValidator(_not_blank)]


class CountryReading(_SupportedReading):
    """Another country the row's own words support, with those words."""

    country: Annotated[str, AfterValidator(_known_country)]


class MethodReading(_SupportedReading):
    """Another method the row's own words support, with those words."""

    method: Annotated[Method, AfterValidator(_askable)]


@dataclass(frozen=True, slots=True)
class Reading:
    """One more defensible value of a field (a country or a method code) and the row's
    words that support it."""

    value: str
    evidence: str


class CuratedFacts(BaseModel):
    """The derived facts a reviewer wrote for one row (``data/curated.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str
    aliases: tuple[str, ...] = ()
    birth_country: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    defected_in: str | None = None
    destination_evidence: str | None = None
    method: Method = Method.UNKNOWN
    method_evidence: str | None = None
    status: Status = Status.DEFECTED
    also_origins: tuple[CountryReading, ...] = ()
    also_destinations: tuple[CountryReading, ...] = ()
    also_methods: tuple[MethodReading, ...] = ()

    @field_validator("name", "defected_in", "method_evidence", "destination_evidence")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("must not be blank (leave the key out for unknown)")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        folded = [fold(alias) for alias in value]
        if any(not f for f in folded):
            raise ValueError("an alias is blank")
        if len(set(folded)) != len(folded):
            raise ValueError("aliases repeat one another")
        return value

    @field_validator("birth_country")
    @classmethod
    def _birth(cls, value: str | None) -> str | None:
        _check_country(value, KNOWN_COUNTRIES, "birth_country")
        if value in DEFUNCT_STATES:
            raise ValueError(f"birth_country {value!r} is not a modern country")
        return value

    @field_validator("origin_country")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        return _check_country(value, ORIGIN_COUNTRIES, "origin_country")

    @field_validator("destination_country")
    @classmethod
    def _destination(cls, value: str | None) -> str | None:
        return _check_country(value, KNOWN_COUNTRIES, "destination_country")

    @model_validator(mode="after")
    def _evidence_matches_method(self) -> CuratedFacts:
        if self.method is Method.UNKNOWN and self.method_evidence is not None:
            raise ValueError("method 'unknown' cannot have method_evidence")
        if self.method is not Method.UNKNOWN and self.method_evidence is None:
            raise ValueError(f"method {self.method.value!r} needs method_evidence")
        return self

    @model_validator(mode="after")
    def _destination_evidence(self) -> CuratedFacts:
        if self.destination_evidence is not None and self.destination_country is None:
            raise ValueError("destination_evidence without a destination_country")
        return self

    @model_validator(mode="after")
    def _readings_are_other_values(self) -> CuratedFacts:
        groups: list[tuple[str, str | None, list[str]]] = [
            ("also_origins", self.origin_country, [r.country for r in self.also_origins]),
            (
                "also_destinations",
                self.destination_country,
                [r.country for r in self.also_destinations],
            ),
            ("also_methods", self.method.value, [r.method.value for r in self.also_methods]),
        ]
        for what, main, values in groups:
            if main in values:
                raise ValueError(f"{what} repeats the main value {main!r}")
            if len(set(values)) != len(values):
                raise ValueError(f"{what} names a value twice")
        for reading in self.also_origins:
            _check_country(reading.country, ORIGIN_COUNTRIES, "also_origins country")
        return self


@dataclass(frozen=True, slots=True)
class Defector:
    """One person of the catalogue: the source row merged with its curated facts."""

    slug: str
    name: str
    year: int
    aliases: tuple[str, ...] = ()
    profession: str | None = None
    birthplace: str | None = None
    birth_country: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    defected_in: str | None = None
    method: Method = Method.UNKNOWN
    method_evidence: str | None = None
    notes: str | None = None
    status: Status = Status.DEFECTED
    also_origins: tuple[Reading, ...] = ()
    also_destinations: tuple[Reading, ...] = ()
    also_methods: tuple[Reading, ...] = ()
    """Other readings of the row (values and the words that support them)."""
    destination_evidence: str | None = None
    """The notes' words behind ``destination_country`` when they do not name the country."""
    source_line: int = 0
    curated: bool = field(default=False, compare=False)

    @property
    def decade(self) -> int:
        return self.year - self.year % 10

    @property
    def origins(self) -> tuple[str, ...]:
        """Every state the row supports as the one they left: the main value first."""
        main = (self.origin_country,) if self.origin_country else ()
        return main + tuple(r.value for r in self.also_origins)

    @property
    def destinations(self) -> tuple[str, ...]:
        """Every country the row supports as where they went, defected or settled."""
        main = (self.destination_country,) if self.destination_country else ()
        return main + tuple(r.value for r in self.also_destinations)

    @property
    def methods(self) -> tuple[Method, ...]:
        """Every method the row supports: the main one (unless unknown) first."""
        main = () if self.method is Method.UNKNOWN else (self.method,)
        return main + tuple(Method(r.value) for r in self.also_methods)

    def evidence_for(self, field: str, value: str) -> str | None:
        """The row's words that support ``value`` as a reading of ``field`` (if curated)."""
        if field == "method" and value == self.method.value:
            return self.method_evidence
        readings = {
            "origin_country": self.also_origins,
            "destination_country": self.also_destinations,
            "method": self.also_methods,
        }.get(field, ())
        return next((r.evidence for r in readings if r.value == value), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data with every field (used by ``export --json``)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "aliases": list(self.aliases),
            "profession": self.profession,
            "birthplace": self.birthplace,
            "birth_country": self.birth_country,
            "origin_country": self.origin_country,
            "destination_country": self.destination_country,
            "defected_in": self.defected_in,
            "year": self.year,
            "method": self.method.value,
            "method_evidence": self.method_evidence,
            "notes": self.notes,
            "status": self.status.value,
            "destination_evidence": self.destination_evidence,
            "also_origins": [_reading_dict(r) for r in self.also_origins],
            "also_destinations": [_reading_dict(r) for r in self.also_destinations],
            "also_methods": [_reading_dict(r) for r in self.also_methods],
            "source_line": self.source_line,
            "curated": self.curated,
        }


def _reading_dict(reading: Reading) -> dict[str, str]:
    return {"value": reading.value, "evidence": reading.evidence}


def slugify(name: str) -> str:
    """A stable ASCII id for a name: ``"Mihai Șubă"`` → ``"mihai-suba"``."""
    return fold(name).replace(" ", "-")
