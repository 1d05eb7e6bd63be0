"""The games repository: a row per quiz game, from its start to its end (or its interruption
by a restart). At most one game runs per channel, across processes."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from sqlalchemy import (
    Integer,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.db.quiz.tables import GAMES, Sessions, aware, first_as, rows_as, utc, utc_or_none
from bot.quiz.game import EndReason, Mode
from bot.quiz.model import QuestionKind
from bot.records import GameAlreadyRunning, InterruptedGame


class UnknownGame(LookupError):
    """No game has this id (a programming error: ids come from :func:`create_game`)."""


@dataclass(frozen=True, slots=True)
class GameRecord:
    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    mode: Mode
    kinds: tuple[QuestionKind, ...]
    rounds: int
    started_at: datetime
    ended_at: datetime | None
    """None while the game runs."""
    end_reason: EndReason | None
    winner_id: int | None

    @property
    def running(self) -> bool:
        return self.ended_at is None


class GameRow(TypedDict):
    """A ``quiz_games`` row as it is read."""

    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    mode: str
    kinds: list[str]
    rounds: int
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    winner_id: int | None


def _game(row: GameRow) -> GameRecord:
    return GameRecord(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        starter_id=row["starter_id"],
        mode=Mode(row["mode"]),
        kinds=tuple(QuestionKind(kind) for kind in row["kinds"]),
        rounds=row["rounds"],
        started_at=utc(row["started_at"]),
        ended_at=utc_or_none(row["ended_at"]),
        end_reason=EndReason(row["end_reason"]) if row["end_reason"] is not None else None,
        winner_id=row["winner_id"],
    )


async def create_game(
    sessions: Sessions,
    *,
    guild_id: int,
    channel_id: int,
    starter_id: int,
    mode: Mode | str,
    kinds: Iterable[QuestionKind | str],
    rounds: int,
    started_at: datetime,
) -> int:
    """Record a new running game and return its id.

    Raises :class:`GameAlreadyRunning` if the channel has a running game (a partial unique
    index enforces one per channel, even across processes)."""
    values = {
        "guild_id": guild_id,
        "channel_id": channel_id,
        "starter_id": starter_id,
        "mode": Mode(mode).value,
        "kinds": [QuestionKind(kind).value for kind in kinds],
        "rounds": rounds,
        "started_at": aware(started_at, "started_at"),
    }
    try:
        async with sessions() as session, session.begin():
            result = await session.execute(GAMES.insert().values(values).returning(GAMES.c.id))
            return int(result.scalar_one())
    except IntegrityError as exc:
        raise GameAlreadyRunning() from exc


async def finish_game(
    sessions: Sessions,
    *,
    game_id: int,
    reason: EndReason | str,
    winner_id: int | None,
    ended_at: datetime,
) -> bool:
    """Close a running game. True if this call closed it; False if it was already closed (the
    first close wins and is kept, so retrying is safe). Raises :class:`UnknownGame`."""
    values = {
        "ended_at": aware(ended_at, "ended_at"),
        "end_reason": EndReason(reason).value,
        "winner_id": winner_id,
    }
    async with sessions() as session, session.begin():
        closed = await session.scalar(
            update(GAMES)
            .where(GAMES.c.id == game_id, GAMES.c.ended_at.is_(None))
            .values(values)
            .returning(GAMES.c.id)
        )
        if closed is not None:
            return True
        if await session.scalar(select(GAMES.c.id).where(GAMES.c.id == game_id)) is None:
            raise UnknownGame(f"no quiz game has id {game_id}")
        return False


async def get_game(sessions: Sessions, *, game_id: int) -> GameRecord | None:
    async with sessions() as session:
        row = first_as(await session.execute(select(GAMES).where(GAMES.c.id == game_id)), GameRow)
        return _game(row) if row is not None else None


async def running_games(sessions: Sessions) -> list[GameRecord]:
    """Every game not yet closed, oldest first."""
    async with sessions() as session:
        query = select(GAMES).where(GAMES.c.ended_at.is_(None)).order_by(GAMES.c.id)
        return [_game(row) for row in rows_as(await session.execute(query), GameRow)]


async def running_game_in_channel(sessions: Sessions, *, channel_id: int) -> GameRecord | None:
    async with sessions() as session:
        query = select(GAMES).where(GAMES.c.channel_id == channel_id, GAMES.c.ended_at.is_(None))
        row = first_as(await session.execute(query), GameRow)
        return _game(row) if row is not None else None


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a guild to."""
    return (guild_id >> 22) % shard_count


async def close_interrupted_games(
    sessions: Sessions,
    *,
    now: datetime,
    shard_count: int = 1,
    shard_ids: Collection[int] | None = None,
) -> list[InterruptedGame]:
    """At start-up: close every running game of this process's shards as ``interrupted``
    (no winner), and return them so the bot can tell each channel. One transaction.

    With several processes sharing one database, pass ``shard_count`` and this process's
    ``shard_ids`` so that the games other processes are running are left alone."""
    ended_at = aware(now, "now")
    if shard_count < 1:
        raise ValueError(f"shard_count must be 1 or more, not {shard_count}")
    running = [GAMES.c.ended_at.is_(None)]
    if shard_ids is not None:
        shard = GAMES.c.guild_id.op(">>")(literal(22, Integer)) % shard_count
        running.append(shard.in_(sorted(shard_ids)))
    # One UPDATE ... RETURNING: it locks (PostgreSQL) only the games it closes, so the games
    # other processes run are not even waited for.
    async with sessions() as session, session.begin():
        rows = (
            await session.execute(
                update(GAMES)
                .where(*running)
                .values(ended_at=ended_at, end_reason=EndReason.INTERRUPTED.value, winner_id=None)
                .returning(GAMES.c.id, GAMES.c.guild_id, GAMES.c.channel_id)
            )
        ).all()
    return sorted(InterruptedGame(row.id, row.guild_id, row.channel_id) for row in rows)
