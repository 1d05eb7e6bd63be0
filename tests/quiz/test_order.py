"""The chronology round: reading an order, scoring it by pairs, the questions and the game."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from itertools import combinations, permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.models import Defector
from bot.quiz.game import AnswerOutcome, Game, GameSettings, InvalidChoice, Mode, QuestionClosed
from bot.quiz.model import Question, QuestionKind, Verdict
from bot.quiz.order import (
    kendall_tau,
    order_points,
    order_verdict,
    pairs,
    pairs_right,
    parse_order,
)
from bot.quiz.questions import ORDER_MIN_GAP, QuestionGenerator
from bot.quiz.readings import notes_years

ORDERS = ["".join(p) for p in permutations("ABCD")]
orders = st.sampled_from(ORDERS)


# -- the pure rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["BDAC", "bdac", "b d a c", "B, D, A, C", "B-D-A-C", " B → D → A → C ", "(B)(D)(A)(C)"]
)
def test_every_written_form_reads_as_the_same_order(text: str) -> None:
    assert parse_order(text) == "BDAC"


@pytest.mark.parametrize(
    "text", ["", "BDA", "BDACA", "BDAE", "BBAC", "B D A C E", "be a cd", "abcd" * 20, "1234"]
)
def test_anything_but_each_letter_once_is_no_order(text: str) -> None:
    assert parse_order(text) is None


@given(orders, orders)
def test_pairs_right_counts_the_concordant_pairs(given_: str, answer: str) -> None:
    expected = sum(
        1
        for a, b in combinations(answer, 2)
        if given_.index(a) < given_.index(b)  # same way round as in the answer
    )
    assert pairs_right(given_, answer) == expected
    assert pairs_right(given_, answer) + pairs_right(given_[::-1], answer) == pairs(4)
    assert -1 <= kendall_tau(given_, answer) <= 1


@given(orders, st.integers(min_value=1, max_value=20))
def test_full_points_only_for_the_exact_order(answer: str, full: int) -> None:
    assert order_points(full, answer, answer) == full
    assert order_verdict(answer, answer) is Verdict.CORRECT
    assert order_points(full, answer[::-1], answer) == 0
    assert order_verdict(answer[::-1], answer) is Verdict.WRONG
    for other in ORDERS:
        if other != answer:
            assert 0 <= order_points(full, other, answer) < full


@given(orders, orders, orders, st.integers(min_value=1, max_value=20))
def test_more_pairs_right_never_earn_less(a: str, b: str, answer: str, full: int) -> None:
    if pairs_right(a, answer) <= pairs_right(b, answer):
        assert order_points(full, a, answer) <= order_points(full, b, answer)


def test_one_swap_of_neighbours_keeps_five_pairs_of_six() -> None:
    assert pairs_right("BDCA", "BDAC") == 5
    assert order_points(10, "BDCA", "BDAC") == 8  # 10 × 5/6, rounded down
    assert order_verdict("BDCA", "BDAC") is Verdict.CLOSE


def test_pairs_refuses_orders_of_other_letters() -> None:
    with pytest.raises(ValueError):
        pairs_right("ABCE", "ABCD")


# -- the questions -------------------------------------------------------------------------


def _defensible(people: list[Defector]) -> bool:
    """Distinct table years at least ORDER_MIN_GAP apart, and every year the notes mention
    keeps each pair the same way round."""
    for one, other in combinations(people, 2):
        if abs(one.year - other.year) < ORDER_MIN_GAP:
            return False
        early, late = sorted((one, other), key=lambda r: r.year)
        if max(notes_years(early) | {early.year}) >= min(notes_years(late) | {late.year}):
            return False
    return True


def test_order_questions_have_one_defensible_answer(records: tuple[Defector, ...]) -> None:
    by_slug = {r.slug: r for r in records}
    generator = QuestionGenerator(records, random.Random(7))
    for _ in range(500):
        q = generator.generate([QuestionKind.ORDER])
        people = [by_slug[s] for s in q.people]
        assert q.choices == tuple(p.name for p in people)
        assert q.years == tuple(p.year for p in people)
        assert _defensible(people)
        by_year = sorted(range(4), key=lambda i: people[i].year)
        assert q.answer == "".join("ABCD"[i] for i in by_year)
        for person in people:
            assert f"{person.name}: {person.year}" in q.explanation


def test_an_order_question_leaves_out_excluded_people(records: tuple[Defector, ...]) -> None:
    generator = QuestionGenerator(records, random.Random(3))
    used: set[str] = set()
    for _ in range(20):
        q = generator.generate([QuestionKind.ORDER], exclude=used)
        assert used.isdisjoint(q.people)
        used.update(q.slugs)


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_order_questions_come_in_every_difficulty(
    records: tuple[Defector, ...], difficulty: int
) -> None:
    generator = QuestionGenerator(records, random.Random(difficulty))
    q = generator.generate([QuestionKind.ORDER], difficulty=difficulty)
    gaps = [b - a for a, b in combinations(sorted(q.years), 2)]
    assert q.difficulty == difficulty
    assert (min(gaps) <= 4) == (difficulty == 3)


def test_the_cli_obeys_the_year_rule_over_5000_questions(records: tuple[Defector, ...]) -> None:
    by_slug = {r.slug: r for r in records}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "questions", "--count", "5000", "--seed", "11",
         "--kind", "order"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert len(out) == 5000
    for line in out:
        item = json.loads(line)
        assert item["kind"] == "order"
        people = [by_slug[s] for s in item["people"]]
        assert _defensible(people), item
        assert sorted(item["answer"]) == list("ABCD")


# -- the game ------------------------------------------------------------------------------


def order_question(slug: str = "o1", answer: str = "BDAC") -> Question:
    names = ("Ann", "Bob", "Cid", "Dan")
    return Question(
        kind=QuestionKind.ORDER,
        prompt="Put these four in order",
        subject="Ann",
        subject_slug=slug,
        answer=answer,
        accepted=(answer,),
        choices=names,
        explanation="…",
        difficulty=1,
        choice_labels=names,
        people=(slug, f"{slug}b", f"{slug}c", f"{slug}d"),
        years=(1950, 1940, 1970, 1945),
    )


def order_game(mode: Mode) -> Game:
    items = [order_question("o1"), order_question("o2")]
    return Game(
        GameSettings(mode=mode, rounds=2, kinds=frozenset({QuestionKind.ORDER})),
        starter_id=1,
        next_question=lambda asked: items.pop(0) if items else None,
        judge=lambda q, v: Verdict.WRONG,
    )


def test_buttons_orders_score_by_pairs_at_the_close() -> None:
    game = order_game(Mode.BUTTONS)
    game.start(0.0)
    assert game.answer(1, "BDAC", 0.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(2, "b, d, c, a", 0.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(3, "CADB", 0.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(2, "BDAC", 0.0) is AnswerOutcome.ALREADY_ANSWERED
    with pytest.raises(InvalidChoice):
        game.answer(4, "Ann", 0.0)
    closed = [e for e in game.tick(100.0) if isinstance(e, QuestionClosed)]
    awards = {a.player_id: a for a in closed[0].result.awards}
    assert (awards[1].points, awards[1].correct) == (10, True)
    assert (awards[2].points, awards[2].correct, awards[2].value) == (8, False, "BDCA")
    assert (awards[3].points, awards[3].verdict) == (0, Verdict.WRONG)


def test_typed_one_order_each_and_the_exact_one_wins() -> None:
    game = order_game(Mode.TYPED)
    game.start(0.0)
    assert game.answer(2, "hmm, no idea", 1.0) is AnswerOutcome.WRONG  # chat, not an order
    assert game.answer(2, "B D C A", 1.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(2, "BDAC", 2.0) is AnswerOutcome.ALREADY_ANSWERED
    assert game.answer(3, "bdac", 3.0) is AnswerOutcome.WINNER
    closed = [e for e in game.drain_events() if isinstance(e, QuestionClosed)]
    awards = {a.player_id: a.points for a in closed[0].result.awards}
    assert awards == {2: 8, 3: 10}


def test_a_game_never_asks_about_a_person_of_an_earlier_order_question() -> None:
    first = order_question("o1")
    repeat = QuestionKind.ORDER
    items = [first, order_question("o1"), order_question("o3")]
    asked: list[frozenset[str]] = []

    def source(seen: frozenset[str]) -> Question | None:
        asked.append(seen)
        return items.pop(0) if items else None

    game = Game(
        GameSettings(rounds=2, kinds=frozenset({repeat})),
        starter_id=1,
        next_question=source,
        judge=lambda q, v: Verdict.WRONG,
    )
    game.start(0.0)
    game.tick(100.0)
    question = game.advance(100.0)
    assert question is not None and question.subject_slug == "o3"
    assert {"o1", "o1b", "o1c", "o1d"} <= asked[-1]


def test_the_independent_review_reads_order_questions(records: tuple[Defector, ...]) -> None:
    from dataclasses import replace

    from tests.quiz.test_fairness import load_review

    reviewer = load_review().Reviewer(records)
    generator = QuestionGenerator(records, random.Random(5))
    q = generator.generate([QuestionKind.ORDER])
    assert reviewer.review(q) == []
    wrong_key = replace(q, answer=str(q.answer)[::-1], accepted=(str(q.answer)[::-1],))
    assert any("by the table's years the order is" in f for f in reviewer.review(wrong_key))
    # Two people a year in one's notes puts the other way round.
    by_slug = {r.slug: r for r in records}
    person, other = next(
        (p, o)
        for p in records
        for o in records
        if o is not p and o.slug not in q.people and p.slug not in q.people
        and abs(o.year - p.year) >= ORDER_MIN_GAP
        and min(notes_years(p) | {p.year}) < o.year < max(notes_years(p) | {p.year})
    )  # fmt: skip
    rest = [by_slug[s] for s in q.people[:2]]
    people = [person, other, *rest]
    tampered = replace(
        q,
        prompt="Put these four in order of defection, earliest first (by the table's year): "
        + "; ".join(f"{m}) {r.name}" for m, r in zip("ABCD", people, strict=True))
        + ".",
        choices=tuple(r.name for r in people),
        choice_labels=tuple(r.name for r in people),
    )
    assert any("allow other orders" in f for f in reviewer.review(tampered))


def test_a_typed_chronology_gets_its_hints_too(records: tuple[Defector, ...]) -> None:
    """Its hints name only the people of its prompt, so typed mode uses them as they are
    (typed-mode hints are for questions whose buttons hints would name unseen choices)."""
    q = QuestionGenerator(records, random.Random(4)).generate([QuestionKind.ORDER])
    assert q.hints and q.hints_for(typed=True) == q.hints_for(typed=False) == q.hints


def test_a_typed_order_from_everyone_playing_does_not_close_the_question() -> None:
    """Typed mode: others may keep guessing until the time runs out or the exact order wins
    (a play-tester's lone wrong order closed it within 2 s, shutting out the next player)."""
    game = order_game(Mode.TYPED)
    game.start(0.0)
    starter = next(iter(game.players))
    assert game.answer(starter, "DCBA", 1.0) is AnswerOutcome.LOCKED_IN
    assert closed_now(game) == [] and game.tick(10.0) == []
    assert game.answer(99, "BDAC", 11.0) is AnswerOutcome.WINNER


def closed_now(game: Game) -> list[QuestionClosed]:
    return [e for e in game.drain_events() if isinstance(e, QuestionClosed)]
