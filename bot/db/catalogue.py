"""Repository for the catalogue table: idempotent sync from the in-memory records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.catalog.models import Defector
from bot.catalog.vocab import Method, Status
from bot.db.migrate import MIGRATION_LOCK, hold_advisory_lock
from bot.db.models import DefectorBase, DefectorRow

_FIELDS = tuple(DefectorBase.model_fields)
CATALOGUE_LOCK = MIGRATION_LOCK + 1


@dataclass(frozen=True, slots=True)
class SyncReport:
    inserted: int
    updated: int
    deleted: int
    unchanged: int

    def __str__(self) -> str:
        return (
            f"{self.inserted} inserted, {self.updated} updated, "
            f"{self.deleted} deleted, {self.unchanged} unchanged"
        )


def _columns(record: Defector) -> dict[str, Any]:
    values = record.to_dict()
    return {name: values[name] for name in _FIELDS}


def _record(row: DefectorRow) -> Defector:
    return Defector(
        slug=row.slug,
        name=row.name,
        year=row.year,
        aliases=tuple(row.aliases),
        profession=row.profession,
        birthplace=row.birthplace,
        birth_country=row.birth_country,
        origin_country=row.origin_country,
        destination_country=row.destination_country,
        defected_in=row.defected_in,
        method=Method(row.method),
        method_evidence=row.method_evidence,
        notes=row.notes,
        status=Status(row.status),
        source_line=row.source_line,
    )


async def sync_catalogue(
    sessions: async_sessionmaker[AsyncSession], records: Sequence[Defector]
) -> SyncReport:
    """Make the table equal to ``records`` in one transaction; running it twice changes nothing."""
    wanted = {record.slug: _columns(record) for record in records}
    inserted = updated = deleted = unchanged = 0
    async with sessions() as session, session.begin():
        # Shards starting together would race to insert the same rows: one at a time.
        await hold_advisory_lock(await session.connection(), CATALOGUE_LOCK)
        existing = {row.slug: row for row in (await session.scalars(select(DefectorRow))).all()}
        for slug, columns in wanted.items():
            row = existing.pop(slug, None)
            if row is None:
                session.add(DefectorRow(**columns))
                inserted += 1
                continue
            changed = {k: v for k, v in columns.items() if getattr(row, k) != v}
            if changed:
                for key, value in changed.items():
                    setattr(row, key, value)
                updated += 1
            else:
                unchanged += 1
        for row in existing.values():
            await session.delete(row)
            deleted += 1
    return SyncReport(inserted, updated, deleted, unchanged)


async def count_defectors(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(DefectorRow)) or 0)


async def load_defectors(sessions: async_sessionmaker[AsyncSession]) -> list[Defector]:
    """Every stored record as plain data (no live ORM rows leave this module)."""
    async with sessions() as session:
        query = select(DefectorRow).order_by(col(DefectorRow.source_line))
        rows = (await session.scalars(query)).all()
        return [_record(row) for row in rows]
