"""Question generation from the catalogue's fields, with checkable guarantees.

* The marked answer is a field of the subject's record; ``accepted`` holds every answer
  that is right (for ``who``: every person who fits all the clues).
* Distractors are plausible (a near year, a country of the same region, a person of the
  same profession or era) and never also right; choice values are distinct.
* A field that is unknown for a record is never asked about; people whose defection
  failed are never described as having got out.

Randomness comes from an injected ``random.Random``; every choice it makes is over a
sorted sequence, so the same seed gives the same questions in every process.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import WEST_GERMANY_YEARS, Method, Status
from bot.quiz.countries import region_of
from bot.quiz.model import Answer, Question, QuestionKind

YEAR_SPREAD = 8
FIRST_YEAR, LAST_YEAR = 1917, 1991
NO_NOTES = "The source table has no notes on this person."
ASKABLE_METHODS = tuple(m for m in Method if m not in (Method.UNKNOWN, Method.OTHER))


class NoQuestion(Exception):
    """No question of the asked kinds can be made (all subjects used, or none eligible)."""


def _value(record: Defector, kind: QuestionKind) -> Answer | None:
    if kind is QuestionKind.YEAR:
        return record.year
    if kind is QuestionKind.ORIGIN_COUNTRY:
        return record.origin_country
    if kind is QuestionKind.BIRTH_COUNTRY:
        return record.birth_country
    if kind is QuestionKind.DESTINATION_COUNTRY:
        # A failed defector never reached a destination.
        return None if record.status is Status.FAILED else record.destination_country
    if kind is QuestionKind.METHOD:
        return record.method.value if record.method in ASKABLE_METHODS else None
    return record.name


def eligible(record: Defector, kind: QuestionKind) -> bool:
    """Whether ``record`` can be asked about ``kind`` (its value is known and checkable)."""
    if kind is QuestionKind.WHO:
        return record.origin_country is not None
    return _value(record, kind) is not None


def method_label(code: str) -> str:
    phrase = Method(code).phrase
    return phrase[0].upper() + phrase[1:]


def _tried(record: Defector) -> str:
    return "try to " if record.status is Status.FAILED else ""


def _explanation(record: Defector) -> str:
    return record.notes or NO_NOTES


def _initials(name: str) -> str:
    return " ".join(f"{word[0]}." for word in name.replace("(", " ").split() if word[0].isalpha())


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
        self._profession = {r.slug: fold(r.profession or "") for r in self.records}
        self._eligible = {
            kind: tuple(r for r in self.records if eligible(r, kind)) for kind in QuestionKind
        }

    # -- public ----------------------------------------------------------------------------

    def generate(
        self,
        kinds: Iterable[QuestionKind] = tuple(QuestionKind),
        *,
        exclude: Iterable[str] = (),
        difficulty: int | None = None,
        attempts: int = 50,
    ) -> Question:
        """A question of one of ``kinds`` about a subject not in ``exclude`` (slugs)."""
        kinds = sorted(set(kinds))
        if not kinds:
            raise NoQuestion("no question kinds chosen")
        excluded = set(exclude)
        for _ in range(attempts):
            kind = self.rng.choice(kinds)
            pool = [r for r in self._eligible[kind] if r.slug not in excluded]
            if not pool:
                continue
            question = self.make(kind, self.rng.choice(pool))
            if question is not None and (difficulty is None or question.difficulty == difficulty):
                return question
        raise NoQuestion("no fresh question matches those settings")

    def make(self, kind: QuestionKind, subject: Defector) -> Question | None:
        """A question of ``kind`` about ``subject``, or None if it cannot be asked fairly."""
        if not eligible(subject, kind):
            return None
        if kind is QuestionKind.YEAR:
            return self._year(subject)
        if kind is QuestionKind.METHOD:
            return self._method(subject)
        if kind is QuestionKind.WHO:
            return self._who(subject)
        return self._country(kind, subject)

    # -- kinds -----------------------------------------------------------------------------

    def _finish(
        self,
        kind: QuestionKind,
        subject: Defector,
        prompt: str,
        answer: Answer,
        accepted: Sequence[Answer],
        distractors: Sequence[Answer],
        difficulty: int,
        hints: Sequence[str],
        label: Callable[[Answer], str] = str,
        clues: tuple[tuple[str, str], ...] = (),
    ) -> Question:
        choices = [answer, *distractors]
        self.rng.shuffle(choices)
        return Question(
            kind=kind,
            prompt=prompt,
            subject=subject.name,
            subject_slug=subject.slug,
            answer=answer,
            accepted=tuple(accepted),
            choices=tuple(choices),
            explanation=_explanation(subject),
            difficulty=difficulty,
            clues=clues,
            choice_labels=tuple(label(choice) for choice in choices),
            hints=tuple(hints),
        )

    def _year(self, subject: Defector) -> Question:
        year = subject.year
        near = [
            y
            for y in range(year - YEAR_SPREAD, year + YEAR_SPREAD + 1)
            if y != year and FIRST_YEAR <= y <= LAST_YEAR
        ]
        distractors = self.rng.sample(near, 3)
        close = sum(1 for y in distractors if abs(y - year) <= 2)
        return self._finish(
            QuestionKind.YEAR,
            subject,
            f"In what year did {subject.name} {_tried(subject)}defect?",
            year,
            [year],
            distractors,
            difficulty=3 if close >= 2 else 2,
            hints=[
                f"The {subject.decade}s.",
                f"The {'first' if year % 10 < 5 else 'second'} half of the {subject.decade}s.",
            ],
        )

    def _country(self, kind: QuestionKind, subject: Defector) -> Question | None:
        answer = _value(subject, kind)
        assert isinstance(answer, str)
        if kind is QuestionKind.ORIGIN_COUNTRY:
            prompt = f"Which country did {subject.name} {_tried(subject)}leave?"
            pool = sorted({r.origin_country for r in self.records if r.origin_country})
        elif kind is QuestionKind.BIRTH_COUNTRY:
            prompt = f"In which present-day country was {subject.name} born?"
            pool = sorted({r.birth_country for r in self.records if r.birth_country})
        else:
            prompt = f"To which country did {subject.name} defect?"
            pool = sorted(
                {
                    r.destination_country
                    for r in self.records
                    if r.destination_country and _era_name_ok(r.destination_country, subject.year)
                }
            )
        if answer != "China":
            pool = [c for c in pool if c != "China"]  # a giveaway beside European states
        distractors = self._near_countries(answer, sorted(set(pool) - {answer}))
        if distractors is None:
            return None
        region = region_of(answer)
        common = sum(1 for r in self.records if _value(r, kind) == answer)
        return self._finish(
            kind,
            subject,
            prompt,
            answer,
            [answer],
            distractors,
            difficulty=1 if common >= 20 else 2 if common >= 5 else 3,
            hints=[
                f"Somewhere in {region}." if region else "A country.",
                f"It starts with “{answer[0]}”.",
            ],
        )

    def _near_countries(self, answer: str, pool: list[str]) -> list[str] | None:
        """Three countries from ``pool``, preferring the answer's region, then any."""
        if len(pool) < 3:
            return None
        region = region_of(answer)
        same = [c for c in pool if region_of(c) == region]
        picked = self.rng.sample(same, min(2, len(same)))
        rest = [c for c in pool if c not in picked]
        picked += self.rng.sample(rest, 3 - len(picked))
        return picked

    def _method(self, subject: Defector) -> Question:
        answer = subject.method.value
        others = [m.value for m in ASKABLE_METHODS if m.value != answer]
        verb = "try to get out" if subject.status is Status.FAILED else "get out"
        return self._finish(
            QuestionKind.METHOD,
            subject,
            f"How did {subject.name} {verb}?",
            answer,
            [answer],
            self.rng.sample(others, 3),
            difficulty=2,
            hints=[
                f"{subject.name} was: {subject.profession or 'not described by the source'}.",
                f"It starts with “{method_label(answer)[0]}”.",
            ],
            label=lambda code: method_label(str(code)),
        )

    # -- who -------------------------------------------------------------------------------

    def _clues(self, subject: Defector) -> list[_Clue]:
        clues: list[_Clue] = []
        if subject.profession:
            profession = self._profession[subject.slug]
            clues.append(
                _Clue(
                    "profession",
                    "Profession",
                    subject.profession,
                    lambda r: self._profession[r.slug] == profession,
                )
            )
        clues.append(_Clue("year", "Year", str(subject.year), lambda r: r.year == subject.year))
        origin = subject.origin_country
        clues.append(
            _Clue("origin_country", "Left", str(origin), lambda r: r.origin_country == origin)
        )
        if subject.status is not Status.FAILED and subject.destination_country:
            to = subject.destination_country
            clues.append(
                _Clue("destination_country", "Went to", to, lambda r: r.destination_country == to)
            )
        if subject.method in ASKABLE_METHODS:
            method = subject.method
            clues.append(_Clue("method", "How", method.label, lambda r: r.method is method))
        return clues

    def _who(self, subject: Defector) -> Question | None:
        clues = self._clues(subject)
        combos = [[a, b] for i, a in enumerate(clues) for b in clues[i + 1 :]] + [
            [a, b, c]
            for i, a in enumerate(clues)
            for j, b in enumerate(clues[i + 1 :], i + 1)
            for c in clues[j + 1 :]
        ]
        self.rng.shuffle(combos)
        combos.sort(key=len)  # two clues if they suffice, then three
        for combo in combos:
            fitting = [r for r in self.records if all(c.matches(r) for c in combo)]
            if len(fitting) > 2:
                continue
            prompt = "Who is this? " + "; ".join(f"{c.label}: {c.value}" for c in combo) + "."
            if _names_subject(prompt, fitting):
                continue
            others = [r for r in self.records if r not in fitting]
            distractors = self._near_people(subject, others)
            fields = {c.field for c in combo}
            return self._finish(
                QuestionKind.WHO,
                subject,
                prompt,
                subject.name,
                [r.name for r in sorted(fitting, key=lambda r: r.slug)],
                [r.name for r in distractors],
                difficulty=3 if len(combo) == 2 and "profession" not in fields else 2,
                hints=[f"Initials: {_initials(subject.name)}", f"The {subject.decade}s."],
                clues=tuple((c.field, c.value) for c in combo),
            )
        return None

    def _near_people(self, subject: Defector, others: list[Defector]) -> list[Defector]:
        profession = self._profession[subject.slug]

        def closeness(record: Defector) -> int:
            score = 0
            if profession and self._profession[record.slug] == profession:
                score += 2
            if abs(record.year - subject.year) <= 10:
                score += 1
            if record.origin_country == subject.origin_country:
                score += 1
            return score

        ranked = sorted(others, key=lambda r: (-closeness(r), r.slug))
        best = ranked[: max(8, sum(1 for r in ranked if closeness(r) >= 2))]
        return self.rng.sample(best, 3)


def _era_name_ok(country: str, year: int) -> bool:
    """Whether ``country`` existed under that name in ``year`` (no anachronistic choices)."""
    if country == "West Germany":
        return year in WEST_GERMANY_YEARS
    if country == "Germany":
        return year not in WEST_GERMANY_YEARS
    if country == "Manchukuo":
        return 1932 <= year <= 1945
    return True


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
