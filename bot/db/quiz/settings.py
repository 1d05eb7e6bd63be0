"""The guild settings repository: each guild's quiz settings, checked before they are written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import (
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.quiz.tables import (
    SETTINGS,
    Sessions,
    aware,
    dialect_name,
    first_as,
    rows_as,
    upsert_insert,
    utc,
)
from bot.quiz import limits
from bot.quiz.game import Mode
from bot.records import ChannelRuleChange, GuildQuizSettings, InvalidGuildSettings

MAX_ALLOWED_CHANNELS = 25
_MAX_SNOWFLAKE = 2**63 - 1  # a signed BIGINT


class SettingsRow(TypedDict):
    """A ``quiz_guild_settings`` row as it is read."""

    guild_id: int
    default_rounds: int
    seconds_per_question: int
    mode: str
    allowed_channel_ids: list[int]
    denied_channel_ids: list[int]
    reveal_answers: bool
    updated_at: datetime


def _settings(row: SettingsRow) -> GuildQuizSettings:
    return GuildQuizSettings(
        default_rounds=int(row["default_rounds"]),
        seconds_per_question=int(row["seconds_per_question"]),
        mode=Mode(row["mode"]),
        allowed_channel_ids=tuple(int(channel) for channel in row["allowed_channel_ids"]),
        denied_channel_ids=tuple(int(channel) for channel in row["denied_channel_ids"]),
        reveal_answers=bool(row["reveal_answers"]),
        updated_at=utc(row["updated_at"]),
    )


def _validated(
    *,
    default_rounds: int | None,
    seconds_per_question: int | None,
    mode: Mode | str | None,
    allowed_channel_ids: Sequence[int] | None,
    reveal_answers: bool | None,
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if default_rounds is not None:
        if problem := limits.rounds_problem(default_rounds):
            raise InvalidGuildSettings(problem)
        changes["default_rounds"] = default_rounds
    if seconds_per_question is not None:
        if problem := limits.seconds_problem(seconds_per_question, whole=True):
            raise InvalidGuildSettings(problem)
        changes["seconds_per_question"] = seconds_per_question
    if mode is not None:
        try:
            changes["mode"] = Mode(mode).value
        except ValueError:
            choices = " or ".join(f"`{m.value}`" for m in Mode)
            raise InvalidGuildSettings(f"The answer mode is {choices}, not {mode!r}.") from None
    if allowed_channel_ids is not None:
        changes["allowed_channel_ids"] = _channel_list(allowed_channel_ids, denied=False)
    if reveal_answers is not None:
        if not isinstance(reveal_answers, bool):
            raise InvalidGuildSettings("Revealing answers is either on or off.")
        changes["reveal_answers"] = reveal_answers
    return changes


def _is_channel_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_SNOWFLAKE


def _channel_list(channel_ids: Sequence[int], *, denied: bool) -> list[int]:
    """Checked channel ids, each once, in the order given (an allowed or a deny list)."""
    if isinstance(channel_ids, str | bytes) or not all(map(_is_channel_id, channel_ids)):
        raise InvalidGuildSettings("Quiz channels must be given as channel ids.")
    channels = list(dict.fromkeys(channel_ids))
    if len(channels) > MAX_ALLOWED_CHANNELS:
        what = "kept out of" if denied else "limited to"
        raise InvalidGuildSettings(
            f"Quizzes can be {what} at most {MAX_ALLOWED_CHANNELS} channels, not {len(channels)}."
        )
    return channels


async def get_guild_settings(sessions: Sessions, *, guild_id: int) -> GuildQuizSettings:
    """The guild's settings, or the defaults if it never changed any."""
    async with sessions() as session:
        query = select(SETTINGS).where(SETTINGS.c.guild_id == guild_id)
        row = first_as(await session.execute(query), SettingsRow)
        return _settings(row) if row is not None else GuildQuizSettings()


async def update_guild_settings(
    sessions: Sessions,
    *,
    guild_id: int,
    now: datetime | None = None,
    default_rounds: int | None = None,
    seconds_per_question: int | None = None,
    mode: Mode | str | None = None,
    allowed_channel_ids: Sequence[int] | None = None,
    reveal_answers: bool | None = None,
) -> GuildQuizSettings:
    """Change some settings (None leaves one as it is; an empty ``allowed_channel_ids`` allows
    every channel) and return the result. Every value is checked before anything is written:
    a bad one raises :class:`InvalidGuildSettings` and changes nothing."""
    changes = _validated(
        default_rounds=default_rounds,
        seconds_per_question=seconds_per_question,
        mode=mode,
        allowed_channel_ids=allowed_channel_ids,
        reveal_answers=reveal_answers,
    )
    if not changes:
        return await get_guild_settings(sessions, guild_id=guild_id)
    stamp = aware(now, "now") if now is not None else datetime.now(UTC)
    async with sessions() as session, session.begin():
        await _lock_settings(session, guild_id=guild_id, stamp=stamp)
        await session.execute(
            update(SETTINGS)
            .where(SETTINGS.c.guild_id == guild_id)
            .values(**changes, updated_at=stamp)
        )
        return await _read_settings(session, guild_id=guild_id)


async def _lock_settings(session: AsyncSession, *, guild_id: int, stamp: datetime) -> None:
    """Make sure the guild has a settings row (the defaults), and hold it until the
    transaction ends, so that two admins changing settings at once both get their change.

    The insert comes first: on SQLite it takes the database's write lock (a transaction that
    read first could not upgrade its lock while another writes); on PostgreSQL the row is
    then locked with ``FOR UPDATE``.
    """
    defaults = GuildQuizSettings()
    insert = upsert_insert(session, SETTINGS)
    await session.execute(
        insert.values(
            guild_id=guild_id,
            default_rounds=defaults.default_rounds,
            seconds_per_question=defaults.seconds_per_question,
            mode=defaults.mode.value,
            allowed_channel_ids=list(defaults.allowed_channel_ids),
            denied_channel_ids=list(defaults.denied_channel_ids),
            reveal_answers=defaults.reveal_answers,
            updated_at=stamp,
        ).on_conflict_do_nothing(index_elements=["guild_id"])
    )
    lock = select(SETTINGS.c.guild_id).where(SETTINGS.c.guild_id == guild_id)
    if dialect_name(session) == "postgresql":
        await session.execute(lock.with_for_update())


async def _read_settings(session: AsyncSession, *, guild_id: int) -> GuildQuizSettings:
    query = select(SETTINGS).where(SETTINGS.c.guild_id == guild_id)
    return _settings(rows_as(await session.execute(query), SettingsRow)[0])


async def set_channel_rule(
    sessions: Sessions,
    *,
    guild_id: int,
    channel_id: int,
    allowed: bool,
    now: datetime | None = None,
) -> ChannelRuleChange:
    """Let quizzes run in ``channel_id`` (``allowed``) or keep them out of it, in one
    transaction that reads and writes both lists under the row's lock (two admins changing
    channels at once both get their change).

    Keeping a channel out puts it on the deny list and takes it off the allowed list.
    Letting one in takes it off the deny list; it also joins the allowed list, unless it was
    denied and there is no allowed list (then lifting the deny is what opens it: adding it
    would close every other channel).
    """
    if not _is_channel_id(channel_id):
        raise InvalidGuildSettings("Quiz channels must be given as channel ids.")
    stamp = aware(now, "now") if now is not None else datetime.now(UTC)
    async with sessions() as session, session.begin():
        await _lock_settings(session, guild_id=guild_id, stamp=stamp)
        before = await _read_settings(session, guild_id=guild_id)
        allowed_ids, denied_ids = list(before.allowed_channel_ids), list(before.denied_channel_ids)
        if allowed:
            joins = channel_id not in denied_ids or bool(allowed_ids)
            denied_ids = [c for c in denied_ids if c != channel_id]
            if joins and channel_id not in allowed_ids:
                allowed_ids.append(channel_id)
        else:
            allowed_ids = [c for c in allowed_ids if c != channel_id]
            if channel_id not in denied_ids:
                denied_ids.append(channel_id)
        if (tuple(allowed_ids), tuple(denied_ids)) == (
            before.allowed_channel_ids,
            before.denied_channel_ids,
        ):
            return ChannelRuleChange(before, before)
        await session.execute(
            update(SETTINGS)
            .where(SETTINGS.c.guild_id == guild_id)
            .values(
                allowed_channel_ids=_channel_list(allowed_ids, denied=False),
                denied_channel_ids=_channel_list(denied_ids, denied=True),
                updated_at=stamp,
            )
        )
        return ChannelRuleChange(before, await _read_settings(session, guild_id=guild_id))


async def reset_guild_settings(sessions: Sessions, *, guild_id: int) -> GuildQuizSettings:
    """Back to the defaults (the guild's row is deleted)."""
    async with sessions() as session, session.begin():
        await session.execute(delete(SETTINGS).where(SETTINGS.c.guild_id == guild_id))
    return GuildQuizSettings()
