"""The catalogue's data model: curated facts (validated) and the merged record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from bot.catalog.normalize import fold
from bot.catalog.vocab import DEFUNCT_STATES, KNOWN_COUNTRIES, ORIGIN_COUNTRIES, Method, Status


def _check_country(value: str | None, allowed: frozenset[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of the catalogue's country spellings")
    return value


class CuratedFacts(BaseModel):
    """The derived facts a reviewer wrote for one row (``data/curated.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str
    aliases: tuple[str, ...] = ()
    birth_country: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    defected_in: str | None = None
    method: Method = Method.UNKNOWN
    method_evidence: str | None = None
    status: Status = Status.DEFECTED

    @field_validator("name", "defected_in", "method_evidence")
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
    source_line: int = 0
    curated: bool = field(default=False, compare=False)

    @property
    def decade(self) -> int:
        return self.year - self.year % 10

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
            "source_line": self.source_line,
            "curated": self.curated,
        }


def slugify(name: str) -> str:
    """A stable ASCII id for a name: ``"Mihai Șubă"`` → ``"mihai-suba"``."""
    return fold(name).replace(" ", "-")
