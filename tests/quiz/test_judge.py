"""The judge on a table of typed answers, traps included, and on hostile text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.vocab import Method
from bot.quiz.judge import Judge
from bot.quiz.model import Verdict

C, CL, W = Verdict.CORRECT, Verdict.CLOSE, Verdict.WRONG

WHO = [
    # full names, with and without accents, any case, reversed
    ("Rudolf Nureyev", "Rudolf Nureyev", C),
    ("Rudolf Nureyev", "rudolf nureyev", C),
    ("Rudolf Nureyev", "Nureyev Rudolf", C),
    ("Ferenc Puskás", "Ferenc Puskas", C),
    ("Nadia Comăneci", "nadia comaneci", C),
    ("Mihai Șubă", "Mihai Şubă", C),  # the other s-comma encoding
    ("Mihai Șubă", "mihai suba", C),
    ("Czesław Miłosz", "Czeslaw Milosz", C),
    ("Naim Süleymanoğlu", "naim suleymanoglu", C),
    ("Ion Mihai Pacepa", "ion pacepa", C),
    # surname alone when unambiguous
    ("Rudolf Nureyev", "nureyev", C),
    ("Ferenc Puskás", "puskas", C),
    ("Oleg Gordievsky", "gordievsky", C),
    ("Vladimir Petrov", "petrov", C),
    ("Evdokia Petrova", "petrova", C),
    ("Leonid Kozlov", "kozlov", C),
    ("Valentina Kozlova", "kozlova", C),
    ("Gorsha Sur", "sur", C),
    ("Nasreddin Murat-Khan", "murat-khan", C),
    ("Nasreddin Murat-Khan", "murat khan", C),
    ("Paul Barbă Neagră", "barba neagra", C),
    # aliases and pseudonyms
    ("Vladimir Rezun (Viktor Suvorov)", "Viktor Suvorov", C),
    ("Vladimir Rezun (Viktor Suvorov)", "suvorov", C),
    ("Vladimir Rezun (Viktor Suvorov)", "Vladimir Rezun", C),
    ("Christo Javacheff", "Christo", C),
    ("Svetlana Alliluyeva", "Lana Peters", C),
    ("Rudolf Nureyev", "Rudolf Nureev", C),
    # small typos scaled to the length
    ("Oleg Gordievsky", "Gordievski", C),
    ("Mikhail Baryshnikov", "Barishnikov", C),
    ("Rudolf Nureyev", "Nureev", C),
    ("Oleg Gordievsky", "Gordeivsky", C),  # a swap counts as one typo
    ("Martina Navratilova", "navratilva", C),
    ("Mikhail Baryshnikov", "mikhail barishnikov", C),
    ("Svetlana Alliluyeva", "aliluyeva", C),
    ("József Mindszenty", "mindzenty", C),
    # chatter around the answer
    ("Ferenc Puskás", "it's puskas", C),
    ("Ferenc Puskás", "I think Puskás", C),
    ("Ferenc Puskás", "puskas!!!", C),
    ("Ferenc Puskás", "  **Puskás**  ", C),
    ("Rudolf Nureyev", "nure\u200byev", C),  # zero-width space
    # another person, however close
    ("Vladimir Petrov", "Petrova", W),
    ("Evdokia Petrova", "Petrov", W),
    ("Leonid Kozlov", "Kozlova", W),
    ("Valentina Kozlova", "Kozlov", W),
    ("Anton Šťastný", "Peter Šťastný", W),
    ("Peter Šťastný", "Anton Stastny", W),
    ("Anton Šťastný", "stastny", W),  # two people share it
    ("Anton Šťastný", "Anton Šťastný", C),
    ("Peter Šťastný", "peter stastny", C),
    ("Alexander Petrovich", "petrov", W),
    ("Vladimir Petrov", "petrovich", W),
    ("Rudolf Nureyev", "baryshnikov", W),
    ("Oleg Protopopov", "belousova", W),
    # shotgun guesses
    ("Ferenc Puskás", "puskas kocsis czibor", W),
    ("Ferenc Puskás", "puskas or kocsis", W),
    ("Sándor Kocsis", "puskas kocsis czibor", W),
    ("Vladimir Petrov", "petrov petrova", W),
    # too short, first name only, nonsense, empty
    ("Nadia Comăneci", "nadia", W),
    ("Gorsha Sur", "sue", W),
    ("Rudolf Nureyev", "", W),
    ("Rudolf Nureyev", "   ", W),
    ("Rudolf Nureyev", "🩰", W),
    ("Rudolf Nureyev", "nureyev " * 50, W),
]

YEARS = [
    (1961, "1961", C),
    (1961, "in 1961.", C),
    (1961, "'61", C),
    (1961, "’61", C),
    (1961, "61", C),
    (1961, "It was 1961!", C),
    (1961, "1962", CL),
    (1961, "1959", CL),
    (1961, "1963", CL),
    (1961, "1964", W),
    (1961, "1958", W),
    (1961, "1960 or 1961", W),  # no hedging
    (1961, "19611", W),
    (1961, "nineteen sixty-one", W),
    (1961, "", W),
    (1961, "sixty one", W),
    (1924, "1924", C),
    (1924, "'24", C),
]

COUNTRIES = [
    ("Soviet Union", "USSR", C),
    ("Soviet Union", "U.S.S.R.", C),
    ("Soviet Union", "Soviet Union", C),
    ("Soviet Union", "the soviet union", C),
    ("Soviet Union", "soviet", C),
    ("Soviet Union", "Russia", CL),
    ("East Germany", "GDR", C),
    ("East Germany", "DDR", C),
    ("East Germany", "East Germany", C),
    ("East Germany", "east german", C),
    ("East Germany", "West Germany", W),  # the other Germany
    ("East Germany", "FRG", W),
    ("West Germany", "East Germany", W),
    ("West Germany", "west germany", C),
    ("West Germany", "BRD", C),
    ("West Germany", "Germany", CL),
    ("United States", "US", C),
    ("United States", "USA", C),
    ("United States", "U.S.A.", C),
    ("United States", "America", C),
    ("United States", "the States", C),
    ("United States", "United States", C),
    ("United States", "Canada", W),
    ("United Kingdom", "UK", C),
    ("United Kingdom", "Britain", C),
    ("United Kingdom", "great britain", C),
    ("United Kingdom", "U.K.", C),
    ("Hungary", "Hungarian", C),
    ("Hungary", "hungray", C),  # a typo
    ("Czechoslovakia", "czechoslovkia", C),
    ("Czechoslovakia", "Czech Republic", W),
    ("Romania", "Rumania", C),
    ("Poland", "polish", C),
    ("Netherlands", "Holland", C),
    ("Austria", "Australia", W),
    ("Sweden", "Swiss", W),
    ("Hungary", "hungary poland", W),
    ("Hungary", "", W),
]

METHODS = [
    (Method.AIRCRAFT, "flew a plane", C),
    (Method.AIRCRAFT, "hijacked a jet", C),
    (Method.SEA, "by boat", C),
    (Method.SEA, "jumped ship", C),
    (Method.TOUR_OR_PERFORMANCE, "on a ballet tour", C),
    (Method.SPORTING_EVENT, "at the olympics", C),
    (Method.EMBASSY_ASYLUM, "fled to the US embassy", C),
    (Method.OVERLAND_ESCAPE, "through a railway tunnel", C),
    (Method.OVERLAND_ESCAPE, "over the wall", C),
    (Method.ACADEMIC_OR_WORK_TRIP, "at a conference", C),
    (Method.OFFICIAL_POSTING, "while stationed abroad", C),
    (Method.AIRCRAFT, "sporting_event", W),
    (Method.SEA, "tour by boat", W),  # two methods: no hedging
    (Method.SEA, "", W),
]


@pytest.mark.parametrize(("expected", "answer", "verdict"), WHO)
def test_who(judge: Judge, expected: str, answer: str, verdict: Verdict) -> None:
    assert judge.judge_who(expected, answer) is verdict


@pytest.mark.parametrize(("expected", "answer", "verdict"), YEARS)
def test_year(judge: Judge, expected: int, answer: str, verdict: Verdict) -> None:
    assert judge.judge_year(expected, answer) is verdict


@pytest.mark.parametrize(("expected", "answer", "verdict"), COUNTRIES)
def test_country(judge: Judge, expected: str, answer: str, verdict: Verdict) -> None:
    assert judge.judge_country(expected, answer) is verdict


@pytest.mark.parametrize(("expected", "answer", "verdict"), METHODS)
def test_method(judge: Judge, expected: Method, answer: str, verdict: Verdict) -> None:
    assert judge.judge_method(expected, answer) is verdict


def test_the_table_has_at_least_80_cases() -> None:
    assert len(WHO) + len(YEARS) + len(COUNTRIES) + len(METHODS) >= 80


def test_who_accepts_any_of_several_right_people(judge: Judge) -> None:
    both = ["Anton Šťastný", "Peter Šťastný"]
    assert judge.judge_who(both, "stastny") is Verdict.CORRECT
    assert judge.judge_who(both, "peter stastny") is Verdict.CORRECT


def test_unknown_expected_person_is_an_error(judge: Judge) -> None:
    with pytest.raises(KeyError):
        judge.judge_who("Nobody At All", "nobody")


def test_every_person_is_judged_correct_by_their_own_name(judge: Judge) -> None:
    for record in judge.records:
        assert judge.judge_who(record.name, record.name) is Verdict.CORRECT, record.name


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(
        alphabet=st.sampled_from("\u200b\u200d\u202e\u2066\ufeff\x00\x1b 1961ab'"), max_size=50
    ),
    st.just("x" * 10_000),
    st.just("🩰" * 3000),
    st.just("@everyone **1961** `drop table`; --"),
)


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_the_judge_never_raises(judge: Judge, text: str) -> None:
    assert judge.judge_who("Rudolf Nureyev", text) in Verdict
    assert judge.judge_year(1961, text) in Verdict
    assert judge.judge_country("Soviet Union", text) in Verdict
    assert judge.judge_method(Method.SEA, text) in Verdict
