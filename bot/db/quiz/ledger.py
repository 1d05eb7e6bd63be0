"""The answer ledger and the aggregates kept from it.

:func:`record_answers` writes a question's awards as ledger rows (``quiz_answers``, unique per
game, question and player) and, in the same transaction, adds the rows it *newly* wrote to the
aggregates:

* ``quiz_score_days``: per UTC day, guild, player and kind, plus an :data:`ALL_KINDS` row per
  day, guild and player (what an unfiltered board reads). Guild boards read it.
* ``quiz_player_totals``: all-time sums per player and kind (plus :data:`ALL_KINDS`), read in
  ranking order by the all-time global board, which would otherwise sum every day of every
  player; ``quiz_player_counts`` holds its number of rows per kind (the board's player count).
* ``quiz_recent_totals``: the same sums over the current global week and month, read in
  ranking order by the global week and month boards (which would otherwise group every player
  active in the window). ``quiz_recent_windows`` says which days it holds. Writes add to it
  the answers that fall in those days; the first global read of a new UTC day rebuilds it from
  ``quiz_score_days`` (bot/db/quiz/leaderboards.py, under a lock the writers share on
  PostgreSQL); a read about an earlier window sums ``quiz_score_days`` instead.

The sums are made by the database from the new ledger rows (``INSERT ... SELECT ... GROUP BY
... ON CONFLICT DO UPDATE``, one statement per aggregate), so their cost per answer stays in
SQL rather than in Python.

Writing the same question twice (a retry after a crash or an outage) inserts nothing the
second time and so adds nothing to the aggregates. :func:`rebuild_aggregates` recomputes the
aggregates from the ledger in SQL; the tests check it agrees with the incremental upkeep.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.db.models import ALL_KINDS
from bot.db.quiz.tables import (
    AGGREGATE_SUMS,
    ANSWERS,
    COUNTS,
    DAYS,
    GAMES,
    RECENT,
    TOTALS,
    WINDOWS,
    Sessions,
    aware,
    chunks,
    dialect_name,
    prepared,
    utc,
)
from bot.quiz.game import QuestionResult
from bot.quiz.model import QuestionKind
from bot.records import AnswerRecord

_SUMMED = tuple(
    ANSWERS.c[name] for name in ("guild_id", "user_id", "kind", "correct", "points", "answered_at")
)
"""The ledger columns the aggregates are made of (returned by writes and deletes)."""


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
    opened = aware(opened_at, "opened_at")
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


async def record_answers(sessions: Sessions, *, answers: Sequence[AnswerRecord]) -> int:
    """Insert-or-ignore ``answers`` (unique per game, question and player) and add the new ones
    to the aggregates, all in one transaction. Returns how many rows were new."""
    rows = [_ledger_values(answer) for answer in answers]
    if not rows:
        return 0
    async with sessions() as session, session.begin():
        return await session.run_sync(_write_ledger, rows)


def record_answers_blocking(
    connections: Callable[[], Connection], *, answers: Sequence[AnswerRecord]
) -> int:
    """:func:`record_answers` on a synchronous engine, for a worker thread: one call runs the
    whole transaction, with no hand-off to the event loop between its statements. It runs on
    a Core connection, not an ORM session: the statements are Core ones, and the session's
    bookkeeping around each was a quarter of the write's CPU (0.60 → 0.45 ms a question)."""
    rows = [_ledger_values(answer) for answer in answers]
    if not rows:
        return 0
    with connections() as connection, connection.begin():
        return _write_ledger(connection, rows)


class LedgerRow(TypedDict):
    """A ``quiz_answers`` row as it is written (the id is the database's)."""

    game_id: int
    question_number: int
    guild_id: int
    channel_id: int
    user_id: int
    kind: str
    record_slug: str
    correct: bool
    points: int
    response_ms: int
    answered_at: datetime


def _write_ledger(session: Session | Connection, rows: Sequence[LedgerRow]) -> int:
    inserted: list[Any] = []
    # One statement with the rows as parameters (an "executemany"): its SQL is compiled
    # once and cached, where a VALUES list of a new length each time was not.
    statement = prepared(
        session,
        "ledger",
        lambda insert: (
            insert(ANSWERS)
            .on_conflict_do_nothing(index_elements=["game_id", "question_number", "user_id"])
            .returning(ANSWERS.c.id, ANSWERS.c.kind, ANSWERS.c.user_id)
        ),
    )
    for chunk in chunks(rows):
        inserted.extend(session.execute(statement, list(chunk)).all())
    if dialect_name(session) == "postgresql":
        _add_to_aggregates(session, inserted)
    else:
        for run in _id_runs(inserted):
            _add_to_aggregates(session, run)
    return len(inserted)


def _id_runs(inserted: Sequence[Any]) -> list[list[Any]]:
    """``inserted`` in runs of consecutive ids. On SQLite a transaction's new rows normally
    form one run (it holds the only write lock, and a row's id is the largest id + 1), so its
    rows are named by their first and last id: one small statement whatever their number,
    where an IN list of a new length each time was compiled again."""
    runs: list[list[Any]] = []
    for row in sorted(inserted, key=lambda row: row.id):
        if runs and row.id == runs[-1][-1].id + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _ledger_values(answer: AnswerRecord) -> LedgerRow:
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
        "answered_at": aware(answer.answered_at, "answered_at"),
    }


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
    statement = insert(table).from_select([*key, *AGGREGATE_SUMS], ordered)
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in AGGREGATE_SUMS},
    )


def _new_rows(dialect: str) -> ColumnElement[bool]:
    """The new ledger rows. PostgreSQL takes their ids as one array (``= ANY``: ``ids``), so
    a transaction's new rows go in one statement per aggregate however many there are, and
    its rows are locked in one key order (several statements would each be in order, but not
    together: two writers could deadlock). SQLite takes a run of consecutive ids, ``first``
    to ``last`` (see :func:`_id_runs`; one writer at a time there, nothing to deadlock with)."""
    if dialect == "postgresql":
        return ANSWERS.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(BigInteger)))
    return ANSWERS.c.id.between(bindparam("first"), bindparam("last"))


def _day_sums(dialect: str, *where: ColumnElement[bool]) -> tuple[Select[Any], Select[Any]]:
    """The ledger rows matching ``where`` summed per guild, kind, UTC day and player, and per
    guild, day and player (the ALL_KINDS rows): the rows of ``quiz_score_days``."""
    a = ANSWERS.c
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
    return _sums_upsert(insert, DAYS, key, per_kind, every_kind)


def _totals_upsert(insert: Any, dialect: str) -> Any:
    a = ANSWERS.c
    new = _new_rows(dialect)
    every = cast(literal(ALL_KINDS), String(30)).label("kind")
    per_kind = select(a.kind, a.user_id, *_ledger_sums(a)).where(new).group_by(a.kind, a.user_id)
    every_kind = select(every, a.user_id, *_ledger_sums(a)).where(new).group_by(a.user_id)
    statement = _sums_upsert(insert, TOTALS, ("kind", "user_id"), per_kind, every_kind)
    return statement.returning(TOTALS.c.kind, TOTALS.c.user_id, TOTALS.c.answers)


def _recent_upsert(insert: Any, dialect: str) -> Any:
    a, w = ANSWERS.c, WINDOWS.c
    day = _day_sql(dialect, a.answered_at)
    joined = ANSWERS.join(WINDOWS, and_(day >= w.first_day, day <= w.last_day))
    new = _new_rows(dialect)
    every = cast(literal(ALL_KINDS), String(30)).label("kind")
    per_kind = select(w.period, a.kind, a.user_id, *_ledger_sums(a)).select_from(joined)
    per_kind = per_kind.where(new).group_by(w.period, a.kind, a.user_id)
    every_kind = select(w.period, every, a.user_id, *_ledger_sums(a)).select_from(joined)
    every_kind = every_kind.where(new).group_by(w.period, a.user_id)
    return _sums_upsert(insert, RECENT, ("period", "kind", "user_id"), per_kind, every_kind)


def _add_to_aggregates(session: Session | Connection, inserted: Sequence[Any]) -> None:
    """Add the ledger rows just inserted (``inserted``: their id, kind and user_id; on SQLite
    one run of consecutive ids, in order) to every
    aggregate: the sums are made by the database from the rows themselves (INSERT ... SELECT
    ... GROUP BY), so the cost per answer stays in SQL, not in Python."""
    if not inserted:
        return
    dialect = dialect_name(session)
    if dialect == "postgresql":
        ids: dict[str, Any] = {"ids": [row.id for row in inserted]}
    else:  # one run of consecutive ids (see _id_runs)
        ids = {"first": inserted[0].id, "last": inserted[-1].id}
        assert ids["last"] - ids["first"] == len(inserted) - 1, "not one run of ids"
    session.execute(prepared(session, "days", lambda i: _days_upsert(i, dialect)), ids)
    totals = prepared(session, "totals", lambda i: _totals_upsert(i, dialect))
    after = (session.execute(totals, ids)).all()
    added = Counter(
        key for row in inserted for key in ((row.kind, row.user_id), (ALL_KINDS, row.user_id))
    )
    _count_new_players(session, added, after)
    # The global week and month (quiz_recent_totals) hold the answers in their windows. On
    # PostgreSQL the windows are read FOR SHARE first: a reader moving a window to a new day
    # waits for this transaction, and this one for it (see :func:`_move_window`).
    if dialect == "postgresql":
        windows = select(WINDOWS.c.period).with_for_update(read=True)
        if not (session.execute(windows)).all():
            return
    session.execute(prepared(session, "recent", lambda i: _recent_upsert(i, dialect)), ids)


def _count_new_players(
    session: Session | Connection,
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
        statement = insert(COUNTS)
        return statement.on_conflict_do_update(
            index_elements=["kind"],
            set_={"players": COUNTS.c.players + statement.excluded.players},
        )

    session.execute(
        prepared(session, "player counts", count),
        [{"kind": kind, "players": n} for kind, n in sorted(new.items())],
    )


def _day_sql(dialect: str, column: Any) -> Any:
    """SQL for the UTC calendar day of a stored timestamp (what ``utc(ts).date()`` gives)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


async def rebuild_aggregates(sessions: Sessions) -> None:
    """Recompute the aggregates from the ledger in SQL, in one transaction. Not needed in
    normal operation (they are kept in step by :func:`record_answers`); used to fill them
    after a bulk load, and by the tests as an independent check."""
    async with sessions() as session, session.begin():
        # The recent windows are dropped: the next global read rebuilds them from the days.
        for table in (DAYS, TOTALS, COUNTS, RECENT, WINDOWS):
            await session.execute(delete(table))
        per_kind, every_kind = _day_sums(dialect_name(session))
        columns = ["guild_id", "kind", "day", "user_id", *AGGREGATE_SUMS]
        await session.execute(DAYS.insert().from_select(columns, union_all(per_kind, every_kind)))
        totals = select(
            DAYS.c.kind,
            DAYS.c.user_id,
            *(func.sum(DAYS.c[name]) for name in AGGREGATE_SUMS),
        ).group_by(DAYS.c.kind, DAYS.c.user_id)
        await session.execute(
            TOTALS.insert().from_select(["kind", "user_id", *AGGREGATE_SUMS], totals)
        )
        counts = select(TOTALS.c.kind, func.count()).group_by(TOTALS.c.kind)
        await session.execute(COUNTS.insert().from_select(["kind", "players"], counts))


async def forget_answers(sessions: Sessions, *, guild_id: int, user_id: int | None = None) -> int:
    """Delete the answers given in ``guild_id`` (only ``user_id``'s, if given) from the ledger
    and take them out of every aggregate, in one transaction: they then count on no board, in
    this server or globally, and in nobody's statistics. Games stay on record, without the
    forgotten wins. Returns how many answers were deleted.

    The rows are deleted first (``DELETE ... RETURNING``), so the sums subtracted are exactly
    those of the rows this transaction removed: an answer another writer commits meanwhile is
    either deleted here and subtracted, or kept and counted, never half of each."""
    conditions = [ANSWERS.c.guild_id == guild_id]
    if user_id is not None:
        conditions.append(ANSWERS.c.user_id == user_id)
    async with sessions() as session, session.begin():
        deleted = (
            await session.execute(delete(ANSWERS).where(*conditions).returning(*_SUMMED))
        ).all()
        if deleted:
            await _subtract_from_aggregates(session, deleted)
        # A win counts in statistics ("games won"): forgotten with the answers that made it.
        wins = [GAMES.c.guild_id == guild_id, GAMES.c.winner_id.is_not(None)]
        if user_id is not None:
            wins.append(GAMES.c.winner_id == user_id)
        await session.execute(update(GAMES).where(*wins).values(winner_id=None))
        return len(deleted)


async def _subtract_from_aggregates(session: AsyncSession, deleted: Sequence[Any]) -> None:
    query = select(WINDOWS.c.period, WINDOWS.c.first_day, WINDOWS.c.last_day)
    if dialect_name(session) == "postgresql":
        query = query.with_for_update(read=True)  # as in _add_to_aggregates
    windows = (await session.execute(query)).all()
    days: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    recent: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in deleted:
        day = utc(row.answered_at).date()
        delta = (row.points, 1 if row.correct else 0, 1)
        periods = [w.period for w in windows if w.first_day <= day <= w.last_day]
        for kind in (row.kind, ALL_KINDS):
            targets = [days[(row.guild_id, kind, day, row.user_id)], totals[(kind, row.user_id)]]
            targets += [recent[(period, kind, row.user_id)] for period in periods]
            for sums in targets:
                for i, value in enumerate(delta):
                    sums[i] += value
    # Sorted keys, as the writers lock them (no deadlock with a concurrent record_answers).
    await _subtract_sums(session, DAYS, ("guild_id", "kind", "day", "user_id"), days)
    await _subtract_sums(session, TOTALS, ("kind", "user_id"), totals)
    await _subtract_sums(session, RECENT, ("period", "kind", "user_id"), recent)
    # Rows left counting nothing go, so boards and player counts leave the forgotten out.
    # Only the rows just touched are looked at (through their primary keys), never a scan
    # of a whole aggregate.
    users = sorted({row.user_id for row in deleted})
    guilds = sorted({row.guild_id for row in deleted})
    kinds = sorted({key[0] for key in totals})
    periods = sorted({key[0] for key in recent})
    gone: list[str] = []
    for chunk in chunks(users):
        empty_days = and_(DAYS.c.guild_id.in_(guilds), DAYS.c.kind.in_(kinds))
        await session.execute(
            delete(DAYS).where(empty_days, DAYS.c.user_id.in_(chunk), DAYS.c.answers <= 0)
        )
        if periods:
            empty_recent = and_(RECENT.c.period.in_(periods), RECENT.c.kind.in_(kinds))
            await session.execute(
                delete(RECENT).where(
                    empty_recent, RECENT.c.user_id.in_(chunk), RECENT.c.answers <= 0
                )
            )
        empty_totals = and_(TOTALS.c.kind.in_(kinds), TOTALS.c.user_id.in_(chunk))
        gone += (
            await session.scalars(
                delete(TOTALS).where(empty_totals, TOTALS.c.answers <= 0).returning(TOTALS.c.kind)
            )
        ).all()
    for kind, count in sorted(Counter(gone).items()):
        await session.execute(
            update(COUNTS).where(COUNTS.c.kind == kind).values(players=COUNTS.c.players - count)
        )
    await session.execute(delete(COUNTS).where(COUNTS.c.players <= 0))


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
        .values({name: table.c[name] - bindparam(f"d_{name}") for name in AGGREGATE_SUMS})
    )
    rows = [
        {f"k_{name}": value for name, value in zip(key, keys, strict=True)}
        | {f"d_{name}": value for name, value in zip(AGGREGATE_SUMS, values, strict=True)}
        for keys, values in sorted(sums.items())
    ]
    for chunk in chunks(rows):
        await session.execute(statement, list(chunk))
