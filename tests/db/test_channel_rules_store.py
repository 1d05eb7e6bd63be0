"""A guild's allowed and denied quiz channels: ``set_channel_rule`` changes both lists in one
transaction under the row's lock, and migration 0005 adds the deny list to existing rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import session_factory
from bot.db.migrate import alembic_config, current_revision, upgrade
from bot.db.quiz.settings import (
    MAX_ALLOWED_CHANNELS,
    get_guild_settings,
    reset_guild_settings,
    set_channel_rule,
    update_guild_settings,
)
from bot.records import GuildQuizSettings, InvalidGuildSettings

Sessions = async_sessionmaker[AsyncSession]

NOW = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
GUILD = 900_000_000_000_000_001
A, B, C = 800_000_000_000_000_001, 800_000_000_000_000_002, 2**63 - 7


@pytest.fixture
async def sessions(engine: AsyncEngine) -> Sessions:
    await upgrade(engine)
    return session_factory(engine)


async def rule(sessions: Sessions, channel: int, allowed: bool) -> GuildQuizSettings:
    change = await set_channel_rule(
        sessions, guild_id=GUILD, channel_id=channel, allowed=allowed, now=NOW
    )
    assert change.after == await get_guild_settings(sessions, guild_id=GUILD)
    return change.after


def lists(settings: GuildQuizSettings) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return settings.allowed_channel_ids, settings.denied_channel_ids


async def test_deny_then_allow(sessions: Sessions) -> None:
    denied = await rule(sessions, A, False)
    assert lists(denied) == ((), (A,))
    assert not denied.allows_channel(A) and denied.allows_channel(B)
    assert denied.updated_at == NOW

    # Allowing a denied channel with no allowed list lifts the deny; it closes nothing else.
    lifted = await rule(sessions, A, True)
    assert lists(lifted) == ((), ())
    assert lifted.allows_channel(A) and lifted.allows_channel(B)

    # Allowing a channel with no rule starts the allowed list.
    only = await rule(sessions, A, True)
    assert lists(only) == ((A,), ())
    assert only.allows_channel(A) and not only.allows_channel(B)

    # With an allowed list, a denied channel that is allowed joins it.
    await rule(sessions, B, False)
    both = await rule(sessions, B, True)
    assert lists(both) == ((A, B), ())

    # Denying takes a channel off the allowed list: the last one leaves an empty list.
    await rule(sessions, A, False)
    last = await rule(sessions, B, False)
    assert lists(last) == ((), (A, B))
    assert last.allows_channel(C) and not last.allows_channel(A)


async def test_the_same_rule_twice_changes_nothing(sessions: Sessions) -> None:
    first = await rule(sessions, C, False)
    again = await set_channel_rule(sessions, guild_id=GUILD, channel_id=C, allowed=False)
    assert not again.changed and again.before == again.after == first
    await rule(sessions, A, True)
    allowed = await set_channel_rule(sessions, guild_id=GUILD, channel_id=A, allowed=True)
    assert not allowed.changed and lists(allowed.after) == ((A,), (C,))


async def test_other_settings_are_kept_and_reset_clears_both_lists(sessions: Sessions) -> None:
    await update_guild_settings(sessions, guild_id=GUILD, now=NOW, default_rounds=7)
    await rule(sessions, A, True)
    settings = await rule(sessions, B, False)
    assert settings.default_rounds == 7 and lists(settings) == ((A,), (B,))
    await reset_guild_settings(sessions, guild_id=GUILD)
    assert await get_guild_settings(sessions, guild_id=GUILD) == GuildQuizSettings()


async def test_changes_at_once_are_all_kept(sessions: Sessions) -> None:
    # Every admin's change reads and writes both lists; none may overwrite another's.
    denied = [700_000_000_000_000_000 + n for n in range(12)]
    allowed = [710_000_000_000_000_000 + n for n in range(12)]

    async def change(channel: int, allowed: bool) -> None:
        await set_channel_rule(sessions, guild_id=GUILD, channel_id=channel, allowed=allowed)

    await asyncio.gather(*(change(c, False) for c in denied), *(change(c, True) for c in allowed))
    settings = await get_guild_settings(sessions, guild_id=GUILD)
    assert sorted(settings.denied_channel_ids) == denied
    assert sorted(settings.allowed_channel_ids) == allowed


@pytest.mark.parametrize("allowed", [True, False])
async def test_at_most_25_channels_per_list(sessions: Sessions, allowed: bool) -> None:
    for n in range(MAX_ALLOWED_CHANNELS):
        await rule(sessions, 1 + n, allowed)
    before = await get_guild_settings(sessions, guild_id=GUILD)
    with pytest.raises(InvalidGuildSettings, match="at most 25 channels"):
        await rule(sessions, 1000, allowed)
    assert await get_guild_settings(sessions, guild_id=GUILD) == before


@pytest.mark.parametrize("channel", [0, -1, 2**64, True])
async def test_a_bad_channel_id_is_refused(sessions: Sessions, channel: int) -> None:
    with pytest.raises(InvalidGuildSettings, match="channel ids"):
        await set_channel_rule(sessions, guild_id=GUILD, channel_id=channel, allowed=False)
    assert await get_guild_settings(sessions, guild_id=GUILD) == GuildQuizSettings()


async def test_0005_gives_existing_rows_an_empty_deny_list(engine: AsyncEngine) -> None:
    await upgrade(engine, "0004")
    # The table as 0004 left it: no deny list.
    old = sa.table(
        "quiz_guild_settings",
        sa.column("guild_id", sa.BigInteger()),
        sa.column("default_rounds", sa.Integer()),
        sa.column("seconds_per_question", sa.Integer()),
        sa.column("mode", sa.String()),
        sa.column("allowed_channel_ids", sa.JSON()),
        sa.column("reveal_answers", sa.Boolean()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    async with engine.begin() as connection:
        await connection.execute(
            old.insert().values(
                guild_id=GUILD,
                default_rounds=5,
                seconds_per_question=30,
                mode="typed",
                allowed_channel_ids=[A],
                reveal_answers=False,
                updated_at=NOW,
            )
        )
    await upgrade(engine)
    sessions = session_factory(engine)
    settings = await get_guild_settings(sessions, guild_id=GUILD)
    assert (settings.default_rounds, lists(settings)) == (5, ((A,), ()))
    assert lists(await rule(sessions, B, False)) == ((A,), (B,))

    def downgrade(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "0004")

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)
        kept = (await connection.execute(sa.select(old.c.guild_id, old.c.default_rounds))).all()
    assert await current_revision(engine) == "0004"
    assert [tuple(row) for row in kept] == [(GUILD, 5)]
    await upgrade(engine)
    settings = await get_guild_settings(sessions, guild_id=GUILD)
    assert lists(settings) == ((A,), ())
