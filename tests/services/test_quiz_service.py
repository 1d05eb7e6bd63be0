"""The quiz service on its own: a real database, a ManualClock, and a presenter that records
what it is asked to show (no Discord, no sandbox)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog.models import Defector
from bot.db.quiz.games import get_game
from bot.db.quiz.tables import ANSWERS
from bot.errors import InvalidInput, NotPermitted
from bot.quiz.game import AnswerOutcome, EndReason, GameResult, GameSettings, Mode, QuestionResult
from bot.quiz.judge import Judge
from bot.quiz.model import Question, QuestionKind
from bot.records import GameAlreadyRunning, Period
from bot.services.clock import ManualClock
from bot.services.leaderboard import LeaderboardQuery, Scope, Viewer
from bot.services.ledger import Ledger, Saved
from bot.services.quiz import QuizService, RunningGame, TooManyGuesses

Sessions = async_sessionmaker[AsyncSession]

GUILD = 900_000_000_000_000_001
CHANNEL, OTHER_CHANNEL = 800_000_000_000_000_001, 800_000_000_000_000_002
ALICE, BOB = 700_000_000_000_000_001, 700_000_000_000_000_002
SECONDS = 10
ONE_YEAR_QUESTION = GameSettings(
    rounds=1, kinds=frozenset({QuestionKind.YEAR}), seconds_per_question=SECONDS
)


@dataclass
class RecordingPresenter:
    """Records each call, with what the ledger held at the moment a result was shown.
    ``failing``: calls that raise, as a channel Discord refuses would."""

    sessions: Sessions
    failing: set[str] = field(default_factory=set)
    questions: list[Question] = field(default_factory=list)
    results: list[QuestionResult] = field(default_factory=list)
    ledger_rows_when_shown: list[int] = field(default_factory=list)
    saved_when_shown: list[Saved | None] = field(default_factory=list)
    endings: list[GameResult] = field(default_factory=list)
    asked: asyncio.Event = field(default_factory=asyncio.Event)
    ended_event: asyncio.Event = field(default_factory=asyncio.Event)

    async def question(self, game: RunningGame, question: Question) -> None:
        self.questions.append(question)
        self.asked.set()
        if "question" in self.failing:
            raise RuntimeError("Missing Permissions")

    async def closed(self, game: RunningGame, result: QuestionResult) -> None:
        async with self.sessions() as session:
            rows = await session.scalar(
                select(func.count()).select_from(ANSWERS).where(ANSWERS.c.game_id == game.id)
            )
        self.ledger_rows_when_shown.append(int(rows or 0))
        self.saved_when_shown.append(game.saved.get(result.number))
        self.results.append(result)
        if "closed" in self.failing:
            raise RuntimeError("Unknown Channel")

    async def ended(self, game: RunningGame, result: GameResult) -> None:
        self.endings.append(result)
        self.ended_event.set()

    async def interrupted(self, channel_id: int) -> None:
        raise AssertionError("no game is interrupted here")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def presenter(sessions: Sessions) -> RecordingPresenter:
    return RecordingPresenter(sessions)


@pytest.fixture
async def quiz(
    sessions: Sessions,
    records: tuple[Defector, ...],
    clock: ManualClock,
    presenter: RecordingPresenter,
) -> AsyncIterator[QuizService]:
    service = QuizService(
        sessions=sessions,
        records=records,
        judge=Judge(records),
        clock=clock,
        ledger=Ledger(sessions),
        rng=random.Random(20261203),
        presenter=presenter,
    )
    yield service
    await service.close()


async def first_question(presenter: RecordingPresenter) -> Question:
    async with asyncio.timeout(5):
        await presenter.asked.wait()
    return presenter.questions[-1]


async def game_over(running: RunningGame, presenter: RecordingPresenter) -> GameResult:
    async with asyncio.timeout(5):
        await presenter.ended_event.wait()
        assert running.task is not None
        await running.task
    return presenter.endings[-1]


def wrong_choice(question: Question) -> str:
    return str(next(choice for choice in question.choices if choice != question.answer))


async def test_points_are_in_the_ledger_before_the_result_is_shown(
    quiz: QuizService, presenter: RecordingPresenter, clock: ManualClock, sessions: Sessions
) -> None:
    running = await quiz.start(
        guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, settings=ONE_YEAR_QUESTION
    )
    question = await first_question(presenter)
    assert quiz.answer(CHANNEL, ALICE, str(question.answer)) is AnswerOutcome.LOCKED_IN
    assert quiz.answer(CHANNEL, BOB, wrong_choice(question)) is AnswerOutcome.LOCKED_IN
    await clock.sleepers()
    await clock.advance(SECONDS + 1)
    ending = await game_over(running, presenter)

    assert presenter.ledger_rows_when_shown == [2]
    assert presenter.saved_when_shown == [Saved.WRITTEN]
    (result,) = presenter.results
    points = {award.player_id: (award.correct, award.points) for award in result.awards}
    assert points[BOB] == (False, 0)
    assert points[ALICE][0] and points[ALICE][1] > 0
    assert ending.reason is EndReason.COMPLETED and ending.winner == ALICE
    stored = await get_game(sessions, game_id=running.id)
    assert stored is not None and stored.winner_id == ALICE
    assert stored.end_reason is EndReason.COMPLETED and stored.ended_at == clock.wall()
    assert not quiz.quiz_running(CHANNEL)

    stats = await quiz.stats(user_id=ALICE, guild_id=GUILD)
    assert (stats.answers, stats.correct, stats.points, stats.wins) == (1, 1, points[ALICE][1], 1)
    query = LeaderboardQuery(Scope.SERVER, Period.WEEK)
    board, bob = await quiz.board(query, Viewer(BOB, GUILD))
    assert [entry.user_id for entry in board.entries] == [ALICE, BOB]
    assert bob is not None and (bob.rank, bob.points) == (2, 0)


async def test_only_the_starter_or_a_moderator_may_stop_a_game(
    quiz: QuizService, presenter: RecordingPresenter, sessions: Sessions
) -> None:
    settings = GameSettings(rounds=3, kinds=frozenset({QuestionKind.YEAR}), seconds_per_question=30)
    running = await quiz.start(
        guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, settings=settings
    )
    question = await first_question(presenter)
    quiz.answer(CHANNEL, ALICE, str(question.answer))
    with pytest.raises(NotPermitted):
        quiz.stop(CHANNEL, BOB, moderator=False)
    assert quiz.quiz_running(CHANNEL)
    quiz.stop(CHANNEL, BOB, moderator=True)
    ending = await game_over(running, presenter)

    assert ending.reason is EndReason.STOPPED and ending.questions_asked == 1
    stored = await get_game(sessions, game_id=running.id)
    assert stored is not None and stored.end_reason is EndReason.STOPPED
    # A stop scores the open question as a timeout would, and its points are on record.
    (result,) = presenter.results
    (award,) = result.awards
    assert award.correct and award.points > 0 and ending.winner == ALICE
    stats = await quiz.stats(user_id=ALICE, guild_id=GUILD)
    assert (stats.answers, stats.correct, stats.points) == (1, 1, award.points)


async def test_a_presenter_that_fails_does_not_stop_the_game(
    quiz: QuizService,
    presenter: RecordingPresenter,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    presenter.failing = {"question", "closed"}
    caplog.set_level(logging.ERROR, logger="bot.services.quiz")
    running = await quiz.start(
        guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, settings=ONE_YEAR_QUESTION
    )
    question = await first_question(presenter)
    quiz.answer(CHANNEL, ALICE, str(question.answer))
    await clock.sleepers()
    await clock.advance(SECONDS + 1)
    ending = await game_over(running, presenter)
    assert ending.winner == ALICE and presenter.saved_when_shown == [Saved.WRITTEN]
    failures = [r.getMessage() for r in caplog.records if r.exc_info]
    assert failures == [
        f"could not show question 1 of game {running.id}",
        f"could not show the result of question 1 of game {running.id}",
    ]


async def test_one_game_per_channel_and_a_few_per_member(
    quiz: QuizService, presenter: RecordingPresenter
) -> None:
    quiz.games_per_member = 1
    await quiz.start(
        guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, settings=ONE_YEAR_QUESTION
    )
    with pytest.raises(GameAlreadyRunning):
        await quiz.start(
            guild_id=GUILD, channel_id=CHANNEL, starter_id=BOB, settings=ONE_YEAR_QUESTION
        )
    with pytest.raises(InvalidInput) as refused:
        await quiz.start(
            guild_id=GUILD, channel_id=OTHER_CHANNEL, starter_id=ALICE, settings=ONE_YEAR_QUESTION
        )
    assert refused.value.message == (
        f"You already have 1 quiz running on this server (<#{CHANNEL}>); "
        "end one with `/quiz stop` first."
    )
    assert list(quiz.games) == [CHANNEL]


async def test_typed_guesses_past_the_limit_are_refused_once_then_ignored(
    quiz: QuizService, presenter: RecordingPresenter
) -> None:
    quiz.guesses_per_question = 2
    settings = GameSettings(
        rounds=1, kinds=frozenset({QuestionKind.YEAR}), mode=Mode.TYPED, seconds_per_question=30
    )
    await quiz.start(guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, settings=settings)
    question = await first_question(presenter)
    far_off = str(int(str(question.answer)) - 300)
    assert quiz.typed_answer(CHANNEL, BOB, far_off) is AnswerOutcome.WRONG
    assert quiz.typed_answer(CHANNEL, BOB, far_off) is AnswerOutcome.WRONG
    with pytest.raises(TooManyGuesses):
        quiz.typed_answer(CHANNEL, BOB, str(question.answer))
    assert quiz.typed_answer(CHANNEL, BOB, str(question.answer)) is None
    assert quiz.typed_answer(CHANNEL, ALICE, str(question.answer)) is AnswerOutcome.WINNER
