"""Question generation from the catalogue's fields, with checkable guarantees.

* The marked answer is a field of the subject's record and the only defensible choice.
  ``accepted`` holds the answer first, then every other curated reading of the asked field
  (a typed answer naming one is right; no choice ever names one). ``who`` clues fit
  exactly one person, and ``accepted`` is that person alone.
* No distractor is something the subject's own row supports under any reading. The
  readings are curated (``Defector.origins``, ``destinations``, ``methods``: every value
  the row's words support, see data/CURATION.md); a scan of the row is a second guard:
  a year the notes mention, a country whose name (or a common form of it) appears in the
  notes, profession or birthplace, a method whose keywords appear in the notes or
  profession.
* A ``who`` clue fits a person when any reading of their row supports it, so "exactly one
  person fits" holds under every reading.
* Hints never repeat the prompt and each one rules out at least one wrong choice.
* The explanation quotes the words of the row that support the answer.

Difficulty (1 easy, 2 medium, 3 hard) is how close the distractors are to the answer,
because that is what makes a multiple-choice question hard to tell apart:

* year: hard when every distractor is within 3 years, easy when every one is 4+ away;
* country: hard when every distractor is in the answer's region, easy when none is;
* method: methods fall in two families (a legal trip abroad: tour, sport, posting, academic
  trip; an escape: plane, sea, overland, embassy); hard when every distractor shares the
  answer's family, easy when none does;
* who: closeness of a distractor person counts same profession (2), same decade (1),
  same origin (1); hard when every distractor scores 2+, easy when every one scores 0.

``generate(difficulty=d)`` steers the distractor choice towards ``d``; ``available``
says whether a combination of kinds and difficulty can be served at all.

Randomness comes from an injected ``random.Random``; every choice it makes is over a
sorted sequence, so the same seed gives the same questions in every process.

This module builds each kind of question; what a row supports (the guard on wrong choices)
is in :mod:`bot.quiz.readings`, the quoted explanations in :mod:`bot.quiz.explain`, and
the hints in :mod:`bot.quiz.hints`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import Method, Status
from bot.quiz.countries import region_of
from bot.quiz.explain import (
    country_explanation,
    defection_sentence,
    method_explanation,
    method_label,
    quote,
    split_clauses,
    who_explanation,
)
from bot.quiz.hints import (
    METHOD_HINT_WORDS,
    Hint,
    initials_of,
    keep_choice_hints,
    keep_typed_hints,
    letter_counts,
    name_shape,
    surname_hint,
    surname_of,
    year_typed_hints,
)
from bot.quiz.model import ONE_ANSWER_KINDS, Answer, Question, QuestionKind
from bot.quiz.order import letters
from bot.quiz.readings import (
    ASKABLE_METHODS,
    eligible,
    era_name_ok,
    mentioned_countries,
    notes_years,
    readings_of,
    supported_methods,
    value_of,
)
from bot.quiz.report import fact

__all__ = [
    "ASKABLE_METHODS",
    "DIFFICULTIES",
    "ORDER_MIN_GAP",
    "NoQuestion",
    "QuestionGenerator",
    "eligible",
    "mentioned_countries",
    "method_label",
    "notes_years",
    "supported_methods",
]

YEAR_SPREAD = 8
FIRST_YEAR, LAST_YEAR = 1917, 1991
DIFFICULTIES = (1, 2, 3)
MAX_CLUES = 4
ORDER_PEOPLE = 4
ORDER_MIN_GAP = 2
"""Chronology: the table years of any two of its people are at least this far apart."""
ORDER_HARD_GAP, ORDER_EASY_GAP = 4, 10
"""Chronology difficulty by the closest two years: hard within 4, easy 10 or more apart."""
ORDER_ATTEMPTS = 20

_TRIP = frozenset(
    {
        Method.TOUR_OR_PERFORMANCE,
        Method.SPORTING_EVENT,
        Method.OFFICIAL_POSTING,
        Method.ACADEMIC_OR_WORK_TRIP,
    }
)


class NoQuestion(Exception):
    """No question of the asked kinds can be made (all subjects used, or none eligible)."""


def _tried(record: Defector) -> str:
    return "try to " if record.status is Status.FAILED else ""


@dataclass(frozen=True, slots=True)
class _Clue:
    field: str
    label: str
    value: str
    matches: Callable[[Defector], bool]


class QuestionGenerator:
    """Makes questions about the records; ``rng`` is the only source of randomness."""

    def __init__(self, records: Iterable[Defector], rng: random.Random) -> None:
        self.records: tuple[Defector, ...] = tuple(sorted(records, key=lambda r: r.slug))
        self.rng = rng
        self._by_slug = {record.slug: record for record in self.records}
        self._position = {record.slug: i for i, record in enumerate(self.records)}
        self._profession = {r.slug: fold(r.profession or "") for r in self.records}
        self._notes_years = {r.slug: notes_years(r) for r in self.records}
        self._eligible = {
            kind: tuple(r for r in self.records if eligible(r, kind)) for kind in QuestionKind
        }
        self._available: dict[tuple[QuestionKind, int], bool] = {}
        self._fits: dict[str, dict[str, int]] = {}
        """Subject slug → clue field → the records that clue fits, as bits of their
        positions (computed at a subject's first who question: a combination of clues is
        then an AND of a few integers instead of a scan of every record per combination)."""
        self._scored: dict[str, tuple[list[str], list[str], list[str]]] = {}
        """Subject slug → the other names by closeness (2+, 0, 1), for the wrong choices."""
        self.withheld: frozenset[str] = frozenset()
        """Facts (:func:`bot.quiz.report.fact`) never to ask: reported and withheld."""

    # -- public ----------------------------------------------------------------------------

    def generate(
        self,
        kinds: Iterable[QuestionKind] = tuple(ONE_ANSWER_KINDS),
        *,
        exclude: Iterable[str] = (),
        difficulty: int | None = None,
        attempts: int = 50,
    ) -> Question:
        """A question of one of ``kinds`` about a subject not in ``exclude`` (slugs)."""
        kinds = sorted(set(kinds))
        if not kinds:
            raise NoQuestion("no question kinds chosen")
        if difficulty is not None:
            kinds = [k for k in kinds if self.available([k], difficulty)]
            if not kinds:
                raise NoQuestion("no question of those kinds has that difficulty")
        excluded = set(exclude)
        for _ in range(attempts):
            kind = self.rng.choice(kinds)
            pool = [r for r in self._eligible[kind] if r.slug not in excluded]
            if not pool:
                continue
            question = self.make(
                kind, self.rng.choice(pool), difficulty=difficulty, exclude=excluded
            )
            if question is None or (self.withheld and fact(question) in self.withheld):
                continue
            if difficulty is None or question.difficulty == difficulty:
                return question
        raise NoQuestion("no fresh question matches those settings")

    def available(self, kinds: Iterable[QuestionKind], difficulty: int | None = None) -> bool:
        """Whether some question of one of ``kinds`` at ``difficulty`` can be made at all."""
        kinds = sorted(set(kinds))
        if difficulty is None:
            return any(self._eligible[k] for k in kinds)
        for kind in kinds:
            key = (kind, difficulty)
            if key not in self._available:
                saved = self.rng
                self.rng = random.Random(0)  # a probe must not move the game's rng
                try:
                    self._available[key] = any(
                        (q := self.make(kind, r, difficulty=difficulty)) is not None
                        and q.difficulty == difficulty
                        for r in self._eligible[kind]
                    )
                finally:
                    self.rng = saved
            if self._available[key]:
                return True
        return False

    def make(
        self,
        kind: QuestionKind,
        subject: Defector,
        *,
        difficulty: int | None = None,
        exclude: Iterable[str] = (),
    ) -> Question | None:
        """A question of ``kind`` about ``subject``, or None if it cannot be asked fairly.
        ``exclude``: slugs no other person of an ``order`` question may be."""
        if not eligible(subject, kind):
            return None
        target = difficulty if difficulty is not None else self.rng.choice(DIFFICULTIES)
        if kind is QuestionKind.ORDER:
            question = self._order(subject, target, frozenset(exclude))
        elif kind is QuestionKind.YEAR:
            question = self._year(subject, target)
        elif kind is QuestionKind.METHOD:
            question = self._method(subject, target)
        elif kind is QuestionKind.WHO:
            question = self._who(subject, target)
        else:
            question = self._country(kind, subject, target)
        if question is None and difficulty is None:
            for other in DIFFICULTIES:  # any fair question beats none
                if other == target:
                    continue
                question = self.make(kind, subject, difficulty=other, exclude=exclude)
                if question is not None:
                    break
        return question

    # -- shared ----------------------------------------------------------------------------

    def _pick(self, close: Sequence[Answer], far: Sequence[Answer], target: int) -> list[Answer]:
        """Three distractors: all close (3), none close (1), or a mix (2); [] if impossible."""
        close, far = sorted(close, key=str), sorted(far, key=str)
        if target == 3:
            return self.rng.sample(close, 3) if len(close) >= 3 else []
        if target == 1:
            return self.rng.sample(far, 3) if len(far) >= 3 else []
        if not close or not far or len(close) + len(far) < 3:
            return []
        n_close = self.rng.choice([n for n in (1, 2) if n <= len(close) and 3 - n <= len(far)])
        return self.rng.sample(close, n_close) + self.rng.sample(far, 3 - n_close)

    def _finish(
        self,
        kind: QuestionKind,
        subject: Defector,
        prompt: str,
        answer: Answer,
        distractors: Sequence[Answer],
        difficulty: int,
        hints: Sequence[Hint],
        explanation: str,
        label: Callable[[Answer], str] = str,
        clues: tuple[tuple[str, str], ...] = (),
        also_right: Sequence[Answer] = (),
        typed_hints: Sequence[Hint] = (),
    ) -> Question:
        choices = [answer, *distractors]
        self.rng.shuffle(choices)
        kept = keep_choice_hints(prompt, answer, choices, hints, label)
        typed = keep_typed_hints(prompt, answer, typed_hints)
        return Question(
            kind=kind,
            prompt=prompt,
            subject=subject.name,
            subject_slug=subject.slug,
            answer=answer,
            # The key first, then every other reading of the row: a typed "Switzerland" for
            # Kocsis is right too. None of them is ever among the choices.
            accepted=(answer, *(a for a in also_right if a != answer)),
            choices=tuple(choices),
            explanation=explanation,
            difficulty=difficulty,
            clues=clues,
            choice_labels=tuple(label(choice) for choice in choices),
            hints=tuple(kept),
            typed_hints=tuple(typed),
        )

    # -- kinds -----------------------------------------------------------------------------

    def _year(self, subject: Defector, target: int) -> Question | None:
        year = subject.year
        mentioned = notes_years(subject)
        near = [
            y
            for y in range(year - YEAR_SPREAD, year + YEAR_SPREAD + 1)
            if y != year and FIRST_YEAR <= y <= LAST_YEAR and y not in mentioned
        ]
        picked = self._pick(
            [y for y in near if abs(y - year) <= 3], [y for y in near if abs(y - year) > 3], target
        )
        if not picked:
            return None
        verb = f"{_tried(subject)}defect"
        if mentioned - {year}:
            prompt = (
                f"In what year did {subject.name} {verb}, according to the table's year column?"
            )
        else:
            prompt = f"In what year did {subject.name} {verb}?"
        decade = subject.decade
        hints: list[Hint] = [
            (f"The {decade}s.", lambda y: isinstance(y, int) and y - y % 10 == decade),
            (f"Not before {year - 2}.", lambda y: isinstance(y, int) and y >= year - 2),
            (f"Not after {year + 2}.", lambda y: isinstance(y, int) and y <= year + 2),
        ]
        did = "tried to defect" if subject.status is Status.FAILED else "defected"
        explanation = f"{subject.name} {did} in {year} (the table's year)."
        clauses = split_clauses(subject.notes or "")
        about = defection_sentence(subject)
        if about:
            explanation += f" The notes: {quote(about)}"
        others = sorted(mentioned - {year})
        if others:
            said = next(
                (c for c in clauses if any(str(y) in c or f"–{y % 100:02d}" in c for y in others)),
                about,
            )
            years = " and ".join(map(str, others))
            explanation += (
                f" The notes also mention {years}"
                + (f" ({quote(said)})" if said and about and said not in about else "")
                + ", which is why the question asked for the table's year."
            )
        return self._finish(
            QuestionKind.YEAR, subject, prompt, year, picked, target, hints, explanation,
            typed_hints=year_typed_hints(year),
        )  # fmt: skip

    def _country(self, kind: QuestionKind, subject: Defector, target: int) -> Question | None:
        answer = value_of(subject, kind)
        assert isinstance(answer, str)
        texts: list[str | None] = [subject.notes, subject.profession, subject.birthplace]
        readings = set(readings_of(subject, kind))
        if kind is QuestionKind.ORIGIN_COUNTRY:
            prompt = f"Which country did {subject.name} {_tried(subject)}leave?"
            pool = sorted({r.origin_country for r in self.records if r.origin_country})
            texts.append(subject.birth_country)
        elif kind is QuestionKind.BIRTH_COUNTRY:
            prompt = f"In which present-day country was {subject.name} born?"
            pool = sorted({r.birth_country for r in self.records if r.birth_country})
            texts.extend(subject.origins)
        else:
            prompt = f"To which country did {subject.name} defect?"
            pool = sorted(
                {
                    r.destination_country
                    for r in self.records
                    if r.destination_country and era_name_ok(r.destination_country, subject.year)
                }
            )
            texts.append(subject.defected_in)
        unsafe = mentioned_countries(*texts, *readings) | readings | {answer}
        if answer != "China":
            unsafe |= {"China"}  # a giveaway beside European states
        safe = [c for c in pool if c not in unsafe]
        if len(safe) < 3:
            return None
        region = region_of(answer)
        close = [c for c in safe if region is not None and region_of(c) == region]
        picked = self._pick(close, [c for c in safe if c not in close], target)
        if not picked:
            return None
        first = answer[0]
        hints: list[Hint] = []
        if region:
            hints.append((f"Somewhere in {region}.", lambda c: region_of(str(c)) == region))
        hints.append((f"It starts with “{first}”.", lambda c: str(c).startswith(first)))
        # Typed mode: the region only when it leaves more than the answer standing ("the
        # Soviet sphere" is the Soviet Union alone among the states people left).
        neighbours = {
            c for c in pool if c != answer and region is not None and region_of(c) == region
        }
        typed = [h for h in hints if h[0].startswith("Somewhere") and len(neighbours) >= 2]
        if not typed:  # a weaker first hint in its place
            words = len(answer.split())
            typed.append(
                (
                    f"Its name has {words} word{'' if words == 1 else 's'}.",
                    lambda c: len(str(c).split()) == words,
                )
            )
        shape = name_shape(answer)
        typed.append(
            (
                f"It starts with “{first}” and {letter_counts(answer)}.",
                lambda c: name_shape(str(c)) == shape,
            )
        )
        return self._finish(
            kind, subject, prompt, answer, picked, target, hints,
            country_explanation(subject, kind, answer),
            also_right=readings_of(subject, kind) if kind is not QuestionKind.BIRTH_COUNTRY else (),
            typed_hints=typed,
        )  # fmt: skip

    def _method(self, subject: Defector, target: int) -> Question | None:
        answer = subject.method
        unsafe = supported_methods(subject) | set(subject.methods) | {answer}
        safe = [m for m in ASKABLE_METHODS if m not in unsafe]
        if len(safe) < 3:
            return None
        family = answer in _TRIP
        close = [m.value for m in safe if (m in _TRIP) == family]
        far = [m.value for m in safe if (m in _TRIP) != family]
        picked = self._pick(close, far, target)
        if not picked:
            return None
        verb = "try to get out" if subject.status is Status.FAILED else "get out"
        fam = (
            "They were abroad legally when they stayed."
            if family
            else "They escaped rather than staying on a trip abroad."
        )
        hints: list[Hint] = [
            (fam, lambda c: (Method(str(c)) in _TRIP) == family),
        ]
        explanation = method_explanation(subject)
        word = METHOD_HINT_WORDS[answer]
        typed = [
            *hints,
            (
                f"A word of the answer: “{word}”.",
                lambda c: METHOD_HINT_WORDS[Method(str(c))] == word,
            ),
        ]
        return self._finish(
            QuestionKind.METHOD, subject, f"How did {subject.name} {verb}?", answer.value,
            picked, target, hints, explanation,
            label=lambda code: method_label(str(code)),
            also_right=[m.value for m in subject.methods],
            typed_hints=typed,
        )  # fmt: skip

    # -- order -----------------------------------------------------------------------------

    def _years_read(self, record: Defector) -> tuple[int, int]:
        """The earliest and latest year the row could be read to give for the defection:
        the table's year and every year its notes mention."""
        years = self._notes_years[record.slug] | {record.year}
        return min(years), max(years)

    def _apart(self, one: Defector, other: Defector) -> bool:
        """Whether two people can share an order question: table years at least
        :data:`ORDER_MIN_GAP` apart, and no year either row mentions crossing the other's,
        so every reading of the rows puts them the same way round."""
        if abs(one.year - other.year) < ORDER_MIN_GAP:
            return False
        early, late = (one, other) if one.year < other.year else (other, one)
        return self._years_read(early)[1] < self._years_read(late)[0]

    def _order(self, subject: Defector, target: int, exclude: frozenset[str]) -> Question | None:
        others = [
            r
            for r in self._eligible[QuestionKind.ORDER]
            if r is not subject and r.slug not in exclude and self._apart(subject, r)
        ]
        for _ in range(ORDER_ATTEMPTS):
            self.rng.shuffle(others)
            chosen = [subject]
            for record in others:
                if all(self._apart(record, c) for c in chosen):
                    chosen.append(record)
                    if len(chosen) == ORDER_PEOPLE:
                        break
            if len(chosen) < ORDER_PEOPLE:
                return None
            years = sorted(r.year for r in chosen)
            gap = min(b - a for a, b in pairwise(years))
            level = 3 if gap <= ORDER_HARD_GAP else 1 if gap >= ORDER_EASY_GAP else 2
            if level == target:
                return self._order_question(chosen, level)
        return None

    def _order_question(self, chosen: list[Defector], level: int) -> Question:
        shown = list(chosen)
        self.rng.shuffle(shown)
        marks = letters(len(shown))
        by_year = sorted(range(len(shown)), key=lambda i: shown[i].year)
        answer = "".join(marks[i] for i in by_year)
        # "A) Anatoli Granovsky", not "A. Anatoli …": "A. Anatoli" is Kuznetsov's pen name.
        lines = [f"{marks[i]}) {shown[i].name}: {shown[i].year}" for i in by_year]
        explanation = (
            "In order, by the table's year: " + "; ".join(lines) + "."
            " Any other year a row's notes mention keeps that order."
        )
        first, last = shown[by_year[0]], shown[by_year[-1]]
        hints = (
            f"The earliest of them went in the {first.decade}s.",
            f"{first.name} went first.",
            f"{last.name} went last.",
        )
        return Question(
            kind=QuestionKind.ORDER,
            prompt=(
                "Put these four in order of defection, earliest first (by the table's year): "
                + "; ".join(f"{m}) {r.name}" for m, r in zip(marks, shown, strict=True))
                + "."
            ),
            subject=shown[0].name,
            subject_slug=shown[0].slug,
            answer=answer,
            accepted=(answer,),
            choices=tuple(r.name for r in shown),
            explanation=explanation,
            difficulty=level,
            choice_labels=tuple(r.name for r in shown),
            hints=hints,
            people=tuple(r.slug for r in shown),
            years=tuple(r.year for r in shown),
        )

    # -- who -------------------------------------------------------------------------------

    def _clues(self, subject: Defector) -> list[_Clue]:
        clues: list[_Clue] = []
        if subject.profession:
            # "Engineer" fits "Architect/engineer" too: a player reads the words, not the cell.
            profession = f" {self._profession[subject.slug]} "
            clues.append(
                _Clue(
                    "profession",
                    "Profession",
                    subject.profession,
                    lambda r: profession in f" {self._profession[r.slug]} ",
                )
            )
        # A clue fits anyone whose row supports it under some reading: a year their notes
        # mention, any state they left, any country they went to, any method.
        year = subject.year
        clues.append(
            _Clue(
                "year",
                "Year",
                str(year),
                lambda r: r.year == year or year in self._notes_years[r.slug],
            )
        )
        origin = subject.origin_country
        clues.append(_Clue("origin_country", "Left", str(origin), lambda r: origin in r.origins))
        if subject.status is not Status.FAILED and subject.destination_country:
            to = subject.destination_country
            clues.append(
                _Clue("destination_country", "Went to", to, lambda r: to in r.destinations)
            )
        if subject.method in ASKABLE_METHODS:
            method = subject.method
            clues.append(_Clue("method", "How", method.label, lambda r: method in r.methods))
        return clues

    def _index(self, subject: Defector) -> int:
        """Where ``subject`` is in ``records``: by its slug (``tuple.index`` compares every
        field of every record before it, half a millisecond a who question)."""
        i = self._position.get(subject.slug)
        if i is None or (self.records[i] is not subject and self.records[i] != subject):
            return self.records.index(subject)
        return i

    def _who(self, subject: Defector, target: int) -> Question | None:
        clues = self._clues(subject)
        combos: list[list[_Clue]] = []
        for size in range(2, MAX_CLUES + 1):
            batch = [list(c) for c in _combinations(clues, size)]
            self.rng.shuffle(batch)
            combos += batch  # fewest clues first
        fits = self._fits.get(subject.slug)
        if fits is None:
            fits = self._fits[subject.slug] = {
                c.field: sum(1 << i for i, r in enumerate(self.records) if c.matches(r))
                for c in clues
            }
        only_subject = 1 << self._index(subject)
        everyone = (1 << len(self.records)) - 1
        for combo in combos:
            fitting = everyone
            for clue in combo:
                fitting &= fits[clue.field]
            if fitting != only_subject:  # someone else fits every clue too
                continue
            prompt = "Who is this? " + "; ".join(f"{c.label}: {c.value}" for c in combo) + "."
            if _names_subject(prompt, [subject]):
                continue
            close, far, mid = self._by_closeness(subject)
            picked = self._pick(close, far + mid if target == 2 else far, target)
            if not picked:
                return None
            hints = self._who_hints(subject, {c.field for c in combo})
            shown = tuple((c.field, c.value) for c in combo)
            typed = [*hints, surname_hint(surname_of(subject.name))]
            return self._finish(
                QuestionKind.WHO, subject, prompt, subject.name, picked, target, hints,
                who_explanation(subject, shown), clues=shown, typed_hints=typed,
            )  # fmt: skip
        return None

    def _who_hints(self, subject: Defector, fields: set[str]) -> list[Hint]:
        by_name = {r.name: r for r in self.records}
        prof = self._profession[subject.slug]
        decade = subject.decade
        initials = initials_of(subject.name)
        hints: list[Hint] = []
        if "profession" not in fields and subject.profession:
            hints.append(
                (
                    f"Profession: {subject.profession}.",
                    lambda n: f" {prof} " in f" {self._profession[by_name[str(n)].slug]} ",
                )
            )
        if "year" not in fields:
            hints.append((f"The {decade}s.", lambda n: by_name[str(n)].decade == decade))
        hints.append((f"Initials: {initials}", lambda n: initials_of(str(n)) == initials))
        return hints

    def _by_closeness(self, subject: Defector) -> tuple[list[str], list[str], list[str]]:
        """The other people's names: close (2 or more), far (0) and in between (1)."""
        found = self._scored.get(subject.slug)
        if found is None:
            others = [r for r in self.records if r is not subject]
            scored = [(self._closeness(subject, r), r.name) for r in others]
            found = self._scored[subject.slug] = (
                [name for score, name in scored if score >= 2],
                [name for score, name in scored if score == 0],
                [name for score, name in scored if score == 1],
            )
        return found

    def _closeness(self, subject: Defector, record: Defector) -> int:
        profession = self._profession[subject.slug]
        score = 0
        if profession and self._profession[record.slug] == profession:
            score += 2
        if record.decade == subject.decade:
            score += 1
        if record.origin_country == subject.origin_country:
            score += 1
        return score


def _combinations(items: Sequence[_Clue], size: int) -> Iterable[tuple[_Clue, ...]]:
    if size == 0:
        yield ()
        return
    for i, item in enumerate(items):
        for rest in _combinations(items[i + 1 :], size - 1):
            yield (item, *rest)


def _names_subject(prompt: str, people: Iterable[Defector]) -> bool:
    """Whether the prompt gives away a name: any surname or full name of ``people``."""
    words = set(fold(prompt).split())
    text = f" {fold(prompt)} "
    for person in people:
        for name in (person.name, *person.aliases):
            folded = fold(name)
            parts = folded.split()
            if f" {folded} " in text or (parts and len(parts[-1]) >= 3 and parts[-1] in words):
                return True
    return False
