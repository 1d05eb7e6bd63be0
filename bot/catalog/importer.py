"""Build the catalogue: parse the source table and merge the curated facts by name.

A source row without curated facts still imports (method ``unknown``, nulls) and is listed
in ``Catalogue.uncurated``; every other inconsistency is a ``CatalogueProblem`` naming the
file and line or person, so ``defector-bot data check`` can point at it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.catalog.models import CuratedFacts, Defector, Reading, slugify
from bot.catalog.normalize import fold
from bot.catalog.source import CatalogueProblem, SourceRow, parse_source
from bot.catalog.vocab import WEST_GERMANY_YEARS

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SOURCE_PATH = DATA_DIR / "defectors_source.txt"
CURATED_PATH = DATA_DIR / "curated.toml"

_PARENTHESISED = re.compile(r"^(?P<main>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*$")


class CatalogueError(Exception):
    """The data files are inconsistent; ``problems`` says where."""

    def __init__(self, problems: Iterable[CatalogueProblem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else "no details"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"catalogue data is invalid: {first}{more}")


@dataclass(frozen=True, slots=True)
class Catalogue:
    records: tuple[Defector, ...]
    uncurated: tuple[SourceRow, ...]
    problems: tuple[CatalogueProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def names_from_cell(name: str) -> tuple[str, ...]:
    """Names a ``Defector`` cell gives: ``"A B (C D)"`` gives ``("A B", "C D")``."""
    match = _PARENTHESISED.match(name)
    if match is None:
        return ()
    return (match["main"].strip(), match["inner"].strip())


def _merge_aliases(*groups: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    merged: list[str] = []
    for alias in (a for group in groups for a in group):
        key = fold(alias)
        if key and key not in seen:
            seen.add(key)
            merged.append(alias)
    return tuple(merged)


def parse_curated(text: str, where: str) -> tuple[list[CuratedFacts], list[CatalogueProblem]]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [CatalogueProblem(where, f"not valid TOML: {exc}")]
    unknown_keys = sorted(set(document) - {"person"})
    problems = [CatalogueProblem(where, f"unexpected top-level key {k!r}") for k in unknown_keys]
    entries = document.get("person", [])
    if not isinstance(entries, list):
        return [], [*problems, CatalogueProblem(where, "'person' must be an array of tables")]
    facts: list[CuratedFacts] = []
    for index, entry in enumerate(entries, start=1):
        label = f"{where} [[person]] #{index}"
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            label += f" ({entry['name']})"
        try:
            facts.append(CuratedFacts.model_validate(entry))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(part) for part in error["loc"]) or "entry"
                problems.append(CatalogueProblem(label, f"{field}: {error['msg']}"))
    return facts, problems


def _check_against_row(facts: CuratedFacts, row: SourceRow) -> list[str]:
    problems: list[str] = []
    if facts.method_evidence is not None and (
        row.notes is None or facts.method_evidence not in row.notes
    ):
        problems.append(f"method_evidence {facts.method_evidence!r} does not occur in the notes")
    if facts.destination_evidence is not None and (
        row.notes is None or facts.destination_evidence not in row.notes
    ):
        problems.append(
            f"destination_evidence {facts.destination_evidence!r} does not occur in the notes"
        )
    cells = [t for t in (row.notes, row.profession, row.birthplace) if t]
    readings = [
        *(("also_origins", r.country, r.evidence) for r in facts.also_origins),
        *(("also_destinations", r.country, r.evidence) for r in facts.also_destinations),
        *(("also_methods", r.method.value, r.evidence) for r in facts.also_methods),
    ]
    for what, value, evidence in readings:
        if not any(evidence in cell for cell in cells):  # words of one cell
            problems.append(
                f"{what} {value!r}: evidence {evidence!r} does not occur in the row "
                "(notes, profession or birthplace)"
            )
    destinations = [facts.destination_country, *(r.country for r in facts.also_destinations)]
    for destination in destinations:
        if destination == "Germany" and row.year in WEST_GERMANY_YEARS:
            problems.append(f"destination 'Germany' in {row.year}: the state was West Germany")
        if destination == "West Germany" and row.year not in WEST_GERMANY_YEARS:
            problems.append(f"destination 'West Germany' in {row.year}: it did not exist then")
    return problems


def _readings(facts: CuratedFacts) -> dict[str, tuple[Reading, ...]]:
    return {
        "also_origins": tuple(Reading(r.country, r.evidence) for r in facts.also_origins),
        "also_destinations": tuple(Reading(r.country, r.evidence) for r in facts.also_destinations),
        "also_methods": tuple(Reading(r.method.value, r.evidence) for r in facts.also_methods),
    }


def build_catalogue(
    source_text: str,
    curated_text: str,
    *,
    source_name: str = "defectors_source.txt",
    curated_name: str = "curated.toml",
) -> Catalogue:
    """Parse and merge; never raises on bad data (problems are returned)."""
    parsed = parse_source(source_text, source_name)
    problems = list(parsed.problems)

    curated, curated_problems = parse_curated(curated_text, curated_name)
    problems.extend(curated_problems)
    by_name: dict[str, CuratedFacts] = {}
    for entry in curated:
        key = fold(entry.name)
        if key in by_name:
            problems.append(CatalogueProblem(curated_name, f"{entry.name!r} is curated twice"))
        by_name[key] = entry

    records: list[Defector] = []
    uncurated: list[SourceRow] = []
    slugs: dict[str, SourceRow] = {}
    for row in parsed.rows:
        where = f"{source_name} line {row.line}"
        slug = slugify(row.name)
        if slug in slugs:
            problems.append(
                CatalogueProblem(where, f"{row.name!r} repeats line {slugs[slug].line}")
            )
            continue
        slugs[slug] = row
        facts = by_name.pop(fold(row.name), None)
        if facts is None:
            uncurated.append(row)
            records.append(
                Defector(
                    slug=slug,
                    name=row.name,
                    year=row.year,
                    aliases=_merge_aliases(names_from_cell(row.name)),
                    profession=row.profession,
                    birthplace=row.birthplace,
                    notes=row.notes,
                    source_line=row.line,
                )
            )
            continue
        problems.extend(
            CatalogueProblem(f"{curated_name} ({facts.name})", message)
            for message in _check_against_row(facts, row)
        )
        records.append(
            Defector(
                slug=slug,
                name=row.name,
                year=row.year,
                aliases=_merge_aliases(names_from_cell(row.name), facts.aliases),
                profession=row.profession,
                birthplace=row.birthplace,
                birth_country=facts.birth_country,
                origin_country=facts.origin_country,
                destination_country=facts.destination_country,
                defected_in=facts.defected_in,
                method=facts.method,
                method_evidence=facts.method_evidence,
                notes=row.notes,
                status=facts.status,
                **_readings(facts),
                destination_evidence=facts.destination_evidence,
                source_line=row.line,
                curated=True,
            )
        )
    problems.extend(
        CatalogueProblem(f"{curated_name} ({facts.name})", "no row of the source table has it")
        for facts in by_name.values()
    )
    problems.extend(_alias_clashes(records, curated_name))
    return Catalogue(tuple(records), tuple(uncurated), tuple(problems))


def _alias_clashes(records: Iterable[Defector], curated_name: str) -> list[CatalogueProblem]:
    """An alias must never name someone else: that would make lookups and judging lie."""
    owners: dict[str, str] = {}
    for record in records:
        owners[fold(record.name)] = record.name
    surnames: dict[str, set[str]] = {}
    for record in records:
        surnames.setdefault(_surname(record.name), set()).add(record.name)
    problems: list[CatalogueProblem] = []
    for record in records:
        own_surname = _surname(record.name)
        for alias in record.aliases:
            owner = owners.setdefault(fold(alias), record.name)
            if owner != record.name:
                problems.append(
                    CatalogueProblem(
                        f"{curated_name} ({record.name})",
                        f"alias {alias!r} also names {owner!r}",
                    )
                )
            # "Evdokia Petrov" would make the surname "Petrov" ambiguous with Vladimir Petrov.
            surname = _surname(alias)
            others = surnames.get(surname, set()) - {record.name}
            if surname != own_surname and others:
                problems.append(
                    CatalogueProblem(
                        f"{curated_name} ({record.name})",
                        f"alias {alias!r} gives the surname of {sorted(others)[0]!r}",
                    )
                )
    return problems


def _surname(name: str) -> str:
    words = fold(name).split()
    return words[-1] if words else ""


def load_catalogue(
    source_path: Path = SOURCE_PATH, curated_path: Path = CURATED_PATH
) -> tuple[Defector, ...]:
    """Load the shipped catalogue, raising ``CatalogueError`` if it is inconsistent."""
    catalogue = build_catalogue(
        source_path.read_text(encoding="utf-8"),
        curated_path.read_text(encoding="utf-8"),
        source_name=source_path.name,
        curated_name=curated_path.name,
    )
    if catalogue.problems:
        raise CatalogueError(catalogue.problems)
    return catalogue.records
