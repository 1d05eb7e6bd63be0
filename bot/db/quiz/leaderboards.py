"""The leaderboards repository: pages of a board and a player's rank on it, read from the
aggregates bot/db/quiz/ledger.py keeps.

Boards rank by points (more first), then correct answers (more first), then user id (lower
first: the older account). Ranks follow that order exactly: 1, 2, 3, ... with no ties. Time
windows are whole UTC days, because the aggregate is daily: ``week`` is the UTC day of ``now``
and the 6 days before it, ``month`` the day of ``now`` and the 29 before it (so an answer 8
days old is never in the week, and one 6.5 days old may already have left it). ``all`` counts
everything recorded.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    String,
    Subquery,
    Table,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from bot.db.models import ALL_KINDS
from bot.db.quiz.tables import (
    AGGREGATE_SUMS,
    COUNTS,
    DAYS,
    HIDDEN,
    RECENT,
    TOTALS,
    WINDOWS,
    Sessions,
    aware,
    dialect_name,
    upsert_insert,
)
from bot.quiz.model import QuestionKind
from bot.records import LeaderboardEntry, LeaderboardPage, Period, PlayerRank

PERIOD_DAYS = {Period.WEEK: 7, Period.MONTH: 30}
"""How many UTC days (counting today) each windowed period covers."""
MAX_PAGE_SIZE = 100


def period_start(period: Period | str, now: datetime) -> date | None:
    """The first UTC day a period counts (it ends with the UTC day of ``now``)."""
    days = PERIOD_DAYS.get(Period(period))
    if days is None:
        return None
    return aware(now, "now").date() - timedelta(days=days - 1)


def _kind_key(kind: QuestionKind | str | None) -> str:
    return ALL_KINDS if kind is None else QuestionKind(kind).value


def _shown(user_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Not a member who asked to be left off the leaderboards (``/privacy hide``)."""
    return user_id.not_in(select(HIDDEN.c.user_id))


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
    """``(user_id, points, correct, answers)`` per player of ``source`` (the daily aggregate
    for guild boards; any table with a ``user_id`` column and the sums): the input to
    :func:`ranked_page_query` and :func:`rank_query`, the one definition of the ranking."""
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
        DAYS.c.kind == bindparam("kind", type_=String),
        _shown(DAYS.c.user_id),
    ]
    if by_guild:
        conditions.append(DAYS.c.guild_id == bindparam("guild_id", type_=BigInteger))
    if windowed:
        conditions += [
            DAYS.c.day >= bindparam("since", type_=Date),
            DAYS.c.day <= bindparam("until", type_=Date),
        ]
    totals = grouped_totals(
        DAYS,
        conditions=conditions,
        points=func.sum(DAYS.c.points),
        correct=func.sum(DAYS.c.correct),
        answers=func.sum(DAYS.c.answers),
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
            select(WINDOWS.c.last_day)
            .where(WINDOWS.c.period == bindparam("period", type_=String))
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
    TOTALS,
    ["kind"],
    # The kept count, less the hidden members who have a row (a handful, read by key).
    func.coalesce(
        select(COUNTS.c.players)
        .where(COUNTS.c.kind == bindparam("kind", type_=String))
        .scalar_subquery(),
        0,
    )
    - select(func.count())
    .select_from(HIDDEN.join(TOTALS, TOTALS.c.user_id == HIDDEN.c.user_id))
    .where(TOTALS.c.kind == bindparam("kind", type_=String))
    .scalar_subquery(),
    recent=False,
)
_RECENT_BOARD = _row_board(
    RECENT,
    ["period", "kind"],
    select(func.count())
    .select_from(RECENT)
    .where(
        RECENT.c.period == bindparam("period", type_=String),
        RECENT.c.kind == bindparam("kind", type_=String),
        _shown(RECENT.c.user_id),
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
    today = aware(now, "now").date()
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
            select(WINDOWS.c.last_day).where(WINDOWS.c.period == period.value)
        )
    if last is not None:
        return bool(last == today) or (last < today and await _move_window(sessions, period, today))
    return await _move_window(sessions, period, today)


async def _move_window(sessions: Sessions, period: Period, today: date) -> bool:
    first = today - timedelta(days=PERIOD_DAYS[period] - 1)
    window = {"first_day": first, "last_day": today}
    async with sessions() as session, session.begin():
        if dialect_name(session) == "postgresql":
            # Wait for the writers that have read the windows (FOR SHARE) and keep new ones
            # out until this move commits. A row lock is not enough when the window row is
            # new: a writer that found no window skipped the recent totals, and the rebuild
            # below would not see its uncommitted days either.
            await session.execute(text("LOCK TABLE quiz_recent_windows IN EXCLUSIVE MODE"))
        # Claim the move with a write first: the claim takes the write lock (SQLite) or the
        # row lock, which writers of answers share (PostgreSQL), so no answer is added to the
        # old window after the rebuild below has read the days.
        claimed = await session.scalar(
            update(WINDOWS)
            .where(WINDOWS.c.period == period.value, WINDOWS.c.last_day < today)
            .values(window)
            .returning(WINDOWS.c.period)
        )
        if claimed is None:
            claimed = await session.scalar(
                upsert_insert(session, WINDOWS)
                .values(period=period.value, **window)
                .on_conflict_do_nothing(index_elements=["period"])
                .returning(WINDOWS.c.period)
            )
        if claimed is None:  # another reader moved it first
            last = await session.scalar(
                select(WINDOWS.c.last_day).where(WINDOWS.c.period == period.value)
            )
            return bool(last == today)
        await session.execute(delete(RECENT).where(RECENT.c.period == period.value))
        sums = select(
            literal(period.value, String(10)),
            DAYS.c.kind,
            DAYS.c.user_id,
            *(func.sum(DAYS.c[name]) for name in AGGREGATE_SUMS),
        ).where(DAYS.c.day >= first, DAYS.c.day <= today)
        await session.execute(
            RECENT.insert().from_select(
                ["period", "kind", "user_id", *AGGREGATE_SUMS],
                sums.group_by(DAYS.c.kind, DAYS.c.user_id),
            )
        )
        if dialect_name(session) == "postgresql":
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
