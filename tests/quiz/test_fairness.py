"""The fairness guarantees, stated over many seeds, and the independent review."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import Method
from bot.quiz.model import QuestionKind
from bot.quiz.questions import (
    DIFFICULTIES,
    QuestionGenerator,
    mentioned_countries,
    notes_years,
    supported_methods,
)

REVIEW = Path(__file__).resolve().parents[2] / "scripts" / "review_questions.py"


def load_review() -> ModuleType:
    spec = importlib.util.spec_from_file_location("review_questions", REVIEW)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["review_questions"] = module
    spec.loader.exec_module(module)
    return module


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    kind=st.sampled_from(QuestionKind),
    difficulty=st.sampled_from(DIFFICULTIES),
)
def test_one_defensible_answer(
    records: tuple[Defector, ...], seed: int, kind: QuestionKind, difficulty: int
) -> None:
    q = QuestionGenerator(records, random.Random(seed)).generate([kind], difficulty=difficulty)
    subject = next(r for r in records if r.slug == q.subject_slug)
    wrong = [c for c in q.choices if c != q.answer]
    assert q.accepted == (q.answer,) and q.difficulty == difficulty
    assert len(q.hints) >= 1 and len(set(q.hints)) == len(q.hints)
    if kind is QuestionKind.YEAR:
        assert not set(wrong) & notes_years(subject)
    if kind is QuestionKind.METHOD:
        assert not {Method(str(c)) for c in wrong} & supported_methods(subject)
    if kind.is_country:
        row = mentioned_countries(subject.notes, subject.profession, subject.birthplace)
        assert not set(map(str, wrong)) & row
        if kind is QuestionKind.ORIGIN_COUNTRY:
            assert subject.birth_country not in wrong
        if kind is QuestionKind.BIRTH_COUNTRY:
            assert subject.origin_country not in wrong
    if kind is QuestionKind.WHO:
        fitting = [r for r in records if all(_holds(r, f, v) for f, v in q.clues)]
        assert [r.name for r in fitting] == [q.subject]
        assert 2 <= len(q.clues) <= 4


def _holds(record: Defector, field: str, value: str) -> bool:
    actual = {
        "profession": fold(record.profession or ""),
        "year": str(record.year),
        "origin_country": record.origin_country,
        "destination_country": None
        if record.status.value == "failed"
        else record.destination_country,
        "method": record.method.label,
    }[field]
    return actual == (fold(value) if field == "profession" else value)


@pytest.mark.parametrize("kind", list(QuestionKind))
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_kind_and_difficulty_is_served(
    records: tuple[Defector, ...], kind: QuestionKind, difficulty: int
) -> None:
    generator = QuestionGenerator(records, random.Random(difficulty))
    assert generator.available([kind], difficulty)
    assert generator.generate([kind], difficulty=difficulty).difficulty == difficulty


def test_known_traps(records: tuple[Defector, ...]) -> None:
    by_name = {r.name: r for r in records}
    generator = QuestionGenerator(records, random.Random(0))
    cases = [
        ("Christo Javacheff", QuestionKind.ORIGIN_COUNTRY, "Bulgaria"),
        ("Sándor Kocsis", QuestionKind.DESTINATION_COUNTRY, "Switzerland"),
        ("Ivo Knoflíček", QuestionKind.DESTINATION_COUNTRY, "West Germany"),
    ]
    for name, kind, never in cases:
        if name not in by_name:
            continue
        for _ in range(30):
            q = generator.make(kind, by_name[name])
            assert q is None or never == q.answer or never not in q.choices


def test_the_independent_review_finds_nothing(records: tuple[Defector, ...]) -> None:
    review = load_review()
    findings = review.run(1000, [1, 2, 3])
    assert [f"{q.prompt} -> {f}" for _, q, f in findings] == []
