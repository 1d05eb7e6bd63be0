"""Embeds for people, lists and statistics, always within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.catalog.models import Defector
from bot.catalog.vocab import Status
from bot.ui.text import clip

COLOUR = discord.Colour(0xB22222)
SOURCE = "Source: Wikipedia, “List of Soviet and Eastern Bloc defectors”"
_STATUS = {
    Status.DEFECTED: "Defected",
    Status.FAILED: "Tried to defect, and was caught",
    Status.RETURNED: "Defected, and later went back",
}


def _born(record: Defector) -> str | None:
    if record.birthplace and record.birth_country and record.birthplace != record.birth_country:
        return f"{record.birthplace} (today {record.birth_country})"
    return record.birthplace


def card(record: Defector, *, same_year: Sequence[str] = ()) -> discord.Embed:
    """The full card: every field of the record, the method in words, the source notes, and
    (when given) the others who defected the same year."""
    route = record.origin_country or "?"
    if record.destination_country:
        route += f" → {record.destination_country}"
    summary = f"**{record.profession or 'Profession not given'}** · {record.year} · {route}"
    notes = record.notes or "*The source table has no notes on this person.*"
    embed = discord.Embed(
        title=clip(record.name, 256),
        description=clip(f"{summary}\n\n{notes}", 4096),
        colour=COLOUR,
    )
    fields: list[tuple[str, str | None, bool]] = [
        ("Also known as", ", ".join(record.aliases) or None, False),
        ("Born", _born(record), True),
        ("Left", record.origin_country, True),
        ("Went to", record.destination_country, True),
        ("Defected in", record.defected_in, True),
        ("Year", str(record.year), True),
        ("Outcome", _STATUS[record.status], True),
        ("How", record.method.label, False),
        ("Evidence", f"“{record.method_evidence}”" if record.method_evidence else None, False),
    ]
    if same_year:
        fields.append((f"Also in {record.year}", ", ".join(same_year), False))
    for name, value, inline in fields:
        if value is None and name in ("Also known as", "Evidence"):
            continue  # nothing to say, and "Also known as: —" reads like a glitch
        embed.add_field(name=name, value=clip(value or "—", 1024), inline=inline)
    embed.set_footer(text=f"{SOURCE}, row on line {record.source_line}")
    return embed


def search_page(
    records: Sequence[Defector], *, page: int, pages: int, total: int, description: str
) -> discord.Embed:
    lines = [
        f"`{page * 10 + i + 1:>3}.` **{clip(r.name, 80)}** · {r.year} · "
        f"{clip(r.profession or '—', 60)} · {r.origin_country or '?'}"
        for i, r in enumerate(records)
    ]
    embed = discord.Embed(
        title=f"{total} {'person' if total == 1 else 'people'} found",
        description=clip(f"{description}\n\n" + "\n".join(lines), 4096),
        colour=COLOUR,
    )
    embed.set_footer(text=f"Page {page + 1} of {pages} · pick a name below to open a card")
    return embed


def stats(counts: dict[str, list[tuple[str, int]]], total: int, filters: str = "") -> discord.Embed:
    people = f"{total} {'person' if total == 1 else 'people'}"
    embed = discord.Embed(
        title="The catalogue in numbers",
        description=f"{filters}: {people}." if filters else f"{people} in the list.",
        colour=COLOUR,
    )
    titles = {"origin": "Left", "decade": "By decade", "method": "How they got out"}
    for key, title in titles.items():
        width = max((len(label) for label, _ in counts[key]), default=0)
        lines = [f"{label.ljust(width)} {n:>3}" for label, n in counts[key]]
        embed.add_field(name=title, value=clip("```\n" + "\n".join(lines) + "\n```", 1024))
    embed.set_footer(text=SOURCE)
    return embed
