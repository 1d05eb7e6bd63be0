"""SQLModel tables.

Conventions for every table here:
* Discord ids (guild, channel, user, message, interaction) are snowflakes up to 2**64-1:
  store them in ``BigInteger`` columns (``discord_id_column()``), never ``Integer``, which
  is 32-bit on PostgreSQL.
* Timestamps are timezone-aware (``DateTime(timezone=True)``), UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Text
from sqlmodel import Field, SQLModel


def discord_id_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A column for a Discord snowflake (64-bit)."""
    return Field(sa_column=Column(BigInteger, nullable=nullable, index=index))


class DefectorBase(SQLModel):
    """The catalogue record as stored; mirrors ``bot.catalog.models.Defector``."""

    slug: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=200)
    year: int = Field(index=True)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    profession: str | None = Field(default=None, max_length=200)
    birthplace: str | None = Field(default=None, max_length=200)
    birth_country: str | None = Field(default=None, max_length=100)
    origin_country: str | None = Field(default=None, max_length=100, index=True)
    destination_country: str | None = Field(default=None, max_length=100)
    defected_in: str | None = Field(default=None, max_length=200)
    method: str = Field(max_length=40, index=True)
    method_evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(max_length=20)
    source_line: int = 0


class DefectorRow(DefectorBase, table=True):
    __tablename__ = "defectors"

    id: int | None = Field(default=None, primary_key=True)


class CommandPublication(SQLModel, table=True):
    """The schema last published to Discord per scope, so a start only publishes changes."""

    __tablename__ = "command_publications"

    scope: str = Field(primary_key=True, max_length=100)
    """``global:<application id>`` or ``guild:<application id>:<guild id>``."""
    schema_hash: str = Field(max_length=64)
    published_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
