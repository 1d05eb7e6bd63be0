"""Reports of bad questions, the pure part: what a report can say, a question's fingerprint,
and the note a member may add (kept short and harmless).

A question's **fingerprint** names exactly what a member saw: its kind, its subject, its
answer and its choices (in any order). Its **fact** leaves the choices out: what was asked
and what was marked right. A withheld question withholds its fact, so the same question is
not asked again with other wrong choices either.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from enum import StrEnum

from bot.catalog.normalize import strip_invisible
from bot.quiz.model import Question, QuestionKind

FINGERPRINT_CHARS = 12
MAX_NOTE_CHARS = 300
"""The longest note a member may add to a report."""
DEFAULT_THRESHOLD = 3
"""Distinct members whose reports withhold a question (the REPORT_THRESHOLD setting)."""
_FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_CHARS}}}")


class Reason(StrEnum):
    WRONG_ANSWER = "wrong_answer"
    SEVERAL_RIGHT = "several_right"
    TYPO = "typo"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.WRONG_ANSWER: "The answer is wrong",
    Reason.SEVERAL_RIGHT: "More than one answer is right",
    Reason.TYPO: "A typo",
    Reason.OTHER: "Something else",
}


class Decision(StrEnum):
    KEEP = "keep"
    """The question is fine: its reports are closed and it is asked again."""
    WITHHOLD = "withhold"
    """The question is wrong: it is never asked again."""


def _digest(parts: list[object]) -> str:
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_CHARS]


def _subject_and_answer(question: Question) -> tuple[str, str]:
    if question.kind is QuestionKind.ORDER:
        # Its people were shown in a shuffled order: the subject is the four of them, the
        # answer their names in the right order.
        by_letter = dict(zip("ABCD", question.choices, strict=False))
        return (
            " / ".join(sorted(map(str, question.choices))),
            " → ".join(str(by_letter[m]) for m in str(question.answer)),
        )
    return question.subject, str(question.answer)


def fingerprint(question: Question) -> str:
    """What the member saw: kind, subject, answer, choices (their order does not matter)."""
    subject, answer = _subject_and_answer(question)
    return _digest([question.kind.value, subject, answer, sorted(map(str, question.choices))])


def fact(question: Question) -> str:
    """What was asked and marked right: kind, subject, answer."""
    subject, answer = _subject_and_answer(question)
    return _digest([question.kind.value, subject, answer])


def describe(question: Question) -> tuple[str, str, list[str]]:
    """The subject, answer and choices a report stores (words, as a member reads them; no
    choices if the member saw none, see :func:`as_seen`)."""
    subject, answer = _subject_and_answer(question)
    if question.kind is not QuestionKind.ORDER and question.answer in question.choices:
        answer = question.label(question.answer)
    return subject, answer, list(question.choice_labels) if len(question.choices) > 1 else []


def as_seen(question: Question, *, typed: bool) -> Question:
    """The question as its players saw it: a typed one (chronology aside, whose people are
    lettered on screen) showed no choices, so only its answer is kept of them."""
    if not typed or question.kind is QuestionKind.ORDER or question.answer not in question.choices:
        return question
    return replace(
        question, choices=(question.answer,), choice_labels=(question.label(question.answer),)
    )


def is_fingerprint(text: str) -> bool:
    return _FINGERPRINT.fullmatch(text) is not None


def clean_note(text: str | None) -> str | None:
    """A member's note: invisible characters gone, spaces collapsed, mentions defused (an
    ``@`` never pings where the note is shown), at most :data:`MAX_NOTE_CHARS`; None if
    empty."""
    if text is None:
        return None
    cleaned = " ".join(strip_invisible(text).split())[:MAX_NOTE_CHARS]
    cleaned = cleaned.replace("@", "@\u2060")
    return cleaned or None
