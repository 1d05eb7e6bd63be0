"""The pure part of reports: fingerprints, facts and members' notes."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.models import Defector
from bot.quiz.model import QuestionKind
from bot.quiz.questions import QuestionGenerator
from bot.quiz.report import (
    FINGERPRINT_CHARS,
    MAX_NOTE_CHARS,
    clean_note,
    fact,
    fingerprint,
    is_fingerprint,
)


def test_a_fingerprint_ignores_the_order_of_the_choices(records: tuple[Defector, ...]) -> None:
    generator = QuestionGenerator(records, random.Random(1))
    for kind in QuestionKind:
        q = generator.generate([kind])
        shuffled = replace(q, choices=tuple(reversed(q.choices)))
        if kind is QuestionKind.ORDER:  # the people shown in another order: another key
            marks = "ABCD"
            new_marks = {name: marks[i] for i, name in enumerate(shuffled.choices)}
            key = "".join(new_marks[q.choices[marks.index(m)]] for m in str(q.answer))
            shuffled = replace(shuffled, answer=key, accepted=(key,))
        assert fingerprint(shuffled) == fingerprint(q) and fact(shuffled) == fact(q)
        assert is_fingerprint(fingerprint(q)) and len(fingerprint(q)) == FINGERPRINT_CHARS
        other = replace(q, choices=(*q.choices[:-1], "Someone else"))
        assert fingerprint(other) != fingerprint(q)
        # A chronology's people are what it asks about; elsewhere a choice is no part of it.
        assert (fact(other) == fact(q)) == (kind is not QuestionKind.ORDER)


def test_the_fact_is_what_was_asked_and_marked_right(records: tuple[Defector, ...]) -> None:
    q = QuestionGenerator(records, random.Random(2)).generate([QuestionKind.YEAR])
    assert fact(replace(q, answer=int(q.answer) + 1)) != fact(q)
    assert fact(replace(q, subject="Someone Else")) != fact(q)


@given(st.text(max_size=2000))
def test_a_note_is_short_and_never_pings(text: str) -> None:
    note = clean_note(text)
    if note is None:
        return
    assert len(note.replace("@\u2060", "@")) <= MAX_NOTE_CHARS
    assert "@everyone" not in note and "<@" not in note and "@here" not in note
    assert note == note.strip() and "\n" not in note


def test_a_blank_note_is_none() -> None:
    assert clean_note("   \n\t ") is None and clean_note(None) is None
    assert clean_note("  two   words \n here ") == "two words here"


def test_a_generator_never_asks_a_withheld_fact(records: tuple[Defector, ...]) -> None:
    import pytest

    from bot.quiz.questions import NoQuestion

    generator = QuestionGenerator(records, random.Random(4))
    for kind in (QuestionKind.METHOD, QuestionKind.ORDER):
        q = generator.generate([kind])
        others = [r.slug for r in records if r.slug not in q.slugs]
        generator.withheld = frozenset({fact(q)})
        for _ in range(30):
            try:
                again = generator.generate([kind], exclude=others)
            except NoQuestion:
                continue
            assert fact(again) != fact(q)
        generator.withheld = frozenset()
    with pytest.raises(NoQuestion):
        q = generator.generate([QuestionKind.YEAR])
        generator.withheld = frozenset({fact(q)})
        generator.generate(
            [QuestionKind.YEAR], exclude=[r.slug for r in records if r.slug != q.subject_slug]
        )
