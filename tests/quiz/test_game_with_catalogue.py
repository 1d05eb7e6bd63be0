"""The game with the real question generator and judge (the way the bot will run it)."""

from __future__ import annotations

import random
from collections.abc import Callable

from bot.catalog.models import Defector
from bot.quiz.game import EndReason, Game, GameSettings, Mode, Phase
from bot.quiz.judge import Judge
from bot.quiz.model import ONE_ANSWER_KINDS, Question, QuestionKind
from bot.quiz.questions import NoQuestion, QuestionGenerator


def source(
    generator: QuestionGenerator, kinds: frozenset[QuestionKind]
) -> Callable[[frozenset[str]], Question | None]:
    def next_question(asked: frozenset[str]) -> Question | None:
        try:
            return generator.generate(kinds, exclude=asked)
        except NoQuestion:
            return None

    return next_question


def right_answer(question: Question) -> str:
    if question.kind is QuestionKind.WHO:
        return question.subject
    if question.kind is QuestionKind.METHOD:
        return question.label(question.answer)
    return str(question.answer)


def test_a_typed_game_played_to_the_end(records: tuple[Defector, ...], judge: Judge) -> None:
    kinds = ONE_ANSWER_KINDS
    settings = GameSettings(rounds=12, kinds=kinds, mode=Mode.TYPED, seconds_per_question=20)
    game = Game(
        settings,
        starter_id=1,
        next_question=source(QuestionGenerator(records, random.Random(9)), kinds),
        judge=judge.judge,
    )
    now = 0.0
    question = game.start(now)
    subjects = []
    while question is not None:
        subjects.append(question.subject_slug)
        game.answer(2, "xyzzy", now + 1)  # wrong: the question stays open
        assert game.phase is Phase.ASKING
        game.answer(3, right_answer(question), now + 2)
        assert game.phase in (Phase.BETWEEN, Phase.FINISHED)
        now += 5
        question = game.advance(now)
    assert game.result is not None and game.result.reason is EndReason.COMPLETED
    assert len(subjects) == len(set(subjects)) == 12
    assert game.result.winner == 3
    assert game.scores[3] == 12 * settings.base_points
    assert game.scores.get(2, 0) == 0


def test_a_buttons_game_scores_every_correct_player(
    records: tuple[Defector, ...], judge: Judge
) -> None:
    kinds = frozenset({QuestionKind.YEAR, QuestionKind.ORIGIN_COUNTRY})
    settings = GameSettings(rounds=3, kinds=kinds, mode=Mode.BUTTONS, seconds_per_question=10)
    game = Game(
        settings,
        starter_id=99,  # starts the game but does not answer: the question runs its time
        next_question=source(QuestionGenerator(records, random.Random(4)), kinds),
        judge=judge.judge,
    )
    question = game.start(0.0)
    assert question is not None
    wrong = next(c for c in question.choices if c != question.answer)
    game.answer(1, str(question.answer), 1.0)
    game.answer(2, str(question.answer), 9.0)
    game.answer(3, str(wrong), 2.0)
    events = game.tick(10.5)
    assert events and game.phase is Phase.BETWEEN
    result = game.results[0]
    points = {award.player_id: award.points for award in result.awards}
    assert points[1] > points[2] > 0 and points[3] == 0
