"""The player statistics repository: a player's figures, read from the answer ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    case,
    func,
    select,
)

from bot.db.quiz.tables import ANSWERS, GAMES, Sessions, aware
from bot.quiz.model import QuestionKind
from bot.records import HARDEST_KIND_MIN_ANSWERS, KindStats, PlayerStats

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
    until = aware(now, "now")
    mine = [ANSWERS.c.user_id == user_id, ANSWERS.c.answered_at <= until]
    if guild_id is not None:
        mine.append(ANSWERS.c.guild_id == guild_id)
    won = [
        GAMES.c.winner_id == user_id,
        GAMES.c.ended_at.is_not(None),
        GAMES.c.ended_at <= until,
    ]
    if guild_id is not None:
        won.append(GAMES.c.guild_id == guild_id)
    async with sessions() as session:
        per_kind = (
            await session.execute(
                select(
                    ANSWERS.c.kind,
                    func.count().label("answers"),
                    func.sum(case((ANSWERS.c.correct, 1), else_=0)).label("correct"),
                    func.sum(ANSWERS.c.points).label("points"),
                    func.sum(ANSWERS.c.response_ms).label("response_ms"),
                )
                .where(*mine)
                .group_by(ANSWERS.c.kind)
            )
        ).all()
        games_played = int(
            await session.scalar(select(func.count(func.distinct(ANSWERS.c.game_id))).where(*mine))
            or 0
        )
        wins = int(await session.scalar(select(func.count()).select_from(GAMES).where(*won)) or 0)
        in_order = (
            select(ANSWERS.c.correct).where(*mine).order_by(ANSWERS.c.answered_at, ANSWERS.c.id)
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
