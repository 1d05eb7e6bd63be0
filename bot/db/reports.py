"""Repositories for reports of bad questions (``bot.quiz.report`` says what a fingerprint
and a fact are).

* ``asked_questions``: each question a member reported (written with its first report), and
  those whose results were shown since the last start, written when the bot shuts down, so
  that a Report button finds its question after a restart too.
* ``question_reports``: one row per question, server and member (a second report of the
  same member in the same server changes nothing); open until an operator resolves it.
* ``question_decisions``: an operator's decision on a question, keep or withhold.

A question's fact is **withheld** from generation when a decision withholds it, or when its
open reports come from ``threshold`` or more distinct members (in any servers) and no
decision keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import models
from bot.db.common import Sessions, chunks, table, upsert_insert, utc
from bot.quiz.model import Question
from bot.quiz.report import Decision, Reason, describe, fact, fingerprint

_ASKED = table(models.AskedQuestion)
_REPORTS = table(models.QuestionReport)
_DECISIONS = table(models.QuestionDecision)


class UnknownQuestion(LookupError):
    """No result was ever shown for that fingerprint."""


@dataclass(frozen=True, slots=True)
class Report:
    guild_id: int
    reporter_id: int
    reason: Reason
    note: str | None
    reported_at: datetime
    resolution: Decision | None


@dataclass(frozen=True, slots=True)
class ReportedQuestion:
    fingerprint: str
    kind: str
    subject: str
    answer: str
    choices: tuple[str, ...]
    prompt: str
    reports: tuple[Report, ...]
    """The reports listed (one server's, or every server's), newest first."""
    reporters_everywhere: int
    """Distinct members with an open report of it, in every server."""
    decision: Decision | None
    withheld: bool = False
    open_reports: int = field(default=0)


@dataclass(frozen=True, slots=True)
class ReportPage:
    questions: tuple[ReportedQuestion, ...]
    page: int
    pages: int
    total: int


def _asked_row(question: Question, now: datetime) -> dict[str, Any]:
    subject, answer, choices = describe(question)
    return {
        "fingerprint": fingerprint(question),
        "fact": fact(question),
        "kind": question.kind.value,
        "subject": subject[:400],
        "answer": answer[:400],
        "choices": choices,
        "prompt": question.prompt,
        "first_asked_at": utc(now),
    }


async def _store_asked(session: AsyncSession, asked: list[tuple[Question, datetime]]) -> None:
    if asked:
        await session.execute(
            upsert_insert(session, _ASKED)
            .values([_asked_row(question, now) for question, now in asked])
            .on_conflict_do_nothing(index_elements=["fingerprint"])
        )


async def remember_all(sessions: Sessions, asked: list[tuple[Question, datetime]]) -> None:
    """Store questions whose results were shown (each once), in one transaction."""
    async with sessions() as session, session.begin():
        for chunk in chunks(asked, 200):  # a bounded statement per 200 rows
            await _store_asked(session, list(chunk))


async def asked(sessions: Sessions, *, key: str) -> bool:
    async with sessions() as session:
        found = await session.execute(
            select(_ASKED.c.fingerprint).where(_ASKED.c.fingerprint == key)
        )
        return found.first() is not None


@dataclass(frozen=True, slots=True)
class Filed:
    new: bool
    """False when the member had already reported it in this server (nothing changed)."""
    reporters: int
    """Distinct members with an open report of it, everywhere, now."""


async def add_report(
    sessions: Sessions,
    *,
    key: str,
    guild_id: int,
    reporter_id: int,
    reason: Reason,
    note: str | None,
    now: datetime,
    question: tuple[Question, datetime] | None = None,
) -> Filed:
    """File a member's report; ``question``: the question (and when its result was shown) if
    it is not stored yet (questions are stored when first reported)."""
    async with sessions() as session, session.begin():
        if question is not None:
            await _store_asked(session, [question])
        known = await session.execute(
            select(_ASKED.c.fingerprint).where(_ASKED.c.fingerprint == key)
        )
        if known.first() is None:
            raise UnknownQuestion(key)
        inserted = await session.execute(
            upsert_insert(session, _REPORTS)
            .values(
                fingerprint=key,
                guild_id=guild_id,
                reporter_id=reporter_id,
                reason=reason.value,
                note=note,
                reported_at=utc(now),
            )
            .on_conflict_do_nothing(index_elements=["fingerprint", "guild_id", "reporter_id"])
        )
        reporters = await session.execute(
            select(func.count(func.distinct(_REPORTS.c.reporter_id))).where(
                _REPORTS.c.fingerprint == key, _REPORTS.c.resolved_at.is_(None)
            )
        )
        new = bool(cast(CursorResult[Any], inserted).rowcount)
        return Filed(new=new, reporters=int(reporters.scalar_one()))


async def withheld_facts(sessions: Sessions, *, threshold: int) -> frozenset[str]:
    """Every fact generation must not ask (see the module's docstring)."""
    async with sessions() as session:
        decided = (await session.execute(select(_DECISIONS.c.fact, _DECISIONS.c.decision))).all()
        kept = {row.fact for row in decided if row.decision == Decision.KEEP}
        withheld = {row.fact for row in decided if row.decision == Decision.WITHHOLD}
        crowded = await session.execute(
            select(_ASKED.c.fact)
            .join(_REPORTS, _REPORTS.c.fingerprint == _ASKED.c.fingerprint)
            .where(_REPORTS.c.resolved_at.is_(None))
            .group_by(_ASKED.c.fact)
            .having(func.count(func.distinct(_REPORTS.c.reporter_id)) >= threshold)
        )
        withheld |= {row.fact for row in crowded} - kept
    return frozenset(withheld)


async def _questions(
    session: AsyncSession, *, guild_id: int | None, threshold: int
) -> list[ReportedQuestion]:
    where = [] if guild_id is None else [_REPORTS.c.guild_id == guild_id]
    rows = (
        await session.execute(
            select(
                _REPORTS,
                _ASKED.c.kind,
                _ASKED.c.subject,
                _ASKED.c.answer,
                _ASKED.c.choices,
                _ASKED.c.prompt,
                _ASKED.c.fact,
            )
            .join(_ASKED, _ASKED.c.fingerprint == _REPORTS.c.fingerprint)
            .where(*where)
            .order_by(_REPORTS.c.reported_at.desc(), _REPORTS.c.id.desc())
        )
    ).all()
    keys = sorted({row.fingerprint for row in rows})
    if not keys:
        return []
    everywhere: dict[str, int] = dict(
        (
            await session.execute(
                select(_REPORTS.c.fingerprint, func.count(func.distinct(_REPORTS.c.reporter_id)))
                .where(_REPORTS.c.fingerprint.in_(keys), _REPORTS.c.resolved_at.is_(None))
                .group_by(_REPORTS.c.fingerprint)
            )
        ).all()
    )
    decisions = {
        row.fingerprint: (Decision(row.decision), row.fact)
        for row in (await session.execute(select(_DECISIONS))).all()
    }
    kept_facts = {f for d, f in decisions.values() if d is Decision.KEEP}
    withheld_facts = {f for d, f in decisions.values() if d is Decision.WITHHOLD}
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.fingerprint, []).append(row)
    questions = []
    for key, group in grouped.items():  # newest report first
        first = group[0]
        reporters = int(everywhere.get(key, 0))
        decision = decisions.get(key, (None, None))[0]
        withheld = first.fact in withheld_facts or (
            reporters >= threshold and first.fact not in kept_facts
        )
        questions.append(
            ReportedQuestion(
                fingerprint=key,
                kind=first.kind,
                subject=first.subject,
                answer=first.answer,
                choices=tuple(first.choices or ()),
                prompt=first.prompt,
                reports=tuple(
                    Report(
                        guild_id=int(r.guild_id),
                        reporter_id=int(r.reporter_id),
                        reason=Reason(r.reason),
                        note=r.note,
                        reported_at=utc(r.reported_at),
                        resolution=Decision(r.resolution) if r.resolution else None,
                    )
                    for r in group
                ),
                reporters_everywhere=reporters,
                decision=decision,
                withheld=withheld,
                open_reports=sum(1 for r in group if r.resolved_at is None),
            )
        )
    # Open ones first, then the newest.
    questions.sort(key=lambda q: (q.open_reports == 0, -q.reports[0].reported_at.timestamp()))
    return questions


async def list_reports(
    sessions: Sessions, *, guild_id: int | None, threshold: int, page: int = 1, per_page: int = 5
) -> ReportPage:
    """The reported questions of one server (``guild_id``) or of all (None), open ones
    first, ``per_page`` to a page (``page`` is 1-based and clamped)."""
    async with sessions() as session:
        questions = await _questions(session, guild_id=guild_id, threshold=threshold)
    pages = max(1, -(-len(questions) // per_page))
    page = min(max(page, 1), pages)
    shown = questions[(page - 1) * per_page : page * per_page]
    return ReportPage(tuple(shown), page, pages, len(questions))


async def resolve(sessions: Sessions, *, key: str, decision: Decision, now: datetime) -> int:
    """Close every open report of the question and record the decision; how many reports
    it closed. UnknownQuestion if nobody ever reported it."""
    async with sessions() as session, session.begin():
        question = (
            await session.execute(select(_ASKED.c.fact).where(_ASKED.c.fingerprint == key))
        ).first()
        reported = (
            await session.execute(select(func.count()).where(_REPORTS.c.fingerprint == key))
        ).scalar_one()
        if question is None or not reported:
            raise UnknownQuestion(key)
        closed = await session.execute(
            update(_REPORTS)
            .where(_REPORTS.c.fingerprint == key, _REPORTS.c.resolved_at.is_(None))
            .values(resolved_at=utc(now), resolution=decision.value)
        )
        await session.execute(delete(_DECISIONS).where(_DECISIONS.c.fingerprint == key))
        await session.execute(
            _DECISIONS.insert().values(
                fingerprint=key, fact=question.fact, decision=decision.value, decided_at=utc(now)
            )
        )
        return int(cast(CursorResult[Any], closed).rowcount or 0)


async def forget_reporter(session: AsyncSession, *, user_id: int) -> int:
    """Delete every report the member filed (inside the caller's transaction)."""
    deleted = await session.execute(delete(_REPORTS).where(_REPORTS.c.reporter_id == user_id))
    return int(cast(CursorResult[Any], deleted).rowcount or 0)


__all__ = [
    "Filed",
    "Report",
    "ReportPage",
    "ReportedQuestion",
    "UnknownQuestion",
    "add_report",
    "forget_reporter",
    "list_reports",
    "remember_all",
    "resolve",
    "withheld_facts",
]
