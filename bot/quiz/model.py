"""The quiz's plain data: question kinds, questions and verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

Answer = str | int
"""A year (int), a country name, a method code or a person's name as in the table."""


class QuestionKind(StrEnum):
    YEAR = "year"
    ORIGIN_COUNTRY = "origin_country"
    BIRTH_COUNTRY = "birth_country"
    DESTINATION_COUNTRY = "destination_country"
    METHOD = "method"
    WHO = "who"
    ORDER = "order"
    """Chronology: put four people in order of defection (answered with letters, "BDAC")."""

    @property
    def is_country(self) -> bool:
        return self in COUNTRY_KINDS


COUNTRY_KINDS = frozenset(
    {QuestionKind.ORIGIN_COUNTRY, QuestionKind.BIRTH_COUNTRY, QuestionKind.DESTINATION_COUNTRY}
)
ONE_ANSWER_KINDS = frozenset(QuestionKind) - {QuestionKind.ORDER}
"""The kinds answered by one choice (one click, one typed value): every kind but the
chronology round, which is opt-in (its answer is an order)."""


class Verdict(StrEnum):
    CORRECT = "correct"
    CLOSE = "close"
    WRONG = "wrong"


@dataclass(frozen=True, slots=True)
class Question:
    """One question, checkable against the catalogue's fields alone."""

    kind: QuestionKind
    prompt: str
    subject: str
    """The name (exactly as in the table) of the record the question is about."""
    subject_slug: str
    answer: Answer
    accepted: tuple[Answer, ...]
    """Every answer that is right: the answer first, then any other reading the row supports
    (Kocsis went to Spain, then Switzerland); for ``who``, the one person the clues fit."""
    choices: tuple[Answer, ...]
    """The answer and three distractors, shuffled; distinct values."""
    explanation: str
    difficulty: int
    """1 (easy) to 3 (hard)."""
    clues: tuple[tuple[str, str], ...] = ()
    """For ``who``: the fields and values the prompt states, in order."""
    choice_labels: tuple[str, ...] = field(default=())
    """What players see for each choice (methods in words); same order as ``choices``."""
    hints: tuple[str, ...] = ()
    """Progressively stronger hints (first letters, decade, region), weakest first."""
    people: tuple[str, ...] = ()
    """For ``order``: the slugs of the four people, in the order of ``choices``."""
    years: tuple[int, ...] = ()
    """For ``order``: each person's year (the table's), in the order of ``choices``."""

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every person the question is about (a game asks about each only once)."""
        return self.people or (self.subject_slug,)

    def label(self, value: Answer) -> str:
        return self.choice_labels[self.choices.index(value)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "prompt": self.prompt,
            "subject": self.subject,
            "answer": self.answer,
            "accepted": list(self.accepted),
            "choices": list(self.choices),
            "choice_labels": list(self.choice_labels),
            "clues": dict(self.clues),
            "explanation": self.explanation,
            "difficulty": self.difficulty,
            "hints": list(self.hints),
        } | ({"people": list(self.people), "years": list(self.years)} if self.people else {})
