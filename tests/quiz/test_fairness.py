"""The fairness guarantees, stated over many seeds, and the independent review."""

from __future__ import annotations

import importlib.util
import random
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import Method
from bot.quiz.judge import Judge
from bot.quiz.model import ONE_ANSWER_KINDS, Answer, Question, QuestionKind, Verdict
from bot.quiz.questions import DIFFICULTIES, QuestionGenerator
from bot.quiz.readings import mentioned_countries, notes_years, supported_methods

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
    kind=st.sampled_from(sorted(ONE_ANSWER_KINDS)),
    difficulty=st.sampled_from(DIFFICULTIES),
)
def test_one_defensible_answer(
    records: tuple[Defector, ...], seed: int, kind: QuestionKind, difficulty: int
) -> None:
    q = QuestionGenerator(records, random.Random(seed)).generate([kind], difficulty=difficulty)
    subject = next(r for r in records if r.slug == q.subject_slug)
    wrong = [c for c in q.choices if c != q.answer]
    assert q.accepted[0] == q.answer and q.difficulty == difficulty
    # Every other reading is accepted (typed mode), and none of them is a choice.
    assert not set(q.accepted[1:]) & set(q.choices)
    if kind is QuestionKind.DESTINATION_COUNTRY:
        assert set(q.accepted) == set(subject.destinations)
    elif kind is QuestionKind.ORIGIN_COUNTRY:
        assert set(q.accepted) == set(subject.origins)
    elif kind is QuestionKind.METHOD:
        assert set(q.accepted) == {m.value for m in subject.methods}
    else:
        assert q.accepted == (q.answer,)
    assert len(q.hints) >= 1 and len(set(q.hints)) == len(q.hints)
    if kind is QuestionKind.YEAR:
        # No year the notes mention, ranges included ("1956–57" mentions 1957).
        assert not set(wrong) & notes_years(subject)
        if notes_years(subject) - {subject.year}:
            assert "table's year column" in q.prompt
    if kind is QuestionKind.METHOD:
        # No method any curated reading supports, nor one the notes' keywords suggest.
        assert not {Method(str(c)) for c in wrong} & (
            set(subject.methods) | supported_methods(subject)
        )
    if kind.is_country:
        readings = {
            QuestionKind.ORIGIN_COUNTRY: {*subject.origins, subject.birth_country},
            QuestionKind.BIRTH_COUNTRY: {subject.birth_country, *subject.origins},
            QuestionKind.DESTINATION_COUNTRY: set(subject.destinations),
        }[kind]
        assert not set(map(str, wrong)) & readings
        row = mentioned_countries(subject.notes, subject.profession, subject.birthplace)
        assert not set(map(str, wrong)) & row
    if kind is QuestionKind.WHO:
        # Under every reading: a person fits a clue if any reading of their row supports it.
        fitting = [r for r in records if all(fits_under_some_reading(r, f, v) for f, v in q.clues)]
        assert [r.name for r in fitting] == [q.subject]
        assert 2 <= len(q.clues) <= 4


def fits_under_some_reading(record: Defector, field: str, value: str) -> bool:
    if field == "profession":
        return f" {fold(value)} " in f" {fold(record.profession or '')} "
    if field == "year":
        return int(value) == record.year or int(value) in notes_years(record)
    if field == "origin_country":
        return value in record.origins
    if field == "destination_country":
        return value in record.destinations
    return any(m.label == value for m in record.methods)


@pytest.mark.parametrize("kind", sorted(ONE_ANSWER_KINDS))
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_kind_and_difficulty_is_served(
    records: tuple[Defector, ...], kind: QuestionKind, difficulty: int
) -> None:
    generator = QuestionGenerator(records, random.Random(difficulty))
    assert generator.available([kind], difficulty)
    assert generator.generate([kind], difficulty=difficulty).difficulty == difficulty


KNOWN_TRAPS = [
    ("Christo Javacheff", QuestionKind.ORIGIN_COUNTRY, "Bulgaria"),
    ("Sándor Kocsis", QuestionKind.DESTINATION_COUNTRY, "Switzerland"),
    ("Ivo Knoflíček", QuestionKind.DESTINATION_COUNTRY, "West Germany"),
    ("Oleg Protopopov", QuestionKind.METHOD, "sporting_event"),
    ("Konstantin Volkov", QuestionKind.METHOD, "embassy_asylum"),
    ("Sándor Kocsis", QuestionKind.YEAR, 1957),  # "the 1956–57 European Cup"
    ("Matei Pavel Haiducu", QuestionKind.YEAR, 1981),
]


@pytest.mark.parametrize(("name", "kind", "never"), KNOWN_TRAPS)
def test_known_traps(
    records: tuple[Defector, ...], name: str, kind: QuestionKind, never: object
) -> None:
    subject = {r.name: r for r in records}[name]
    made = 0
    for seed in range(40):
        generator = QuestionGenerator(records, random.Random(seed))
        for difficulty in DIFFICULTIES:
            q = generator.make(kind, subject, difficulty=difficulty)
            if q is not None:
                made += 1
                assert never != q.answer and never not in q.choices
    assert made, f"no {kind.value} question about {name} at all"


def test_the_explanation_is_about_the_asked_fact(
    records: tuple[Defector, ...], judge: Judge
) -> None:
    by_name = {r.name: r for r in records}
    generator = QuestionGenerator(records, random.Random(0))
    kocsis = generator.make(QuestionKind.DESTINATION_COUNTRY, by_name["Sándor Kocsis"])
    assert kocsis is not None
    assert kocsis.explanation.startswith("Spain: “Defected during the 1956–57 European Cup")
    assert "also supports Switzerland (“then went to Switzerland”)" in kocsis.explanation
    assert kocsis.accepted == ("Spain", "Switzerland")
    assert judge.judge(kocsis, "switzerland") is Verdict.CORRECT  # typed: a defensible answer
    christo = generator.make(QuestionKind.ORIGIN_COUNTRY, by_name["Christo Javacheff"])
    assert christo is not None
    assert "“Escaped from Czechoslovakia to Austria.”" in christo.explanation
    assert "Bulgaria" in christo.explanation  # why Bulgaria was not a choice
    # The clause about going there, not one that merely names the country.
    for name, words in [
        ("Vasily Matuzok", "running across the demarcation line to South Korea"),
        ("Ryszard Kukliński", "Later defected to the U.S."),
        ("Valeri Tihonovitch Minakov", "on St. Lawrence Island"),  # curated evidence
    ]:
        q = generator.make(QuestionKind.DESTINATION_COUNTRY, by_name[name])
        assert q is not None and words in q.explanation, q and q.explanation
    kravchenko = generator.make(QuestionKind.ORIGIN_COUNTRY, by_name["Victor Kravchenko"])
    assert kravchenko is not None and "engineer who witnessed" not in kravchenko.explanation
    for seed in range(20):
        who = QuestionGenerator(records, random.Random(seed)).make(
            QuestionKind.WHO, by_name["Simonas Kudirka"], difficulty=None
        )
        assert who is not None
        assert "By sea" not in who.explanation and "how " not in who.explanation.lower()


def test_aliases_are_never_quiz_facts(records: tuple[Defector, ...]) -> None:
    """An alias from outside the row (Ferenc Purczeld, Afanasy Shorokhov) serves name lookup
    only: no prompt, choice, hint or explanation ever shows one."""
    outside: dict[str, str] = {}
    for record in records:
        row = fold(" ".join(t or "" for t in (record.name, record.notes, record.profession)))
        for alias in record.aliases:
            if f" {fold(alias)} " not in f" {row} ":
                outside[fold(alias)] = record.name
    assert "ferenc purczeld" in outside and "afanasy shorokhov" in outside
    for seed in range(3):
        generator = QuestionGenerator(records, random.Random(seed))
        for _ in range(600):
            q = generator.generate()
            shown = f" {fold(' '.join((q.prompt, q.explanation, *q.choice_labels, *q.hints)))} "
            assert not [a for a in outside if f" {a} " in shown], q.prompt


def test_the_independent_review_finds_nothing(records: tuple[Defector, ...]) -> None:
    review = load_review()
    findings = review.run(1500, [1, 2, 3], records)  # 4,500 questions
    assert [f"{q.prompt} -> {f}" for _, q, f in findings] == []


def test_the_review_imports_no_generator_tables() -> None:
    source = REVIEW.read_text(encoding="utf-8")
    imports = {
        line.strip() for line in source.splitlines() if line.startswith(("from bot", "import bot"))
    }
    assert imports == {
        "from bot.catalog.importer import load_catalogue",
        "from bot.catalog.models import Defector",
        "from bot.catalog.vocab import Method",
        "from bot.quiz.model import Question, QuestionKind",
        "from bot.quiz.questions import QuestionGenerator",
    }


def _question(records: tuple[Defector, ...], name: str, kind: QuestionKind) -> Question:
    subject = {r.name: r for r in records}[name]
    for seed in range(50):
        q = QuestionGenerator(records, random.Random(seed)).make(kind, subject)
        if q is not None:
            return q
    raise AssertionError(f"no {kind.value} question about {name}")


def _with_wrong_choice(q: Question, bad: Answer, label: str | None = None) -> Question:
    """``q`` with its first wrong choice replaced by ``bad``."""
    index = next(i for i, c in enumerate(q.choices) if c != q.answer)
    choices = list(q.choices)
    labels = list(q.choice_labels)
    choices[index] = bad
    labels[index] = label or str(bad)
    return replace(q, choices=tuple(choices), choice_labels=tuple(labels), hints=())


def test_the_review_catches_deliberately_bad_questions(records: tuple[Defector, ...]) -> None:
    review = load_review()
    reviewer = review.Reviewer(records)

    def findings(q: Question) -> list[str]:
        return [f for f in reviewer.review(q) if not f.startswith("hint")]

    # A wrong choice that is the country he settled in.
    kocsis = _question(records, "Sándor Kocsis", QuestionKind.DESTINATION_COUNTRY)
    assert findings(kocsis) == []
    bad = findings(_with_wrong_choice(kocsis, "Switzerland"))
    assert any("2 defensible choices" in f and "Switzerland" in f for f in bad), bad
    # Settled in West Germany (curated), as a wrong choice.
    knoflicek = _question(records, "Ivo Knoflíček", QuestionKind.DESTINATION_COUNTRY)
    assert any("defensible" in f for f in findings(_with_wrong_choice(knoflicek, "West Germany")))
    # The birth country offered as a wrong "which country did he leave".
    christo = _question(records, "Christo Javacheff", QuestionKind.ORIGIN_COUNTRY)
    assert any("defensible" in f for f in findings(_with_wrong_choice(christo, "Bulgaria")))
    # A second method the row supports.
    volkov = _question(records, "Konstantin Volkov", QuestionKind.METHOD)
    embassy = _with_wrong_choice(volkov, "embassy_asylum", "By taking refuge in a foreign embassy")
    assert any("defensible" in f for f in findings(embassy))
    # A year the notes give for the defection, and a year inside "1956–57".
    haiducu = _question(records, "Matei Pavel Haiducu", QuestionKind.YEAR)
    assert any("defensible" in f for f in findings(_with_wrong_choice(haiducu, 1981)))
    puskas = _question(records, "Ferenc Puskás", QuestionKind.YEAR)
    assert any("defensible" in f for f in findings(_with_wrong_choice(puskas, 1957)))
    # Typed "Switzerland" refused although the row supports it.
    strict = replace(kocsis, accepted=("Spain",))
    assert any("would be marked wrong" in f for f in findings(strict))
    # A year question that does not say which of the notes' years it asks about.
    assert any(
        "says not which" in f
        for f in findings(replace(haiducu, prompt="In what year did Matei Pavel Haiducu defect?"))
    )
    # "Fled after the Prague Spring" names 1968 without a number (Diviš: the table says 1967).
    divis = _question(records, "Ivan Diviš", QuestionKind.YEAR)
    assert any("defensible" in f for f in findings(_with_wrong_choice(divis, 1968)))
    assert any(
        "says not which" in f
        for f in findings(replace(divis, prompt="In what year did Ivan Diviš defect?"))
    )
    # Who clues that fit two people (the Forman and Šejna).
    who = _question(records, "Jan Šejna", QuestionKind.WHO)
    loose = replace(who, prompt="Who is this? Year: 1968; Went to: United States.")
    loose = _with_wrong_choice(loose, "Miloš Forman")
    assert any("2 defensible choices" in f for f in findings(loose)), findings(loose)
    # An explanation that quotes words the row does not say, or shows an outside alias.
    made_up = replace(kocsis, explanation="Spain: “He flew to Madrid.”")
    assert any("does not say" in f for f in findings(made_up))
    puskas_alias = replace(puskas, explanation="1956: Ferenc Purczeld defected then.")
    assert any("alias from outside the row" in f for f in findings(puskas_alias))
    # A who prompt that gives the name away.
    named = replace(who, prompt="Who is this? Profession: General; Year: 1968; Went to: Šejna's.")
    assert any("gives the name away" in f for f in findings(named))
    # A hint that rules nothing out.
    useless = replace(kocsis, hints=("It starts with “Q”.",))
    assert any("hint" in f for f in reviewer.review(useless))


def test_a_place_left_from_is_never_a_choice_nor_a_right_typed_answer(
    records: tuple[Defector, ...], judge: Judge
) -> None:
    """Berger "used a match in Yugoslavia to flee to West Germany": Yugoslavia is where he
    left from. It is not accepted, and the scan of the row keeps it out of the choices."""
    berger = {r.name: r for r in records}["Jörg Berger"]
    made = 0
    for seed in range(30):
        generator = QuestionGenerator(records, random.Random(seed))
        for difficulty in DIFFICULTIES:
            q = generator.make(QuestionKind.DESTINATION_COUNTRY, berger, difficulty=difficulty)
            if q is None:
                continue
            made += 1
            assert q.accepted == ("West Germany",) and "Yugoslavia" not in q.choices
            assert judge.judge(q, "yugoslavia") is Verdict.WRONG
            assert judge.judge(q, "west germany") is Verdict.CORRECT
            assert "Yugoslavia" not in q.explanation_for(typed=True).split("“")[0]
    assert made


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    # A chronology's hints name only the four people of its prompt: they serve both modes.
    kind=st.sampled_from([k for k in QuestionKind if k is not QuestionKind.ORDER]),
    difficulty=st.sampled_from(DIFFICULTIES),
)
def test_typed_hints_narrow_to_the_answer_without_choices(
    records: tuple[Defector, ...], seed: int, kind: QuestionKind, difficulty: int
) -> None:
    """Typed mode shows no choices: a hint never names another value ("It is not …"), is
    true of the answer, never repeats the prompt, and the hints grow stronger."""
    q = QuestionGenerator(records, random.Random(seed)).generate([kind], difficulty=difficulty)
    reviewer = load_review().Reviewer(records)
    assert len(q.typed_hints) >= 2 and len(set(q.typed_hints)) == len(q.typed_hints)
    others = {str(c) for c in q.choices if c != q.answer} - {str(a) for a in q.accepted}
    names = {r.name for r in records} - {q.subject}
    for hint in q.typed_hints:
        assert not hint.startswith("It is not"), hint
        assert fold(hint.rstrip(".")) not in fold(q.prompt), hint
        # Names no wrong choice, nor (who) any other person ("Between 1980 and 1984" bounds a
        # span: its ends are not values it names).
        if kind is not QuestionKind.YEAR:
            assert not [o for o in others if f"“{o}”" in hint or f" {o}." in hint], hint
        assert not [n for n in names if n in hint], hint
        # The review's own reading of the hint: true of the answer.
        assert reviewer.typed_hint_fits(hint, q, q.answer) is True, hint
    # A who prompt with "Year: 1959" gets no "The 1950s." hint.
    for year in (v for f, v in q.clues if f == "year"):
        assert not [h for h in q.typed_hints if f"{year[:3]}0s" in h], q.typed_hints


def test_typed_mode_explanations_do_not_mention_choices(records: tuple[Defector, ...]) -> None:
    kocsis = _question(records, "Sándor Kocsis", QuestionKind.DESTINATION_COUNTRY)
    assert "so no choice offered it" in kocsis.explanation_for(typed=False)
    typed = kocsis.explanation_for(typed=True)
    assert "choice" not in typed and typed.endswith("that counts as right too.")


def test_typed_hints_for_a_year_give_decade_span_then_digit(
    records: tuple[Defector, ...],
) -> None:
    q = _question(records, "Milan Švec", QuestionKind.YEAR)  # 1985
    assert q.typed_hints == ("The 1980s.", "Between 1985 and 1989.", "It ends in 5.")


def test_the_review_catches_bad_typed_hints(records: tuple[Defector, ...]) -> None:
    reviewer = load_review().Reviewer(records)
    kocsis = _question(records, "Sándor Kocsis", QuestionKind.DESTINATION_COUNTRY)
    assert [f for f in reviewer.review(kocsis) if "typed" in f] == []
    for bad, finding in [
        ("It is not “Bulgaria”.", "names a value not on screen"),
        ("It starts with “S” and has 11 letters.", "false of the answer"),
        ("Somewhere in East Asia.", "false of the answer"),
        ("To which country.", "repeats the prompt"),
        ("Think harder.", "not understood"),
    ]:
        found = reviewer.review(replace(kocsis, typed_hints=(bad,)))
        assert any(finding in f for f in found), (bad, found)


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        # The words that justify the question, not a neighbouring clause (play-test, issue 10).
        ("Gega Kobakhidze", QuestionKind.YEAR, "tried to defect to Turkey and was arrested"),
        ("Abdurakhman Avtorkhanov", QuestionKind.YEAR, "he joined them instead"),
        ("Ernst Degner", QuestionKind.DESTINATION_COUNTRY, "then on to West Germany"),
        ("Gega Kobakhidze", QuestionKind.WHO, "tried to defect to Turkey"),
    ],
)
def test_the_quote_is_about_the_asked_fact(
    records: tuple[Defector, ...], name: str, kind: QuestionKind, words: str
) -> None:
    q = _question(records, name, kind)
    assert words in q.explanation, q.explanation


def test_an_event_the_notes_name_dates_them(records: tuple[Defector, ...]) -> None:
    """Diviš "fled after the Prague Spring" (1968) with 1967 in the table's year column: the
    question says which year it asks for, and 1968 is never a wrong choice."""
    divis = next(r for r in records if r.name == "Ivan Diviš")
    assert notes_years(divis) == {1968}
    for seed in range(40):
        q = QuestionGenerator(records, random.Random(seed))._year(divis, 2)
        assert q is not None and q.answer == 1967
        assert 1968 not in q.choices and "table's year column" in q.prompt


def test_a_birth_explanation_names_the_country_once(records: tuple[Defector, ...]) -> None:
    shadrin = _question(records, "Nicholas Shadrin", QuestionKind.BIRTH_COUNTRY)
    assert shadrin.explanation == "Nicholas Shadrin was born in Russia (the table's birthplace)."
    poklitar = _question(records, "Emil Poklitar", QuestionKind.BIRTH_COUNTRY)
    assert poklitar.explanation.endswith(
        "born in East Germany (the table's birthplace), in present-day Germany."
    )


def test_an_origin_explanation_names_the_country_once(records: tuple[Defector, ...]) -> None:
    kalmar = _question(records, "Jenő Kalmár", QuestionKind.ORIGIN_COUNTRY)
    assert kalmar.explanation == "Jenő Kalmár left Hungary in 1956 (born in Hungary)."


def test_a_typed_region_hint_never_singles_out_the_answer(records: tuple[Defector, ...]) -> None:
    """ "Somewhere in the Soviet sphere." named the Soviet Union outright: no other state people
    left is there. Such a question gets a weaker first hint instead."""
    soviet = [r for r in records if r.origin_country == "Soviet Union"]
    made = 0
    for seed, subject in enumerate(soviet[:20]):
        generator = QuestionGenerator(records, random.Random(seed))
        q = generator.make(QuestionKind.ORIGIN_COUNTRY, subject, difficulty=None)
        if q is None:
            continue
        made += 1
        assert not [h for h in q.typed_hints if h.startswith("Somewhere")], q.typed_hints
        assert q.typed_hints[0] == "Its name has 2 words.", q.typed_hints
    assert made
