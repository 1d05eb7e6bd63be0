"""Plain-text rendering of records for the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.catalog.models import Defector
from bot.catalog.search import LookupResult, Match

if TYPE_CHECKING:
    from bot.catalog.fulltext import Hit  # tantivy: imported where a search runs


def one_line(record: Defector) -> str:
    route = record.origin_country or "?"
    if record.destination_country:
        route += f" → {record.destination_country}"
    profession = record.profession or "profession not given"
    return f"{record.name} ({record.year}) — {profession}; {route}"


def card(record: Defector) -> str:
    lines = [record.name, "=" * len(record.name)]
    rows = [
        ("Also known as", ", ".join(record.aliases) or None),
        ("Profession", record.profession),
        ("Born in", _with_country(record.birthplace, record.birth_country)),
        ("Left", record.origin_country),
        ("Went to", record.destination_country),
        ("Defected in", record.defected_in),
        ("Year", str(record.year)),
        ("How", f"{record.method.label} ({record.method.value})"),
        ("Evidence", f"“{record.method_evidence}”" if record.method_evidence else None),
        ("Outcome", record.status.value),
        ("Notes", record.notes),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        lines.append(f"{label.ljust(width)}  {value if value is not None else '—'}")
    return "\n".join(lines)


def _with_country(birthplace: str | None, country: str | None) -> str | None:
    if birthplace and country and birthplace != country:
        return f"{birthplace} (today {country})"
    return birthplace


def _ranked(matches: tuple[Match, ...]) -> list[str]:
    return [f"{m.score:5.1f}  {one_line(m.record)}" for m in matches]


def lookup_text(result: LookupResult) -> str:
    if result.best is not None:
        others = [m for m in result.matches if m.record is not result.best]
        text = card(result.best)
        if others:
            text += "\n\nAlso close:\n" + "\n".join(_ranked(tuple(others)))
        return text
    if result.matches:
        return "Several people match; be more specific:\n" + "\n".join(_ranked(result.matches))
    if result.suggestions:
        names = ", ".join(m.record.name for m in result.suggestions)
        return f"No confident match. Did you mean: {names}?"
    return "No match."


def search_text(hits: list[Hit]) -> str:
    """Full-text results, best first, with the words each person matched."""
    if not hits:
        return "No one matches."
    lines = []
    for hit in hits:
        words = f"  [{', '.join(hit.matched)}]" if hit.matched else ""
        lines.append(f"{hit.score:6.2f}  {one_line(hit.record)}{words}")
    return "\n".join(lines)
