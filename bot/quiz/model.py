"""The quiz's plain data: question kinds, questions and verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

BUTTONS_ONLY_NOTES = (", so no choice offered it", ", so no choice offered them")
"""Words of an explanation that are true only where choices are shown (buttons mode)."""

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
    """Buttons mode: progressively stronger hints, weakest first; each rules out a choice."""
    typed_hints: tuple[str, ...] = ()
    """Typed mode (no choices on screen): hints that narrow the answer itself (decade, then
    a five-year span, then the last digit; region, then first letter and length), weakest
    first. None names a value that is not the answer."""
    people: tuple[str, ...] = ()
    """For ``order``: the slugs of the four people, in the order of ``choices``."""
    years: tuple[int, ...] = ()
    """For ``order``: each person's year (the table's), in the order of ``choices``."""

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every person the question is about (a game asks about each only once)."""
        return self.people or (self.subject_slug,)

    def explanation_for(self, *, typed: bool) -> str:
        """The explanation for the mode being played: typed mode shows no choices, so it
        does not say why no choice offered another reading."""
        if not typed:
            return self.explanation
        text = self.explanation
        for note in BUTTONS_ONLY_NOTES:
            text = text.replace(note, "")
        return text

    def hints_for(self, *, typed: bool) -> tuple[str, ...]:
        """The hints for the mode being played (a chronology's hints name only the people
        of its prompt, so they serve both modes)."""
        if typed and self.kind is not QuestionKind.ORDER:
            return self.typed_hints
        return self.hints

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
            "typed_hints": list(self.typed_hints),
        } | ({"people": list(self.people), "years": list(self.years)} if self.people else {})
