"""Repositories for the daily question and for members' privacy.

**Exactly once.** A server's question of a UTC day is a row of ``daily_posts``, unique per
server and day. A process claims the day by inserting it (``INSERT ... ON CONFLICT DO
NOTHING``): whoever inserts posts, everyone else finds the row and does nothing. A claim whose
post never went out (the process died between the claim and the send) is taken over once it
is ``STALE_CLAIM`` old. A post the channel refused is marked posted without a message, so it
is not retried all day.

**Closing.** The claim of a new day closes the server's previous question in the same
transaction: its ``closed_at`` is set first (answers then refused), then every answer of it
moves the member's streak (``bot.quiz.daily.after_close``). Since only the claimer closes, a
question is closed, and streaks moved, exactly once.

**Privacy.** ``privacy_hidden`` lists members left off every leaderboard (``bot.db.quiz``
reads it). :func:`forget_member` erases a member everywhere.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bot.db import models
from bot.db import reports as reports_store
from bot.db.common import Sessions, dialect_name, table, upsert_insert, utc
from bot.db.quiz import games as game_store
from bot.db.quiz import ledger as ledger_store
from bot.quiz.daily import Streak, after_close, from_history, is_due, shown

_CONFIGS = table(models.DailyConfig)
_POSTS = table(models.DailyPost)
_ANSWERS = table(models.DailyAnswer)
_STREAKS = table(models.DailyStreak)
_HIDDEN = table(models.PrivacyHidden)
_QUIZ_ANSWERS = table(models.QuizAnswer)
_QUIZ_GAMES = table(models.QuizGame)

STALE_CLAIM = timedelta(minutes=2)
"""A claim with no post after this long is taken to be dead (its process stopped)."""


# --- configuration --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DailyConfig:
    guild_id: int
    channel_id: int
    minute_of_day: int
    kinds: tuple[str, ...]
    enabled: bool


def _config(row: Any) -> DailyConfig:
    return DailyConfig(
        guild_id=int(row.guild_id),
        channel_id=int(row.channel_id),
        minute_of_day=int(row.minute_of_day),
        kinds=tuple(row.kinds or ()),
        enabled=bool(row.enabled),
    )


async def set_config(
    sessions: Sessions,
    *,
    guild_id: int,
    channel_id: int,
    minute_of_day: int,
    kinds: Sequence[str],
    enabled: bool,
    now: datetime,
) -> DailyConfig:
    if not 0 <= minute_of_day < 24 * 60:
        raise ValueError(f"minute_of_day out of range: {minute_of_day}")
    values = {
        "channel_id": channel_id,
        "minute_of_day": minute_of_day,
        "kinds": sorted(kinds),
        "enabled": enabled,
        "updated_at": now,
    }
    async with sessions() as session, session.begin():
        statement = upsert_insert(session, _CONFIGS).values(guild_id=guild_id, **values)
        await session.execute(
            statement.on_conflict_do_update(index_elements=["guild_id"], set_=values)
        )
    return DailyConfig(guild_id, channel_id, minute_of_day, tuple(sorted(kinds)), enabled)


async def disable(sessions: Sessions, *, guild_id: int, now: datetime) -> DailyConfig | None:
    async with sessions() as session, session.begin():
        row = (
            await session.execute(
                update(_CONFIGS)
                .where(_CONFIGS.c.guild_id == guild_id)
                .values(enabled=False, updated_at=now)
                .returning(*_CONFIGS.c)
            )
        ).first()
    return _config(row) if row is not None else None


async def get_config(sessions: Sessions, *, guild_id: int) -> DailyConfig | None:
    async with sessions() as session:
        row = (
            await session.execute(select(_CONFIGS).where(_CONFIGS.c.guild_id == guild_id))
        ).first()
    return _config(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class Schedule:
    due: list[DailyConfig]
    """Servers whose question of today is due and not yet posted, earliest time first."""
    later: list[DailyConfig]
    """Servers whose question of today is still to come (or done): for the next wake-up."""
    posted_today: frozenset[int]


async def schedule(
    sessions: Sessions,
    *,
    now: datetime,
    shard_count: int = 1,
    shard_ids: Collection[int] | None = None,
) -> Schedule:
    """The enabled servers of these shards, split into due now and later."""
    today = now.astimezone(UTC).date()
    stale = now - STALE_CLAIM
    done = select(_POSTS.c.guild_id).where(
        _POSTS.c.day == today,
        # Posted (or refused by its channel), or claimed recently by a process still at it.
        (_POSTS.c.posted_at.is_not(None)) | (_POSTS.c.claimed_at > stale),
    )
    async with sessions() as session:
        rows = (await session.execute(select(_CONFIGS).where(_CONFIGS.c.enabled))).all()
        posted = {int(g) for g in (await session.scalars(done)).all()}
    mine = [
        _config(r)
        for r in rows
        if shard_ids is None or game_store.shard_of(int(r.guild_id), shard_count) in shard_ids
    ]
    due = sorted(
        (c for c in mine if c.guild_id not in posted and is_due(now, c.minute_of_day)),
        key=lambda c: (c.minute_of_day, c.guild_id),
    )
    later = [c for c in mine if c not in due]
    return Schedule(due=due, later=later, posted_today=frozenset(posted))


# --- posts and answers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recap:
    """The result of a closed question, shown at the top of the next one."""

    day: date
    question: dict[str, Any]
    answers: int
    correct: int
    fastest_user: int | None
    fastest_ms: int | None
    right_users: tuple[int, ...]
    """Who got it right, fastest first (the first few are named)."""


@dataclass(frozen=True, slots=True)
class Claim:
    post_id: int
    day: date
    recap: Recap | None


async def claim_day(
    sessions: Sessions,
    *,
    guild_id: int,
    channel_id: int,
    question: dict[str, Any],
    token: str,
    now: datetime,
) -> Claim | None:
    """Claim ``guild_id``'s question of ``now``'s UTC day, and close its previous one. None if
    the day is already claimed (posted, or being posted by a live claim)."""
    today = now.astimezone(UTC).date()
    values = {
        "guild_id": guild_id,
        "day": today,
        "channel_id": channel_id,
        "question": question,
        "claimed_by": token,
        "claimed_at": now,
    }
    async with sessions() as session, session.begin():
        post_id = await session.scalar(
            upsert_insert(session, _POSTS)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["guild_id", "day"])
            .returning(_POSTS.c.id)
        )
        if post_id is None:
            # Taken over only if its claimer died before posting.
            post_id = await session.scalar(
                update(_POSTS)
                .where(
                    _POSTS.c.guild_id == guild_id,
                    _POSTS.c.day == today,
                    _POSTS.c.posted_at.is_(None),
                    _POSTS.c.claimed_at <= now - STALE_CLAIM,
                )
                .values(channel_id=channel_id, question=question, claimed_by=token, claimed_at=now)
                .returning(_POSTS.c.id)
            )
        if post_id is None:
            return None
        previous = (
            await session.execute(
                select(_POSTS.c.id, _POSTS.c.day, _POSTS.c.question, _POSTS.c.closed_at)
                .where(_POSTS.c.guild_id == guild_id, _POSTS.c.day < today)
                .order_by(_POSTS.c.day.desc())
                .limit(1)
            )
        ).first()
        recap = None
        if previous is not None:
            if previous.closed_at is None:
                await _close(session, guild_id, int(previous.id), previous.day, now)
            recap = await _recap(session, int(previous.id), previous.day, previous.question)
        return Claim(post_id=int(post_id), day=today, recap=recap)


async def _close(
    session: AsyncSession, guild_id: int, post_id: int, day: date, now: datetime
) -> None:
    # First the post (a row lock on PostgreSQL: answers being written finish first, later
    # ones see it closed), then the answers it has.
    await session.execute(update(_POSTS).where(_POSTS.c.id == post_id).values(closed_at=now))
    before = await session.scalar(
        select(func.max(_POSTS.c.day)).where(
            _POSTS.c.guild_id == guild_id, _POSTS.c.day < day, _POSTS.c.closed_at.is_not(None)
        )
    )
    answers = (
        await session.execute(
            select(_ANSWERS.c.user_id, _ANSWERS.c.correct).where(_ANSWERS.c.post_id == post_id)
        )
    ).all()
    if not answers:
        return
    users = sorted(int(a.user_id) for a in answers)
    old = {
        int(r.user_id): Streak(int(r.current), int(r.best), r.last_day)
        for r in (
            await session.execute(
                select(_STREAKS).where(
                    _STREAKS.c.guild_id == guild_id, _STREAKS.c.user_id.in_(users)
                )
            )
        ).all()
    }
    rows = []
    for answer in sorted(answers, key=lambda a: int(a.user_id)):
        user = int(answer.user_id)
        new = after_close(old.get(user), day=day, before=before, correct=bool(answer.correct))
        rows.append(
            {
                "guild_id": guild_id,
                "user_id": user,
                "current": new.current,
                "best": new.best,
                "last_day": new.last_day,
            }
        )
    statement = upsert_insert(session, _STREAKS)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["guild_id", "user_id"],
            set_={
                "current": statement.excluded.current,
                "best": statement.excluded.best,
                "last_day": statement.excluded.last_day,
            },
        ),
        rows,
    )


async def _recap(session: AsyncSession, post_id: int, day: date, question: dict[str, Any]) -> Recap:
    answers = (
        await session.execute(
            select(_ANSWERS.c.user_id, _ANSWERS.c.correct, _ANSWERS.c.response_ms).where(
                _ANSWERS.c.post_id == post_id
            )
        )
    ).all()
    right = sorted((a for a in answers if a.correct), key=lambda a: (a.response_ms, a.user_id))
    return Recap(
        day=day,
        question=dict(question),
        answers=len(answers),
        correct=len(right),
        fastest_user=int(right[0].user_id) if right else None,
        fastest_ms=int(right[0].response_ms) if right else None,
        right_users=tuple(int(a.user_id) for a in right),
    )


async def mark_posted(
    sessions: Sessions, *, post_id: int, message_id: int | None, now: datetime
) -> None:
    """The question went out (``message_id``), or its channel refused it (None)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(_POSTS)
            .where(_POSTS.c.id == post_id)
            .values(posted_at=now, message_id=message_id)
        )


@dataclass(frozen=True, slots=True)
class OpenPost:
    id: int
    guild_id: int
    day: date
    question: dict[str, Any]
    posted_at: datetime | None
    closed: bool


async def get_post(sessions: Sessions, *, post_id: int) -> OpenPost | None:
    async with sessions() as session:
        row = (await session.execute(select(_POSTS).where(_POSTS.c.id == post_id))).first()
    if row is None:
        return None
    return OpenPost(
        id=int(row.id),
        guild_id=int(row.guild_id),
        day=row.day,
        question=dict(row.question),
        posted_at=utc(row.posted_at) if row.posted_at else None,
        closed=row.closed_at is not None,
    )


async def record_answer(
    sessions: Sessions,
    *,
    post_id: int,
    guild_id: int,
    user_id: int,
    choice: int,
    correct: bool,
    response_ms: int,
    now: datetime,
) -> bool:
    """Store a member's answer if the question is still open and they have not answered it:
    True if stored. One statement (``INSERT ... SELECT`` from the open post), so an answer
    racing the close is either in before the close reads the answers, or refused."""
    source = select(
        _POSTS.c.id,
        literal(user_id),
        _POSTS.c.guild_id,
        literal(choice),
        literal(correct),
        literal(max(0, response_ms)),
        literal(now),
    ).where(_POSTS.c.id == post_id, _POSTS.c.guild_id == guild_id, _POSTS.c.closed_at.is_(None))
    async with sessions() as session, session.begin():
        if dialect_name(session) == "postgresql":
            source = source.with_for_update(read=True)
        statement = (
            upsert_insert(session, _ANSWERS)
            .from_select(
                [
                    "post_id",
                    "user_id",
                    "guild_id",
                    "choice",
                    "correct",
                    "response_ms",
                    "answered_at",
                ],
                source,
            )
            .on_conflict_do_nothing(index_elements=["post_id", "user_id"])
            .returning(_ANSWERS.c.user_id)
        )
        stored = await session.scalar(statement)
    return stored is not None


async def answer_of(sessions: Sessions, *, post_id: int, user_id: int) -> int | None:
    async with sessions() as session:
        return await session.scalar(
            select(_ANSWERS.c.choice).where(
                _ANSWERS.c.post_id == post_id, _ANSWERS.c.user_id == user_id
            )
        )


# --- streaks --------------------------------------------------------------------------------------


async def _latest_closed(session: AsyncSession, guild_id: int) -> date | None:
    latest: date | None = await session.scalar(
        select(func.max(_POSTS.c.day)).where(
            _POSTS.c.guild_id == guild_id, _POSTS.c.closed_at.is_not(None)
        )
    )
    return latest


async def streak(sessions: Sessions, *, guild_id: int, user_id: int) -> tuple[int, int]:
    """``(current, best)`` daily streak of a member in a server, as of its last closed day."""
    async with sessions() as session:
        latest = await _latest_closed(session, guild_id)
        row = (
            await session.execute(
                select(_STREAKS).where(
                    _STREAKS.c.guild_id == guild_id, _STREAKS.c.user_id == user_id
                )
            )
        ).first()
    if row is None:
        return 0, 0
    saved = Streak(int(row.current), int(row.best), row.last_day)
    return shown(saved, latest_closed=latest), saved.best


async def recomputed_streak(sessions: Sessions, *, guild_id: int, user_id: int) -> tuple[int, int]:
    """The same figures recomputed from the posts and answers alone (a check for tests)."""
    async with sessions() as session:
        days = list(
            (
                await session.scalars(
                    select(_POSTS.c.day)
                    .where(_POSTS.c.guild_id == guild_id, _POSTS.c.closed_at.is_not(None))
                    .order_by(_POSTS.c.day)
                )
            ).all()
        )
        answers = {
            row.day: bool(row.correct)
            for row in (
                await session.execute(
                    select(_POSTS.c.day, _ANSWERS.c.correct)
                    .join(_POSTS, _POSTS.c.id == _ANSWERS.c.post_id)
                    .where(_ANSWERS.c.user_id == user_id, _POSTS.c.guild_id == guild_id)
                )
            ).all()
        }
    return from_history(days, answers)


@dataclass(frozen=True, slots=True)
class StreakBoard:
    entries: tuple[tuple[int, int, int], ...]
    """``(rank, user_id, current streak)``, longest first (ties: the older account)."""
    total: int
    page: int
    pages: int
    viewer: tuple[int, int] | None
    """The viewer's ``(rank, streak)``, or None if they have no running streak here."""


async def streak_board(
    sessions: Sessions, *, guild_id: int, page: int, viewer: int, page_size: int = 10
) -> StreakBoard:
    """A server's running daily streaks, longest first; hidden members left out."""
    async with sessions() as session:
        latest = await _latest_closed(session, guild_id)
        if latest is None:
            return StreakBoard((), 0, 1, 1, None)
        alive = [
            _STREAKS.c.guild_id == guild_id,
            _STREAKS.c.last_day == latest,
            _STREAKS.c.current > 0,
            _STREAKS.c.user_id.not_in(select(_HIDDEN.c.user_id)),
        ]
        total = int(
            await session.scalar(select(func.count()).select_from(_STREAKS).where(*alive)) or 0
        )
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = (
            await session.execute(
                select(_STREAKS.c.user_id, _STREAKS.c.current)
                .where(*alive)
                .order_by(_STREAKS.c.current.desc(), _STREAKS.c.user_id)
                .limit(page_size)
                .offset((page - 1) * page_size)
            )
        ).all()
        mine = (
            await session.execute(
                select(_STREAKS.c.current).where(*alive, _STREAKS.c.user_id == viewer)
            )
        ).first()
        rank = None
        if mine is not None:
            other = _STREAKS.alias("other")
            ahead = await session.scalar(
                select(func.count())
                .select_from(other)
                .where(
                    other.c.guild_id == guild_id,
                    other.c.last_day == latest,
                    other.c.user_id.not_in(select(_HIDDEN.c.user_id)),
                    (other.c.current > mine.current)
                    | and_(other.c.current == mine.current, other.c.user_id < viewer),
                )
            )
            rank = (int(ahead or 0) + 1, int(mine.current))
    first = (page - 1) * page_size + 1
    entries = tuple((first + i, int(row.user_id), int(row.current)) for i, row in enumerate(rows))
    return StreakBoard(entries, total, page, pages, rank)


# --- privacy --------------------------------------------------------------------------------------


async def set_hidden(sessions: Sessions, *, user_id: int, hidden: bool, now: datetime) -> bool:
    """Hide a member from every leaderboard, or show them again; True if that changed."""
    async with sessions() as session, session.begin():
        if hidden:
            changed = await session.scalar(
                upsert_insert(session, _HIDDEN)
                .values(user_id=user_id, hidden_at=now)
                .on_conflict_do_nothing(index_elements=["user_id"])
                .returning(_HIDDEN.c.user_id)
            )
        else:
            changed = await session.scalar(
                delete(_HIDDEN).where(_HIDDEN.c.user_id == user_id).returning(_HIDDEN.c.user_id)
            )
    return changed is not None


async def is_hidden(sessions: Sessions, *, user_id: int) -> bool:
    async with sessions() as session:
        found = await session.scalar(select(_HIDDEN.c.user_id).where(_HIDDEN.c.user_id == user_id))
    return found is not None


@dataclass(frozen=True, slots=True)
class Forgotten:
    quiz_answers: int
    daily_answers: int
    streaks: int
    games_started: int


async def forget_member(sessions: Sessions, *, user_id: int) -> Forgotten:
    """Erase what is stored about a member in every server: their quiz answers (out of every
    aggregate too, through ``forget_answers``, one transaction per server), their wins, the
    games they started (kept, with the starter forgotten), their daily answers and streaks,
    their hidden flag, and the question reports they filed."""
    async with sessions() as session:
        guilds = sorted(
            int(g)
            for g in (
                await session.scalars(
                    select(_QUIZ_ANSWERS.c.guild_id)
                    .where(_QUIZ_ANSWERS.c.user_id == user_id)
                    .distinct()
                )
            ).all()
        )
    quiz_answers = 0
    for guild_id in guilds:
        quiz_answers += await ledger_store.forget_answers(
            sessions, guild_id=guild_id, user_id=user_id
        )
    async with sessions() as session, session.begin():
        await session.execute(
            update(_QUIZ_GAMES).where(_QUIZ_GAMES.c.winner_id == user_id).values(winner_id=None)
        )
        started = (
            await session.execute(
                update(_QUIZ_GAMES)
                .where(_QUIZ_GAMES.c.starter_id == user_id)
                .values(starter_id=0)
                .returning(_QUIZ_GAMES.c.id)
            )
        ).all()
        daily = (
            await session.execute(
                delete(_ANSWERS).where(_ANSWERS.c.user_id == user_id).returning(_ANSWERS.c.post_id)
            )
        ).all()
        streaks = (
            await session.execute(
                delete(_STREAKS).where(_STREAKS.c.user_id == user_id).returning(_STREAKS.c.guild_id)
            )
        ).all()
        await session.execute(delete(_HIDDEN).where(_HIDDEN.c.user_id == user_id))
        await reports_store.forget_reporter(session, user_id=user_id)
    return Forgotten(quiz_answers, len(daily), len(streaks), len(started))


async def stored_about(sessions: Sessions, *, user_id: int) -> int:
    """How many rows anywhere still name this member (0 after :func:`forget_member`)."""
    checks = [
        select(func.count()).select_from(_QUIZ_ANSWERS).where(_QUIZ_ANSWERS.c.user_id == user_id),
        select(func.count())
        .select_from(_QUIZ_GAMES)
        .where((_QUIZ_GAMES.c.winner_id == user_id) | (_QUIZ_GAMES.c.starter_id == user_id)),
        select(func.count()).select_from(_ANSWERS).where(_ANSWERS.c.user_id == user_id),
        select(func.count()).select_from(_STREAKS).where(_STREAKS.c.user_id == user_id),
        select(func.count()).select_from(_HIDDEN).where(_HIDDEN.c.user_id == user_id),
    ]
    for name in ("quiz_score_days", "quiz_player_totals", "quiz_recent_totals"):
        table = SQLModel.metadata.tables[name]
        checks.append(select(func.count()).select_from(table).where(table.c.user_id == user_id))
    reports = SQLModel.metadata.tables["question_reports"]
    checks.append(select(func.count()).select_from(reports).where(reports.c.reporter_id == user_id))
    async with sessions() as session:
        return sum([int(await session.scalar(check) or 0) for check in checks])


async def has_post(sessions: Sessions, *, guild_id: int, day: date) -> bool:
    async with sessions() as session:
        found = await session.scalar(
            select(_POSTS.c.id).where(_POSTS.c.guild_id == guild_id, _POSTS.c.day == day)
        )
    return found is not None
