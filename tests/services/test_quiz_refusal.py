"""/quiz start refuses kinds and a difficulty no question fits, and says what there is."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from bot.catalog.models import Defector
from bot.errors import InvalidInput
from bot.quiz.judge import Judge
from bot.quiz.model import QuestionKind
from bot.services.clock import ManualClock
from bot.services.ledger import Ledger
from bot.services.quiz import KIND_GROUPS, QuizService

WHO, YEAR = QuestionKind.WHO, QuestionKind.YEAR


class Served:
    """Stands in for the generator's ``available``: which (kind, difficulty) can be asked."""

    def __init__(self, pairs: Iterable[tuple[QuestionKind, int]]) -> None:
        self.pairs = set(pairs)

    def available(self, kinds: Iterable[QuestionKind], difficulty: int | None = None) -> bool:
        return any(
            (kind, level) in self.pairs
            for kind in kinds
            for level in ((1, 2, 3) if difficulty is None else (difficulty,))
        )


def service(records: tuple[Defector, ...], served: Served) -> QuizService:
    quiz = QuizService(
        sessions=None,  # type: ignore[arg-type]  # the refusal happens before any database work
        records=records,
        judge=Judge(records),
        clock=ManualClock(),
        ledger=Ledger(None),  # type: ignore[arg-type]
    )
    quiz.generator = served  # type: ignore[assignment]
    return quiz


async def test_the_refusal_names_the_difficulties_those_kinds_have(
    records: tuple[Defector, ...],
) -> None:
    quiz = service(records, Served({(WHO, 1), (WHO, 2), (YEAR, 3)}))
    with pytest.raises(InvalidInput) as refused:
        quiz.require_questions(KIND_GROUPS["who"], 3)
    assert refused.value.message == (
        "There are no hard questions about who (there are easy and medium ones): "
        "choose another difficulty or other kinds."
    )
    quiz.require_questions(KIND_GROUPS["who"] | KIND_GROUPS["year"], 3)  # year has hard ones
    quiz.require_questions(KIND_GROUPS["who"], None)


@pytest.mark.parametrize("difficulty", [None, 1, 2, 3])
async def test_kinds_with_no_question_at_all_are_refused(
    records: tuple[Defector, ...], difficulty: int | None
) -> None:
    quiz = service(records, Served({(YEAR, 1)}))
    with pytest.raises(InvalidInput) as refused:
        quiz.require_questions(KIND_GROUPS["method"], difficulty)
    message: Any = refused.value.message
    assert "method" in message and "(there are" not in message and "other kinds" in message
