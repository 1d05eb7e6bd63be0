"""Parser for the published source table (``data/defectors_source.txt``).

The file is the Wikipedia list as published: prose, then a pipe table whose header is
``| Defector | Profession/ Prominence | Birthplace | Year | Notes |``. Cells may hold commas,
be empty, or hold ``-`` for "no notes". Every problem is reported with its line number so
that ``defector-bot data check`` can name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPECTED_HEADER = ("Defector", "Profession/ Prominence", "Birthplace", "Year", "Notes")
_SEPARATOR = re.compile(r"^\|[\s:|-]+\|$")
_YEAR = re.compile(r"^\d{4}$")
# A pipe not preceded by a backslash separates cells.
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
YEAR_RANGE = range(1917, 1992)


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row of the source table, cells trimmed; empty cells and ``-`` notes are None."""

    line: int
    name: str
    profession: str | None
    birthplace: str | None
    year: int
    notes: str | None


@dataclass(frozen=True, slots=True)
class CatalogueProblem:
    """Something wrong in a data file: where (the file and line, or the entry) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedSource:
    rows: tuple[SourceRow, ...]
    problems: tuple[CatalogueProblem, ...]


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:]
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(inner)]


def _optional(cell: str) -> str | None:
    return cell or None


def parse_source(text: str, file_name: str = "defectors_source.txt") -> ParsedSource:
    """Parse the table out of the source text; never raises on bad rows. Problems name the
    file as ``file_name``, and the line."""
    rows: list[SourceRow] = []
    problems: list[CatalogueProblem] = []

    def problem(number: int, message: str) -> None:
        problems.append(CatalogueProblem(f"{file_name} line {number}", message))

    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line.startswith("|"):
            continue
        if _SEPARATOR.match(line):
            continue
        cells = _cells(line)
        if not header_seen:
            if tuple(cells) != EXPECTED_HEADER:
                expected = list(EXPECTED_HEADER)
                problem(number, f"unexpected table header {cells!r}; expected {expected!r}")
                return ParsedSource(tuple(rows), tuple(problems))
            header_seen = True
            continue
        if not line.endswith("|"):
            problem(number, "row does not end with '|'")
            continue
        if len(cells) != len(EXPECTED_HEADER):
            problem(number, f"expected {len(EXPECTED_HEADER)} cells, found {len(cells)}")
            continue
        name, profession, birthplace, year_cell, notes = cells
        if not name:
            problem(number, "empty Defector cell")
            continue
        if not _YEAR.match(year_cell) or int(year_cell) not in YEAR_RANGE:
            problem(
                number,
                f"year {year_cell!r} is not a year from {YEAR_RANGE.start} "
                f"to {YEAR_RANGE.stop - 1}",
            )
            continue
        rows.append(
            SourceRow(
                line=number,
                name=name,
                profession=_optional(profession),
                birthplace=_optional(birthplace),
                year=int(year_cell),
                notes=None if notes in ("", "-") else notes,
            )
        )
    if not header_seen:
        problem(0, "no table found (no '| Defector | ...' header)")
    return ParsedSource(tuple(rows), tuple(problems))
