"""Repositories for quizzes: game records, the answer ledger, leaderboards, player statistics
and per-guild settings.

Every function takes the session factory first and everything else by keyword, runs one
transaction per business operation, and returns plain data (no ORM rows leave this module).

**Time.** Every timestamp going in must be timezone-aware; it is stored in UTC
(``DateTime(timezone=True)``) and comes back as an aware UTC ``datetime`` on both engines
(SQLite drops the offset; :func:`_utc` puts it back).

**Ledger and aggregates.** :func:`record_question` writes a question's awards as ledger rows
(``quiz_answers``, unique per game, question and player) and, in the same transaction, adds the
rows it *newly* wrote to the aggregates:

* ``quiz_score_days``: per UTC day, guild, player and kind, plus an :data:`ALL_KINDS` row per
  day, guild and player (what an unfiltered board reads). Guild boards read it.
* ``quiz_player_totals``: all-time sums per player and kind (plus :data:`ALL_KINDS`), read in
  ranking order by the all-time global board, which would otherwise sum every day of every
  player; ``quiz_player_counts`` holds its number of rows per kind (the board's player count).
* ``quiz_recent_totals``: the same sums over the current global week and month, read in
  ranking order by the global week and month boards (which would otherwise group every player
  active in the window). ``quiz_recent_windows`` says which days it holds. Writes add to it
  the answers that fall in those days; the first global read of a new UTC day rebuilds it from
  ``quiz_score_days`` (one transaction, under a lock the writers share on PostgreSQL); a read
  about an earlier window sums ``quiz_score_days`` instead.

The sums are made by the database from the new ledger rows (``INSERT ... SELECT ... GROUP BY
... ON CONFLICT DO UPDATE``, one statement per aggregate), so their cost per answer stays in
SQL rather than in Python.

Writing the same question twice (a retry after a crash or an outage) inserts nothing the
second time and so adds nothing to the aggregates. :func:`rebuild_aggregates` recomputes the
aggregates from the ledger in SQL; the tests check it agrees with the incremental upkeep.

**Leaderboards** rank by points (more first), then correct answers (more first), then user id
(lower first: the older account). Ranks follow that order exactly: 1, 2, 3, ... with no ties.
Time windows are whole UTC days, because the aggregate is daily: ``week`` is the UTC day of
``now`` and the 6 days before it, ``month`` the day of ``now`` and the 29 before it (so an answer
8 days old is never in the week, and one 6.5 days old may already have left it). ``all`` counts
everything recorded.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    String,
    Subquery,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel

from bot.db.models import ALL_KINDS
from bot.errors import InvalidInput, UserFacingError
from bot.quiz.game import EndReason, GameSettings, Mode, QuestionResult
from bot.quiz.model import QuestionKind

Sessions = async_sessionmaker[AsyncSession]

_GAMES: Table = SQLModel.metadata.tables["quiz_games"]
_ANSWERS: Table = SQLModel.metadata.tables["quiz_answers"]
_DAYS: Table = SQLModel.metadata.tables["quiz_score_days"]
_TOTALS: Table = SQLModel.metadata.tables["quiz_player_totals"]
_COUNTS: Table = SQLModel.metadata.tables["quiz_player_counts"]
_RECENT: Table = SQLModel.metadata.tables["quiz_recent_totals"]
_WINDOWS: Table = SQLModel.metadata.tables["quiz_recent_windows"]
_SETTINGS: Table = SQLModel.metadata.tables["quiz_guild_settings"]
_HIDDEN: Table = SQLModel.metadata.tables["privacy_hidden"]

T = TypeVar("T")
_AGGREGATE_SUMS = ("points", "correct", "answers")
_SUMMED = tuple(
    _ANSWERS.c[name] for name in ("guild_id", "user_id", "kind", "correct", "points", "answered_at")
)
"""The ledger columns the aggregates are made of (returned by writes and deletes)."""
_CHUNK = 500
"""Rows per multi-row INSERT (well under SQLite's bound-parameter limit)."""


# --- errors ---------------------------------------------------------------------------------------


class GameAlreadyRunning(UserFacingError):
    """The channel already has a running game (at most one per channel, across processes)."""

    def __init__(self, message: str = "A quiz is already running in this channel.") -> None:
        super().__init__(message)


class UnknownGame(LookupError):
    """No game has this id (a programming error: ids come from :func:`create_game`)."""


class InvalidGuildSettings(InvalidInput, ValueError):
    """A settings change was refused; ``message`` says why, in words a server admin reads."""


# --- time -----------------------------------------------------------------------------------------


def _aware(value: datetime, name: str) -> datetime:
    """An input timestamp in UTC; naive ones are refused rather than guessed at."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not {value!r}")
    return value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive UTC values)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _dialect(session: AsyncSession | Session) -> str:
    return session.get_bind().dialect.name


def _insert(session: AsyncSession, table: Table) -> Any:
    """An INSERT that supports ON CONFLICT on the session's engine (SQLite or PostgreSQL)."""
    if _dialect(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _prepared(session: AsyncSession | Session, name: str, build: Callable[[Any], Any]) -> Any:
    """The statement ``build(insert)`` makes for the session's engine (``insert``: the
    engine's INSERT ... ON CONFLICT), built once per engine kind and reused. Building one is
    not free (``insert.excluded`` makes a table alias with a proxy per column, and a new
    statement needs a new cache key), and the ledger writes run several per closed question.
    Statements take their values as parameters, so one object serves every call."""
    dialect = _dialect(session)
    statement = _STATEMENTS.get((dialect, name))
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _STATEMENTS[(dialect, name)] = build(insert)
    return statement


def _chunks(rows: Sequence[T], size: int = _CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# --- games ----------------------------------------------------------------------------------------


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


class InterruptedGame(NamedTuple):
    """A game :func:`close_interrupted_games` closed, so the bot can tell its channel."""

    id: int
    guild_id: int
    channel_id: int


def _game(row: Any) -> GameRecord:
    return GameRecord(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        starter_id=row.starter_id,
        mode=Mode(row.mode),
        kinds=tuple(QuestionKind(kind) for kind in row.kinds),
        rounds=row.rounds,
        started_at=_utc(row.started_at),
        ended_at=_utc_or_none(row.ended_at),
        end_reason=EndReason(row.end_reason) if row.end_reason is not None else None,
        winner_id=row.winner_id,
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
        "started_at": _aware(started_at, "started_at"),
    }
    try:
        async with sessions() as session, session.begin():
            result = await session.execute(_GAMES.insert().values(values).returning(_GAMES.c.id))
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
        "ended_at": _aware(ended_at, "ended_at"),
        "end_reason": EndReason(reason).value,
        "winner_id": winner_id,
    }
    async with sessions() as session, session.begin():
        closed = await session.scalar(
            update(_GAMES)
            .where(_GAMES.c.id == game_id, _GAMES.c.ended_at.is_(None))
            .values(values)
            .returning(_GAMES.c.id)
        )
        if closed is not None:
            return True
        if await session.scalar(select(_GAMES.c.id).where(_GAMES.c.id == game_id)) is None:
            raise UnknownGame(f"no quiz game has id {game_id}")
        return False


async def get_game(sessions: Sessions, *, game_id: int) -> GameRecord | None:
    async with sessions() as session:
        row = (await session.execute(select(_GAMES).where(_GAMES.c.id == game_id))).first()
        return _game(row) if row is not None else None


async def running_games(sessions: Sessions) -> list[GameRecord]:
    """Every game not yet closed, oldest first."""
    async with sessions() as session:
        query = select(_GAMES).where(_GAMES.c.ended_at.is_(None)).order_by(_GAMES.c.id)
        return [_game(row) for row in (await session.execute(query)).all()]


async def running_game_in_channel(sessions: Sessions, *, channel_id: int) -> GameRecord | None:
    async with sessions() as session:
        query = select(_GAMES).where(_GAMES.c.channel_id == channel_id, _GAMES.c.ended_at.is_(None))
        row = (await session.execute(query)).first()
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
    ended_at = _aware(now, "now")
    if shard_count < 1:
        raise ValueError(f"shard_count must be 1 or more, not {shard_count}")
    running = [_GAMES.c.ended_at.is_(None)]
    if shard_ids is not None:
        shard = _GAMES.c.guild_id.op(">>")(literal(22, Integer)) % shard_count
        running.append(shard.in_(sorted(shard_ids)))
    # One UPDATE ... RETURNING: it locks (PostgreSQL) only the games it closes, so the games
    # other processes run are not even waited for.
    async with sessions() as session, session.begin():
        rows = (
            await session.execute(
                update(_GAMES)
                .where(*running)
                .values(ended_at=ended_at, end_reason=EndReason.INTERRUPTED.value, winner_id=None)
                .returning(_GAMES.c.id, _GAMES.c.guild_id, _GAMES.c.channel_id)
            )
        ).all()
    return sorted(InterruptedGame(row.id, row.guild_id, row.channel_id) for row in rows)


# --- the answer ledger ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One ledger row: one player's answer to one question."""

    game_id: int
    question_number: int
    guild_id: int
    channel_id: int
    user_id: int
    kind: QuestionKind
    record_slug: str
    """The slug of the catalogue record the question was about."""
    correct: bool
    points: int
    response_ms: int
    answered_at: datetime


def answers_from_result(
    *,
    game_id: int,
    guild_id: int,
    channel_id: int,
    result: QuestionResult,
    opened_at: datetime,
) -> list[AnswerRecord]:
    """The ledger rows for a closed question. ``opened_at`` is the wall-clock moment the
    question opened; each answer's time is that plus its response time. Void closes (skipped,
    stopped, ...) keep each answer's correctness with the 0 points the game gave it."""
    opened = _aware(opened_at, "opened_at")
    question = result.question
    return [
        AnswerRecord(
            game_id=game_id,
            question_number=result.number,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=award.player_id,
            kind=question.kind,
            record_slug=question.subject_slug,
            correct=award.correct,
            points=award.points,
            response_ms=round(award.response_time * 1000),
            answered_at=opened + timedelta(seconds=award.response_time),
        )
        for award in result.awards
    ]


async def record_question(
    sessions: Sessions,
    *,
    game_id: int,
    guild_id: int,
    channel_id: int,
    result: QuestionResult,
    opened_at: datetime,
) -> int:
    """Write a closed question's awards to the ledger and the aggregates in one transaction;
    return how many ledger rows were new (0 when the question was already written)."""
    answers = answers_from_result(
        game_id=game_id,
        guild_id=guild_id,
        channel_id=channel_id,
        result=result,
        opened_at=opened_at,
    )
    return await record_answers(sessions, answers=answers)


async def record_answers(sessions: Sessions, *, answers: Sequence[AnswerRecord]) -> int:
    """Insert-or-ignore ``answers`` (unique per game, question and player) and add the new ones
    to the aggregates, all in one transaction. Returns how many rows were new."""
    rows = [_ledger_values(answer) for answer in answers]
    if not rows:
        return 0
    async with sessions() as session, session.begin():
        return await session.run_sync(_write_ledger, rows)


def record_answers_blocking(
    sessions: sessionmaker[Session], *, answers: Sequence[AnswerRecord]
) -> int:
    """:func:`record_answers` on a synchronous engine, for a worker thread: one call runs the
    whole transaction, with no hand-off to the event loop between its statements."""
    rows = [_ledger_values(answer) for answer in answers]
    if not rows:
        return 0
    with sessions() as session, session.begin():
        return _write_ledger(session, rows)


def _write_ledger(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    inserted: list[Any] = []
    # One statement with the rows as parameters (an "executemany"): its SQL is compiled
    # once and cached, where a VALUES list of a new length each time was not.
    statement = _prepared(
        session,
        "ledger",
        lambda insert: (
            insert(_ANSWERS)
            .on_conflict_do_nothing(index_elements=["game_id", "question_number", "user_id"])
            .returning(_ANSWERS.c.id, _ANSWERS.c.kind, _ANSWERS.c.user_id)
        ),
    )
    for chunk in _chunks(rows):
        inserted.extend(session.execute(statement, list(chunk)).all())
    step = len(inserted) if _dialect(session) == "postgresql" else _IDS_PER_STATEMENT
    for start in range(0, len(inserted), max(step, 1)):
        _add_to_aggregates(session, inserted[start : start + step])
    return len(inserted)


def _ledger_values(answer: AnswerRecord) -> dict[str, Any]:
    if answer.points < 0 or answer.response_ms < 0 or answer.question_number < 1:
        raise ValueError(f"not a valid answer record: {answer!r}")
    return {
        "game_id": answer.game_id,
        "question_number": answer.question_number,
        "guild_id": answer.guild_id,
        "channel_id": answer.channel_id,
        "user_id": answer.user_id,
        "kind": QuestionKind(answer.kind).value,
        "record_slug": answer.record_slug,
        "correct": bool(answer.correct),
        "points": answer.points,
        "response_ms": answer.response_ms,
        "answered_at": _aware(answer.answered_at, "answered_at"),
    }


_IDS_PER_STATEMENT = 1000
"""New ledger rows summed into the aggregates per statement on SQLite (see :func:`_new_rows`)."""


def _ledger_sums(answers: Any) -> tuple[Any, ...]:
    return (
        func.sum(answers.points).label("points"),
        func.sum(case((answers.correct, 1), else_=0)).label("correct"),
        func.count().label("answers"),
    )


def _sums_upsert(
    insert: Any, table: Table, key: Sequence[str], per_kind: Select[Any], every_kind: Select[Any]
) -> Any:
    """INSERT INTO ``table`` the rows of ``per_kind`` and ``every_kind`` (its ALL_KINDS rows),
    in key order (concurrent writers lock rows in one order, so they never deadlock), adding
    to the rows that exist."""
    rows = union_all(per_kind, every_kind).subquery()
    ordered = select(*rows.c).order_by(*(rows.c[name] for name in key))
    statement = insert(table).from_select([*key, *_AGGREGATE_SUMS], ordered)
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in _AGGREGATE_SUMS},
    )


def _new_rows(dialect: str) -> ColumnElement[bool]:
    """The ledger rows whose ids are the ``ids`` parameter. PostgreSQL takes them as one
    array (``= ANY``), so a transaction's new rows go in one statement per aggregate however
    many there are, and its rows are locked in one key order (several statements would each
    be in order, but not together: two writers could deadlock). SQLite takes an IN list, a
    thousand at a time (one writer at a time there, so nothing to deadlock with)."""
    if dialect == "postgresql":
        return _ANSWERS.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    return _ANSWERS.c.id.in_(bindparam("ids", expanding=True))


def _day_sums(dialect: str, *where: ColumnElement[bool]) -> tuple[Select[Any], Select[Any]]:
    """The ledger rows matching ``where`` summed per guild, kind, UTC day and player, and per
    guild, day and player (the ALL_KINDS rows): the rows of ``quiz_score_days``."""
    a = _ANSWERS.c
    day = _day_sql(dialect, a.answered_at).label("day")
    every = cast(literal(ALL_KINDS), String(30)).label("kind")
    per_kind = select(a.guild_id, a.kind, day, a.user_id, *_ledger_sums(a))
    per_kind = per_kind.where(*where).group_by(a.guild_id, a.kind, day, a.user_id)
    every_kind = select(a.guild_id, every, day, a.user_id, *_ledger_sums(a))
    every_kind = every_kind.where(*where).group_by(a.guild_id, day, a.user_id)
    return per_kind, every_kind


def _days_upsert(insert: Any, dialect: str) -> Any:
    per_kind, every_kind = _day_sums(dialect, _new_rows(dialect))
    key = ("guild_id", "kind", "day", "user_id")
    return _sums_upsert(insert, _DAYS, key, per_kind, every_kind)


def _totals_upsert(insert: Any, dialect: str) -> Any:
    a = _ANSWERS.c
    new = _new_rows(dialect)
    every = cast(literal(ALL_KINDS), String(30)).label("kind")
    per_kind = select(a.kind, a.user_id, *_ledger_sums(a)).where(new).group_by(a.kind, a.user_id)
    every_kind = select(every, a.user_id, *_ledger_sums(a)).where(new).group_by(a.user_id)
    statement = _sums_upsert(insert, _TOTALS, ("kind", "user_id"), per_kind, every_kind)
    return statement.returning(_TOTALS.c.kind, _TOTALS.c.user_id, _TOTALS.c.answers)


def _recent_upsert(insert: Any, dialect: str) -> Any:
    a, w = _ANSWERS.c, _WINDOWS.c
    day = _day_sql(dialect, a.answered_at)
    joined = _ANSWERS.join(_WINDOWS, and_(day >= w.first_day, day <= w.last_day))
    new = _new_rows(dialect)
    every = cast(literal(ALL_KINDS), String(30)).label("kind")
    per_kind = select(w.period, a.kind, a.user_id, *_ledger_sums(a)).select_from(joined)
    per_kind = per_kind.where(new).group_by(w.period, a.kind, a.user_id)
    every_kind = select(w.period, every, a.user_id, *_ledger_sums(a)).select_from(joined)
    every_kind = every_kind.where(new).group_by(w.period, a.user_id)
    return _sums_upsert(insert, _RECENT, ("period", "kind", "user_id"), per_kind, every_kind)


def _add_to_aggregates(session: Session, inserted: Sequence[Any]) -> None:
    """Add the ledger rows just inserted (``inserted``: their id, kind and user_id) to every
    aggregate: the sums are made by the database from the rows themselves (INSERT ... SELECT
    ... GROUP BY), so the cost per answer stays in SQL, not in Python."""
    if not inserted:
        return
    dialect = _dialect(session)
    ids = {"ids": [row.id for row in inserted]}
    session.execute(_prepared(session, "days", lambda i: _days_upsert(i, dialect)), ids)
    totals = _prepared(session, "totals", lambda i: _totals_upsert(i, dialect))
    after = (session.execute(totals, ids)).all()
    added = Counter(
        key for row in inserted for key in ((row.kind, row.user_id), (ALL_KINDS, row.user_id))
    )
    _count_new_players(session, added, after)
    # The global week and month (quiz_recent_totals) hold the answers in their windows. On
    # PostgreSQL the windows are read FOR SHARE first: a reader moving a window to a new day
    # waits for this transaction, and this one for it (see :func:`_move_window`).
    if dialect == "postgresql":
        windows = select(_WINDOWS.c.period).with_for_update(read=True)
        if not (session.execute(windows)).all():
            return
    session.execute(_prepared(session, "recent", lambda i: _recent_upsert(i, dialect)), ids)


def _count_new_players(
    session: Session,
    added: Counter[tuple[str, int]],
    after: Sequence[Any],
) -> None:
    """Count in ``quiz_player_counts`` the ``quiz_player_totals`` rows the upsert just
    created. ``added``: answers this transaction added per (kind, player); ``after`` holds
    each upserted row's ``answers`` once written: a row whose count is
    exactly what this transaction added was created by it, since a stored row always counts at
    least one answer (rows left at zero are deleted, see :func:`forget_answers`). With two
    writers adding the same new player at once, the second waits for the first's row and then
    sees both counts, so the player is counted once."""
    new: dict[str, int] = defaultdict(int)
    for row in after:
        if row.answers == added[(row.kind, row.user_id)]:
            new[row.kind] += 1
    if not new:
        return

    def count(insert: Any) -> Any:
        statement = insert(_COUNTS)
        return statement.on_conflict_do_update(
            index_elements=["kind"],
            set_={"players": _COUNTS.c.players + statement.excluded.players},
        )

    session.execute(
        _prepared(session, "player counts", count),
        [{"kind": kind, "players": n} for kind, n in sorted(new.items())],
    )


def _day_sql(dialect: str, column: Any) -> Any:
    """SQL for the UTC calendar day of a stored timestamp (what ``_utc(ts).date()`` gives)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


async def rebuild_aggregates(sessions: Sessions) -> None:
    """Recompute the aggregates from the ledger in SQL, in one transaction. Not needed in
    normal operation (they are kept in step by :func:`record_answers`); used to fill them
    after a bulk load, and by the tests as an independent check."""
    async with sessions() as session, session.begin():
        # The recent windows are dropped: the next global read rebuilds them from the days.
        for table in (_DAYS, _TOTALS, _COUNTS, _RECENT, _WINDOWS):
            await session.execute(delete(table))
        per_kind, every_kind = _day_sums(_dialect(session))
        columns = ["guild_id", "kind", "day", "user_id", *_AGGREGATE_SUMS]
        await session.execute(_DAYS.insert().from_select(columns, union_all(per_kind, every_kind)))
        totals = select(
            _DAYS.c.kind,
            _DAYS.c.user_id,
            *(func.sum(_DAYS.c[name]) for name in _AGGREGATE_SUMS),
        ).group_by(_DAYS.c.kind, _DAYS.c.user_id)
        await session.execute(
            _TOTALS.insert().from_select(["kind", "user_id", *_AGGREGATE_SUMS], totals)
        )
        counts = select(_TOTALS.c.kind, func.count()).group_by(_TOTALS.c.kind)
        await session.execute(_COUNTS.insert().from_select(["kind", "players"], counts))


async def forget_answers(sessions: Sessions, *, guild_id: int, user_id: int | None = None) -> int:
    """Delete the answers given in ``guild_id`` (only ``user_id``'s, if given) from the ledger
    and take them out of every aggregate, in one transaction: they then count on no board, in
    this server or globally, and in nobody's statistics. Games stay on record, without the
    forgotten wins. Returns how many answers were deleted.

    The rows are deleted first (``DELETE ... RETURNING``), so the sums subtracted are exactly
    those of the rows this transaction removed: an answer another writer commits meanwhile is
    either deleted here and subtracted, or kept and counted, never half of each."""
    conditions = [_ANSWERS.c.guild_id == guild_id]
    if user_id is not None:
        conditions.append(_ANSWERS.c.user_id == user_id)
    async with sessions() as session, session.begin():
        deleted = (
            await session.execute(delete(_ANSWERS).where(*conditions).returning(*_SUMMED))
        ).all()
        if deleted:
            await _subtract_from_aggregates(session, deleted)
        # A win counts in statistics ("games won"): forgotten with the answers that made it.
        wins = [_GAMES.c.guild_id == guild_id, _GAMES.c.winner_id.is_not(None)]
        if user_id is not None:
            wins.append(_GAMES.c.winner_id == user_id)
        await session.execute(update(_GAMES).where(*wins).values(winner_id=None))
        return len(deleted)


async def _subtract_from_aggregates(session: AsyncSession, deleted: Sequence[Any]) -> None:
    query = select(_WINDOWS.c.period, _WINDOWS.c.first_day, _WINDOWS.c.last_day)
    if _dialect(session) == "postgresql":
        query = query.with_for_update(read=True)  # as in _add_to_aggregates
    windows = (await session.execute(query)).all()
    days: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    recent: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in deleted:
        day = _utc(row.answered_at).date()
        delta = (row.points, 1 if row.correct else 0, 1)
        periods = [w.period for w in windows if w.first_day <= day <= w.last_day]
        for kind in (row.kind, ALL_KINDS):
            targets = [days[(row.guild_id, kind, day, row.user_id)], totals[(kind, row.user_id)]]
            targets += [recent[(period, kind, row.user_id)] for period in periods]
            for sums in targets:
                for i, value in enumerate(delta):
                    sums[i] += value
    # Sorted keys, as the writers lock them (no deadlock with a concurrent record_answers).
    await _subtract_sums(session, _DAYS, ("guild_id", "kind", "day", "user_id"), days)
    await _subtract_sums(session, _TOTALS, ("kind", "user_id"), totals)
    await _subtract_sums(session, _RECENT, ("period", "kind", "user_id"), recent)
    # Rows left counting nothing go, so boards and player counts leave the forgotten out.
    # Only the rows just touched are looked at (through their primary keys), never a scan
    # of a whole aggregate.
    users = sorted({row.user_id for row in deleted})
    guilds = sorted({row.guild_id for row in deleted})
    kinds = sorted({key[0] for key in totals})
    periods = sorted({key[0] for key in recent})
    gone: list[str] = []
    for chunk in _chunks(users):
        empty_days = and_(_DAYS.c.guild_id.in_(guilds), _DAYS.c.kind.in_(kinds))
        await session.execute(
            delete(_DAYS).where(empty_days, _DAYS.c.user_id.in_(chunk), _DAYS.c.answers <= 0)
        )
        if periods:
            empty_recent = and_(_RECENT.c.period.in_(periods), _RECENT.c.kind.in_(kinds))
            await session.execute(
                delete(_RECENT).where(
                    empty_recent, _RECENT.c.user_id.in_(chunk), _RECENT.c.answers <= 0
                )
            )
        empty_totals = and_(_TOTALS.c.kind.in_(kinds), _TOTALS.c.user_id.in_(chunk))
        gone += (
            await session.scalars(
                delete(_TOTALS)
                .where(empty_totals, _TOTALS.c.answers <= 0)
                .returning(_TOTALS.c.kind)
            )
        ).all()
    for kind, count in sorted(Counter(gone).items()):
        await session.execute(
            update(_COUNTS).where(_COUNTS.c.kind == kind).values(players=_COUNTS.c.players - count)
        )
    await session.execute(delete(_COUNTS).where(_COUNTS.c.players <= 0))


async def _subtract_sums(
    session: AsyncSession,
    table: Table,
    key: tuple[str, ...],
    sums: dict[tuple[Any, ...], list[int]],
) -> None:
    if not sums:
        return
    statement = (
        update(table)
        .where(*(table.c[name] == bindparam(f"k_{name}") for name in key))
        .values({name: table.c[name] - bindparam(f"d_{name}") for name in _AGGREGATE_SUMS})
    )
    rows = [
        {f"k_{name}": value for name, value in zip(key, keys, strict=True)}
        | {f"d_{name}": value for name, value in zip(_AGGREGATE_SUMS, values, strict=True)}
        for keys, values in sorted(sums.items())
    ]
    for chunk in _chunks(rows):
        await session.execute(statement, list(chunk))


# --- leaderboards ---------------------------------------------------------------------------------


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


PERIOD_DAYS = {Period.WEEK: 7, Period.MONTH: 30}
"""How many UTC days (counting today) each windowed period covers."""
MAX_PAGE_SIZE = 100


class LeaderboardEntry(NamedTuple):
    rank: int
    user_id: int
    points: int
    correct: int
    answers: int


class PlayerRank(NamedTuple):
    rank: int
    points: int


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    entries: tuple[LeaderboardEntry, ...]
    total_players: int
    """Players with at least one answer in the scope, period and kind."""
    page: int
    """1-based; a page before the first is the first, a page past the end the last."""
    pages: int
    """At least 1, even when nobody has played."""
    since: date | None
    """The first UTC day counted, or None for all time."""


def period_start(period: Period | str, now: datetime) -> date | None:
    """The first UTC day a period counts (it ends with the UTC day of ``now``)."""
    days = PERIOD_DAYS.get(Period(period))
    if days is None:
        return None
    return _aware(now, "now").date() - timedelta(days=days - 1)


def _kind_key(kind: QuestionKind | str | None) -> str:
    return ALL_KINDS if kind is None else QuestionKind(kind).value


def _shown(user_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Not a member who asked to be left off the leaderboards (``/privacy hide``)."""
    return user_id.not_in(select(_HIDDEN.c.user_id))


def _ranking(totals: Subquery | Table | Any) -> tuple[ColumnElement[Any], ...]:
    return (totals.c.points.desc(), totals.c.correct.desc(), totals.c.user_id.asc())


def grouped_totals(
    source: Table,
    *,
    conditions: Sequence[ColumnElement[bool]],
    points: ColumnElement[Any],
    correct: ColumnElement[Any],
    answers: ColumnElement[Any],
) -> Subquery:
    """``(user_id, points, correct, answers)`` per player: the input to both ranking queries.
    Public so the benchmark can run the very same ranking over the raw ledger."""
    return (
        select(
            source.c.user_id,
            points.label("points"),
            correct.label("correct"),
            answers.label("answers"),
        )
        .where(*conditions)
        .group_by(source.c.user_id)
        .subquery("totals")
    )


def _limit_offset(query: Select[Any]) -> Select[Any]:
    return query.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))


def ranked_page_query(totals: Subquery) -> Select[Any]:
    """One page of ``totals`` in ranking order (bound ``offset`` and ``limit``), each row with
    the number of players."""
    return _limit_offset(
        select(
            totals.c.user_id,
            totals.c.points,
            totals.c.correct,
            totals.c.answers,
            func.count().over().label("total"),
        ).order_by(*_ranking(totals))
    )


def rank_query(totals: Subquery) -> Select[Any]:
    """``(rank, points)`` of the player bound as ``user_id`` in ``totals``."""
    ranked = select(
        totals.c.user_id,
        totals.c.points,
        func.row_number().over(order_by=_ranking(totals)).label("rank"),
    ).subquery("ranked")
    return select(ranked.c.rank, ranked.c.points).where(
        ranked.c.user_id == bindparam("user_id", type_=BigInteger)
    )


@dataclass(frozen=True, slots=True)
class _Board:
    """A board's statements, built once per shape with bound parameters (building a SELECT
    costs more than running it when it reads a few hundred aggregate rows). ``page`` rows carry
    ``total``; ``count`` gives ``total``; a board read from ``quiz_recent_totals`` also returns
    ``window_day``, the last day that table currently sums, which the caller must check."""

    page: Select[Any]
    rank: Select[Any]
    count: Select[Any]
    recent: bool = False


@functools.cache
def _day_board(*, by_guild: bool, windowed: bool) -> _Board:
    """Sums over ``quiz_score_days``: a guild (a range of its primary key) or every guild (a
    range of ``ix_quiz_score_days_kind_day``), in a window of days or for all time."""
    conditions: list[ColumnElement[bool]] = [
        _DAYS.c.kind == bindparam("kind", type_=String),
        _shown(_DAYS.c.user_id),
    ]
    if by_guild:
        conditions.append(_DAYS.c.guild_id == bindparam("guild_id", type_=BigInteger))
    if windowed:
        conditions += [
            _DAYS.c.day >= bindparam("since", type_=Date),
            _DAYS.c.day <= bindparam("until", type_=Date),
        ]
    totals = grouped_totals(
        _DAYS,
        conditions=conditions,
        points=func.sum(_DAYS.c.points),
        correct=func.sum(_DAYS.c.correct),
        answers=func.sum(_DAYS.c.answers),
    )
    return _Board(
        page=ranked_page_query(totals),
        rank=rank_query(totals),
        count=select(func.count().label("total")).select_from(totals),
    )


def _row_board(table: Table, keys: Sequence[str], total: Any, *, recent: bool) -> _Board:
    """A table with one row per player, read in the order of its ranking index: a page is an
    index range, a rank two index range counts (more points; same points but ahead on the
    tie-breaks) instead of ranking everyone."""

    def where(source: Any) -> list[ColumnElement[bool]]:
        keyed = [source.c[key] == bindparam(key, type_=table.c[key].type) for key in keys]
        return [*keyed, _shown(source.c.user_id)]

    extra: list[Any] = []
    if recent:
        extra.append(
            select(_WINDOWS.c.last_day)
            .where(_WINDOWS.c.period == bindparam("period", type_=String))
            .scalar_subquery()
            .label("window_day")
        )
    page = _limit_offset(
        select(
            table.c.user_id,
            table.c.points,
            table.c.correct,
            table.c.answers,
            total.label("total"),
            *extra,
        )
        .where(*where(table))
        .order_by(*_ranking(table))
    )
    me, other = table.alias("me"), table.alias("other")
    same = [*(other.c[key] == me.c[key] for key in keys), _shown(other.c.user_id)]
    higher = (
        select(func.count())
        .select_from(other)
        .where(*same, other.c.points > me.c.points)
        .scalar_subquery()
    )
    level = (
        select(func.count())
        .select_from(other)
        .where(
            *same,
            other.c.points == me.c.points,
            or_(
                other.c.correct > me.c.correct,
                and_(other.c.correct == me.c.correct, other.c.user_id < me.c.user_id),
            ),
        )
        .scalar_subquery()
    )
    rank = select((higher + level + 1).label("rank"), me.c.points, *extra).where(
        *where(me), me.c.user_id == bindparam("user_id", type_=BigInteger)
    )
    return _Board(page=page, rank=rank, count=select(total.label("total"), *extra), recent=recent)


_TOTALS_BOARD = _row_board(
    _TOTALS,
    ["kind"],
    # The kept count, less the hidden members who have a row (a handful, read by key).
    func.coalesce(
        select(_COUNTS.c.players)
        .where(_COUNTS.c.kind == bindparam("kind", type_=String))
        .scalar_subquery(),
        0,
    )
    - select(func.count())
    .select_from(_HIDDEN.join(_TOTALS, _TOTALS.c.user_id == _HIDDEN.c.user_id))
    .where(_TOTALS.c.kind == bindparam("kind", type_=String))
    .scalar_subquery(),
    recent=False,
)
_RECENT_BOARD = _row_board(
    _RECENT,
    ["period", "kind"],
    select(func.count())
    .select_from(_RECENT)
    .where(
        _RECENT.c.period == bindparam("period", type_=String),
        _RECENT.c.kind == bindparam("kind", type_=String),
        _shown(_RECENT.c.user_id),
    )
    .scalar_subquery(),
    recent=True,
)


@dataclass(frozen=True, slots=True)
class _Filters:
    params: dict[str, Any]
    period: Period
    by_guild: bool
    since: date | None
    today: date

    def board(self) -> _Board:
        if self.by_guild:
            return _day_board(by_guild=True, windowed=self.since is not None)
        if self.since is None:
            # All-time global: one row per player in ``quiz_player_totals``.
            return _TOTALS_BOARD
        # Global week or month: one row per player in ``quiz_recent_totals``, if it holds the
        # window ending today (see :func:`_recent_is_current`).
        return _RECENT_BOARD

    def fallback(self) -> _Board:
        """For a global window that ``quiz_recent_totals`` does not hold: sum the days."""
        return _day_board(by_guild=False, windowed=True)


def _filters(
    *, guild_id: int | None, period: Period | str, kind: QuestionKind | str | None, now: datetime
) -> _Filters:
    period = Period(period)
    since = period_start(period, now)
    today = _aware(now, "now").date()
    params: dict[str, Any] = {"kind": _kind_key(kind), "period": period.value}
    if guild_id is not None:
        params["guild_id"] = guild_id
    if since is not None:
        params |= {"since": since, "until": today}
    return _Filters(params, period, guild_id is not None, since, today)


async def _recent_is_current(sessions: Sessions, period: Period, today: date) -> bool:
    """Whether ``quiz_recent_totals`` holds ``period``'s window ending ``today``, after
    moving it there if it held an earlier one (the first global read of a UTC day rebuilds it
    from ``quiz_score_days``, in one transaction). False if it holds a later window: a read
    about the past, which the caller answers from the daily aggregate instead."""
    async with sessions() as session:
        last = await session.scalar(
            select(_WINDOWS.c.last_day).where(_WINDOWS.c.period == period.value)
        )
    if last is not None:
        return bool(last == today) or (last < today and await _move_window(sessions, period, today))
    return await _move_window(sessions, period, today)


async def _move_window(sessions: Sessions, period: Period, today: date) -> bool:
    first = today - timedelta(days=PERIOD_DAYS[period] - 1)
    window = {"first_day": first, "last_day": today}
    async with sessions() as session, session.begin():
        if _dialect(session) == "postgresql":
            # Wait for the writers that have read the windows (FOR SHARE) and keep new ones
            # out until this move commits. A row lock is not enough when the window row is
            # new: a writer that found no window skipped the recent totals, and the rebuild
            # below would not see its uncommitted days either.
            await session.execute(text("LOCK TABLE quiz_recent_windows IN EXCLUSIVE MODE"))
        # Claim the move with a write first: the claim takes the write lock (SQLite) or the
        # row lock, which writers of answers share (PostgreSQL), so no answer is added to the
        # old window after the rebuild below has read the days.
        claimed = await session.scalar(
            update(_WINDOWS)
            .where(_WINDOWS.c.period == period.value, _WINDOWS.c.last_day < today)
            .values(window)
            .returning(_WINDOWS.c.period)
        )
        if claimed is None:
            claimed = await session.scalar(
                _insert(session, _WINDOWS)
                .values(period=period.value, **window)
                .on_conflict_do_nothing(index_elements=["period"])
                .returning(_WINDOWS.c.period)
            )
        if claimed is None:  # another reader moved it first
            last = await session.scalar(
                select(_WINDOWS.c.last_day).where(_WINDOWS.c.period == period.value)
            )
            return bool(last == today)
        await session.execute(delete(_RECENT).where(_RECENT.c.period == period.value))
        sums = select(
            literal(period.value, String(10)),
            _DAYS.c.kind,
            _DAYS.c.user_id,
            *(func.sum(_DAYS.c[name]) for name in _AGGREGATE_SUMS),
        ).where(_DAYS.c.day >= first, _DAYS.c.day <= today)
        await session.execute(
            _RECENT.insert().from_select(
                ["period", "kind", "user_id", *_AGGREGATE_SUMS],
                sums.group_by(_DAYS.c.kind, _DAYS.c.user_id),
            )
        )
        if _dialect(session) == "postgresql":
            # Fresh statistics for the planner (read the ranking index in order rather than
            # sort the window), without waiting for autovacuum; a few ms once a day.
            await session.execute(text("ANALYZE quiz_recent_totals"))
        return True


async def _read_page(
    sessions: Sessions, board: _Board, params: dict[str, Any], page: int, page_size: int
) -> tuple[list[Any], int, int, date | None]:
    """``(rows, total, page, window_day)``; a page past the end is answered with the last."""

    def window(number: int) -> dict[str, Any]:
        return params | {"offset": (number - 1) * page_size, "limit": page_size}

    async with sessions() as session:
        rows = list((await session.execute(board.page, window(page))).all())
        if rows:
            first = rows[0]
        else:  # past the end, or nobody played
            first = (await session.execute(board.count, params)).one()
            last = max(1, math.ceil(int(first.total or 0) / page_size))
            if page > last:
                page = last
                rows = list((await session.execute(board.page, window(page))).all())
    window_day = first.window_day if board.recent else None
    return rows, int(first.total or 0), page, window_day


async def leaderboard(
    sessions: Sessions,
    *,
    guild_id: int | None,
    period: Period | str,
    kind: QuestionKind | str | None,
    now: datetime,
    page: int = 1,
    page_size: int = 10,
) -> LeaderboardPage:
    """One page of the leaderboard of a guild (``guild_id``) or of everyone (None).

    Ranked by points, then correct answers, then the lower user id (the older account); see
    the module docstring for the periods. ``kind`` None counts every kind of question. A page
    before the first is the first; a page past the end is the last."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
    filters = _filters(guild_id=guild_id, period=period, kind=kind, now=now)
    board = filters.board()
    rows, total, page, window_day = await _read_page(
        sessions, board, filters.params, max(1, page), page_size
    )
    if board.recent and window_day != filters.today:
        if not await _recent_is_current(sessions, filters.period, filters.today):
            board = filters.fallback()
        rows, total, page, window_day = await _read_page(
            sessions, board, filters.params, max(1, page), page_size
        )
        if board.recent and window_day != filters.today:  # moved on meanwhile: sum the days
            rows, total, page, _ = await _read_page(
                sessions, filters.fallback(), filters.params, max(1, page), page_size
            )
    first = (page - 1) * page_size + 1
    return LeaderboardPage(
        entries=tuple(
            LeaderboardEntry(
                rank=first + i,
                user_id=int(row.user_id),
                points=int(row.points),
                correct=int(row.correct),
                answers=int(row.answers),
            )
            for i, row in enumerate(rows)
        ),
        total_players=total,
        page=page,
        pages=max(1, math.ceil(total / page_size)),
        since=filters.since,
    )


async def _read_rank(
    sessions: Sessions, board: _Board, params: dict[str, Any]
) -> tuple[PlayerRank | None, date | None]:
    async with sessions() as session:
        row = (await session.execute(board.rank, params)).first()
        if row is None and board.recent:
            window_day = (await session.execute(board.count, params)).one().window_day
        else:
            window_day = row.window_day if row is not None and board.recent else None
    rank = PlayerRank(rank=int(row.rank), points=int(row.points)) if row is not None else None
    return rank, window_day


async def player_rank(
    sessions: Sessions,
    *,
    guild_id: int | None,
    period: Period | str,
    kind: QuestionKind | str | None,
    now: datetime,
    user_id: int,
) -> PlayerRank | None:
    """Where ``user_id`` stands on the board :func:`leaderboard` would show for the same
    filters: ``(rank, points)``, or None if they have no answer there."""
    filters = _filters(guild_id=guild_id, period=period, kind=kind, now=now)
    params = filters.params | {"user_id": user_id}
    board = filters.board()
    rank, window_day = await _read_rank(sessions, board, params)
    if board.recent and window_day != filters.today:
        if await _recent_is_current(sessions, filters.period, filters.today):
            rank, window_day = await _read_rank(sessions, board, params)
        if not board.recent or window_day != filters.today:
            rank, _ = await _read_rank(sessions, filters.fallback(), params)
    return rank


# --- player statistics ----------------------------------------------------------------------------


HARDEST_KIND_MIN_ANSWERS = 5
"""A kind needs at least this many answers to be called a player's hardest: fewer says more
about luck than about difficulty."""


@dataclass(frozen=True, slots=True)
class KindStats:
    kind: QuestionKind
    answers: int
    correct: int
    points: int

    @property
    def accuracy(self) -> float:
        """Correct answers / answers (0.0 to 1.0)."""
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True, slots=True)
class PlayerStats:
    user_id: int
    guild_id: int | None
    """The guild the figures are limited to, or None for everywhere."""
    games_played: int
    """Games with at least one answer from the player."""
    wins: int
    """Finished games the player won."""
    answers: int
    correct: int
    points: int
    average_response_ms: float | None
    """Over every answer; None without answers."""
    best_streak: int
    """Most consecutive correct answers, in answer order across games."""
    current_streak: int
    """Consecutive correct answers up to the latest one."""
    kinds: tuple[KindStats, ...]
    """Per question kind the player answered, in :class:`QuestionKind` order."""
    favourite_kind: QuestionKind | None
    """Most answered kind (ties: the first in :class:`QuestionKind` order)."""
    hardest_kind: QuestionKind | None
    """Lowest accuracy among kinds with at least :data:`HARDEST_KIND_MIN_ANSWERS` answers (ties:
    more answers, then :class:`QuestionKind` order); None if no kind has that many."""

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


_KIND_ORDER = {kind: i for i, kind in enumerate(QuestionKind)}


def streaks(corrects: Iterable[bool]) -> tuple[int, int]:
    """``(best, current)`` runs of True in a sequence of answers, oldest first."""
    best = current = 0
    for correct in corrects:
        current = current + 1 if correct else 0
        best = max(best, current)
    return best, current


async def player_stats(
    sessions: Sessions, *, user_id: int, guild_id: int | None, now: datetime
) -> PlayerStats:
    """A player's figures as of ``now`` (later answers and games are not counted), everywhere
    or in one guild. Reads the ledger through its (user_id, answered_at) index."""
    until = _aware(now, "now")
    mine = [_ANSWERS.c.user_id == user_id, _ANSWERS.c.answered_at <= until]
    if guild_id is not None:
        mine.append(_ANSWERS.c.guild_id == guild_id)
    won = [
        _GAMES.c.winner_id == user_id,
        _GAMES.c.ended_at.is_not(None),
        _GAMES.c.ended_at <= until,
    ]
    if guild_id is not None:
        won.append(_GAMES.c.guild_id == guild_id)
    async with sessions() as session:
        per_kind = (
            await session.execute(
                select(
                    _ANSWERS.c.kind,
                    func.count().label("answers"),
                    func.sum(case((_ANSWERS.c.correct, 1), else_=0)).label("correct"),
                    func.sum(_ANSWERS.c.points).label("points"),
                    func.sum(_ANSWERS.c.response_ms).label("response_ms"),
                )
                .where(*mine)
                .group_by(_ANSWERS.c.kind)
            )
        ).all()
        games_played = int(
            await session.scalar(select(func.count(func.distinct(_ANSWERS.c.game_id))).where(*mine))
            or 0
        )
        wins = int(await session.scalar(select(func.count()).select_from(_GAMES).where(*won)) or 0)
        in_order = (
            select(_ANSWERS.c.correct).where(*mine).order_by(_ANSWERS.c.answered_at, _ANSWERS.c.id)
        )
        best, current = streaks(bool(c) for c in (await session.scalars(in_order)).all())

    kinds = sorted(
        (
            KindStats(
                kind=QuestionKind(row.kind),
                answers=int(row.answers),
                correct=int(row.correct),
                points=int(row.points),
            )
            for row in per_kind
        ),
        key=lambda stats: _KIND_ORDER[stats.kind],
    )
    answers = sum(stats.answers for stats in kinds)
    response_ms = sum(int(row.response_ms) for row in per_kind)
    favourite = min(kinds, key=lambda s: (-s.answers, _KIND_ORDER[s.kind]), default=None)
    hardest = min(
        (stats for stats in kinds if stats.answers >= HARDEST_KIND_MIN_ANSWERS),
        key=lambda s: (s.accuracy, -s.answers, _KIND_ORDER[s.kind]),
        default=None,
    )
    return PlayerStats(
        user_id=user_id,
        guild_id=guild_id,
        games_played=games_played,
        wins=wins,
        answers=answers,
        correct=sum(stats.correct for stats in kinds),
        points=sum(stats.points for stats in kinds),
        average_response_ms=response_ms / answers if answers else None,
        best_streak=best,
        current_streak=current,
        kinds=tuple(kinds),
        favourite_kind=favourite.kind if favourite is not None else None,
        hardest_kind=hardest.kind if hardest is not None else None,
    )


# --- guild settings -------------------------------------------------------------------------------


MIN_ROUNDS = GameSettings.MIN_ROUNDS
MAX_ROUNDS = GameSettings.MAX_ROUNDS
MIN_SECONDS = int(GameSettings.MIN_SECONDS)
MAX_SECONDS = int(GameSettings.MAX_SECONDS)
MAX_ALLOWED_CHANNELS = 25
_MAX_SNOWFLAKE = 2**63 - 1  # a signed BIGINT


@dataclass(frozen=True, slots=True)
class GuildQuizSettings:
    """A guild's quiz settings; ``GuildQuizSettings()`` is what a guild gets until it changes
    something."""

    default_rounds: int = 10
    seconds_per_question: int = 20
    mode: Mode = Mode.BUTTONS
    allowed_channel_ids: tuple[int, ...] = ()
    """Channels where quizzes may run; empty means every channel (but the denied ones)."""
    denied_channel_ids: tuple[int, ...] = ()
    """Channels where quizzes never run, whatever the allowed list says."""
    reveal_answers: bool = True
    """Show the right answer when a question closes."""
    updated_at: datetime | None = None
    """When an admin last changed them; None while they are the defaults."""

    def allows_channel(self, channel_id: int) -> bool:
        """If the allowed list is non-empty, only those channels; denied channels never."""
        if channel_id in self.denied_channel_ids:
            return False
        return not self.allowed_channel_ids or channel_id in self.allowed_channel_ids


def _settings(row: Any) -> GuildQuizSettings:
    return GuildQuizSettings(
        default_rounds=int(row.default_rounds),
        seconds_per_question=int(row.seconds_per_question),
        mode=Mode(row.mode),
        allowed_channel_ids=tuple(int(channel) for channel in row.allowed_channel_ids),
        denied_channel_ids=tuple(int(channel) for channel in row.denied_channel_ids),
        reveal_answers=bool(row.reveal_answers),
        updated_at=_utc(row.updated_at),
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
        if not _is_int(default_rounds) or not MIN_ROUNDS <= default_rounds <= MAX_ROUNDS:
            raise InvalidGuildSettings(
                f"A game has {MIN_ROUNDS} to {MAX_ROUNDS} rounds, not {default_rounds!r}."
            )
        changes["default_rounds"] = default_rounds
    if seconds_per_question is not None:
        if (
            not _is_int(seconds_per_question)
            or not MIN_SECONDS <= seconds_per_question <= MAX_SECONDS
        ):
            raise InvalidGuildSettings(
                f"A question stays open {MIN_SECONDS} to {MAX_SECONDS} seconds, "
                f"not {seconds_per_question!r}."
            )
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
        row = (
            await session.execute(select(_SETTINGS).where(_SETTINGS.c.guild_id == guild_id))
        ).first()
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
    stamp = _aware(now, "now") if now is not None else datetime.now(UTC)
    async with sessions() as session, session.begin():
        await _lock_settings(session, guild_id=guild_id, stamp=stamp)
        await session.execute(
            update(_SETTINGS)
            .where(_SETTINGS.c.guild_id == guild_id)
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
    insert = _insert(session, _SETTINGS)
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
    lock = select(_SETTINGS.c.guild_id).where(_SETTINGS.c.guild_id == guild_id)
    if _dialect(session) == "postgresql":
        await session.execute(lock.with_for_update())


async def _read_settings(session: AsyncSession, *, guild_id: int) -> GuildQuizSettings:
    row = (await session.execute(select(_SETTINGS).where(_SETTINGS.c.guild_id == guild_id))).one()
    return _settings(row)


class ChannelRuleChange(NamedTuple):
    """The guild's settings before and after :func:`set_channel_rule`."""

    before: GuildQuizSettings
    after: GuildQuizSettings

    @property
    def changed(self) -> bool:
        return (self.before.allowed_channel_ids, self.before.denied_channel_ids) != (
            self.after.allowed_channel_ids,
            self.after.denied_channel_ids,
        )


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
    stamp = _aware(now, "now") if now is not None else datetime.now(UTC)
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
            update(_SETTINGS)
            .where(_SETTINGS.c.guild_id == guild_id)
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
        await session.execute(delete(_SETTINGS).where(_SETTINGS.c.guild_id == guild_id))
    return GuildQuizSettings()
