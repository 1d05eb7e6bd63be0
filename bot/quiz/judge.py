"""Judging typed answers fairly: accents, case, typos and synonyms forgiven; another
person's name, another country or a scatter of guesses never accepted.

Typo tolerance is an edit distance (a swap of two letters counts as one edit) scaled to the
length of what was typed: none up to four letters, one up to seven, two up to twelve, three
beyond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.catalog.models import Defector
from bot.catalog.normalize import NameForm, fold, name_forms, strip_invisible
from bot.catalog.vocab import Method
from bot.quiz.countries import VARIANTS, canonical_country, is_close_country
from bot.quiz.model import Question, QuestionKind, Verdict

MAX_ANSWER_CHARS = 200
MAX_NAME_WORDS = 6
CLOSE_YEARS = 2
RIGHT_CACHE = 512
"""Questions whose right people the judge remembers (then it starts again)."""
MAX_COUNTRY_CHARS = 60
"""A longer guess names no country (the longest way to write one is 35 characters)."""

_FILLER = re.compile(
    r"^(?:(?:i think|i guess|maybe|perhaps|is it|it is|its|it s|the answer is|answer)\s+)+"
)
_FILLER_INITIALS = "impta"
"""The first letters of the filler phrases (a folded text is already stripped)."""
_YEAR = re.compile(r"(?<![\d'’])(\d{4})(?!\d)|(?:^|(?<=\s))['’](\d{2})(?!\d)")
_NUMBER = re.compile(r"\d+")


def allowed_typos(length: int) -> int:
    if length <= 4:
        return 0
    if length <= 7:
        return 1
    if length <= 12:
        return 2
    return 3


def _clean(text: str) -> str:
    folded = fold(text[: MAX_ANSWER_CHARS * 2])  # fold strips invisible characters too
    if folded[:1] not in _FILLER_INITIALS:  # most guesses: no filler, no regex
        return folded
    return _FILLER.sub("", folded).strip()


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


class Judge:
    """Judges typed answers against the catalogue (which it needs to know who else exists)."""

    def __init__(self, records: Iterable[Defector]) -> None:
        self.records: tuple[Defector, ...] = tuple(records)
        self._position = {record.name: i for i, record in enumerate(self.records)}
        self.names = frozenset(self._position)
        forms: dict[str, set[int]] = {}
        surnames: dict[str, set[int]] = {}
        for i, record in enumerate(self.records):
            for text in (record.name, *record.aliases):
                for form, how in name_forms(text):
                    if how is NameForm.SURNAME:
                        surnames.setdefault(form, set()).add(i)
                    forms.setdefault(_sorted_words(form), set()).add(i)
        self._form_texts = list(forms)
        self._form_owners = [frozenset(forms[text]) for text in self._form_texts]
        forms_of: dict[int, list[str]] = {}
        for text, owners in forms.items():
            for owner in owners:
                forms_of.setdefault(owner, []).append(text)
        self._forms_of = {owner: tuple(texts) for owner, texts in forms_of.items()}
        """Each person's forms: a guess far from all of them is wrong without a scan."""
        self._right_cache: dict[tuple[str, ...], tuple[frozenset[int], tuple[str, ...]]] = {}
        self._surnames = list(surnames)
        self._surname_owners = [frozenset(surnames[s]) for s in self._surnames]
        self._variants_near: dict[int, list[str]] = {}
        """Text length → the country variants a guess of that length may be a typo of: an
        edit distance is at least the difference in length."""
        for length in range(1, MAX_COUNTRY_CHARS + 1):
            tolerance = allowed_typos(length)
            self._variants_near[length] = [v for v in VARIANTS if abs(len(v) - length) <= tolerance]

    # -- people ----------------------------------------------------------------------------

    def _closest_people(self, text: str, max_distance: int) -> dict[int, int]:
        """Each person with a form within ``max_distance`` of ``text``: their best distance."""
        best: dict[int, int] = {}
        for _, distance, position in process.extract(
            _sorted_words(text),
            self._form_texts,
            scorer=OSA.distance,
            processor=None,
            score_cutoff=max_distance,
            limit=None,
        ):
            for owner in self._form_owners[position]:
                if distance < best.get(owner, max_distance + 1):
                    best[owner] = int(distance)
        return best

    def _people_named_by_word(self, word: str) -> frozenset[int]:
        named: set[int] = set()
        for _, _, position in process.extract(
            word,
            self._surnames,
            scorer=OSA.distance,
            processor=None,
            score_cutoff=allowed_typos(len(word)),
            limit=None,
        ):
            named |= self._surname_owners[position]
        return frozenset(named)

    def _right_people(self, names: tuple[str, ...]) -> tuple[frozenset[int], tuple[str, ...]]:
        """The people ``names`` are, and all their forms: the same for every guess at a
        question, so worked out once (a few hundred questions' worth are kept)."""
        known = self._right_cache.get(names)
        if known is not None:
            return known
        right = frozenset(self._position[name] for name in names if name in self._position)
        if not right:
            raise KeyError(f"unknown person {names[0] if len(names) == 1 else list(names)!r}")
        forms = tuple(form for i in right for form in self._forms_of.get(i, ()))
        if len(self._right_cache) >= RIGHT_CACHE:
            self._right_cache.clear()
        self._right_cache[names] = right, forms
        return right, forms

    def judge_who(self, expected: str | Iterable[str], answer: str) -> Verdict:
        """``expected``: a record name, or every name that is right (a ``who`` question)."""
        right, right_forms = self._right_people(
            (expected,) if isinstance(expected, str) else tuple(expected)
        )
        text = _clean(answer)
        words = text.split()
        if not words or len(words) > MAX_NAME_WORDS or len(text) > MAX_ANSWER_CHARS:
            return Verdict.WRONG
        tolerance = allowed_typos(len(text.replace(" ", "")))
        # Most guesses are wrong: far from every form of the right people (a few distances)
        # they need no scan of everyone's forms (about 400 of them, 60 µs a guess).
        key = _sorted_words(text)
        if not any(
            OSA.distance(key, form, score_cutoff=tolerance) <= tolerance for form in right_forms
        ):
            return Verdict.WRONG
        distances = self._closest_people(text, tolerance)
        ours = min((distances[i] for i in right if i in distances), default=None)
        if ours is None:
            return Verdict.WRONG
        # Someone else at least as close: "petrova" is Evdokia, not Vladimir Petrov, and a
        # surname two people share ("stastny") names neither.
        if any(d <= ours for i, d in distances.items() if i not in right):
            return Verdict.WRONG
        # No shotgun guesses: a word that names someone else, and none of the right people.
        own_words = {
            word
            for i in right
            for text in (self.records[i].name, *self.records[i].aliases)
            for word in fold(text).split()
        }
        for word in words:
            if len(word) < 3 or any(
                OSA.distance(word, own, score_cutoff=allowed_typos(len(word)))
                <= allowed_typos(len(word))
                for own in own_words
            ):
                continue
            named = self._people_named_by_word(word)
            if named and not named & right:
                return Verdict.WRONG
        return Verdict.CORRECT

    # -- years -----------------------------------------------------------------------------

    @staticmethod
    def parse_year(answer: str) -> int | None:
        """The one year in ``answer`` ("1961", "in 1961.", "'61"), or None."""
        text = strip_invisible(answer[:MAX_ANSWER_CHARS]).strip()
        numbers = _NUMBER.findall(text)
        if len(numbers) != 1:
            return None
        match = _YEAR.search(text)
        if match is None:
            bare = numbers[0]
            if len(bare) == 2 and text.strip(" .!?") == bare:
                return 1900 + int(bare)
            return None
        if match.group(1) is not None:
            return int(match.group(1))
        return 1900 + int(match.group(2))

    def judge_year(self, expected: int, answer: str) -> Verdict:
        year = self.parse_year(answer)
        if year is None:
            return Verdict.WRONG
        return _year_verdict(expected, year)

    # -- countries -------------------------------------------------------------------------

    def country_of(self, answer: str) -> str | None:
        """The country ``answer`` names, forgiving small typos; None if unclear."""
        exact = canonical_country(answer[:MAX_ANSWER_CHARS])
        if exact is not None:
            return exact
        text = _clean(answer)
        if not text or len(text) > MAX_COUNTRY_CHARS:
            return None
        tolerance = allowed_typos(len(text))
        if tolerance == 0:
            return None
        found = {
            VARIANTS[variant]: int(distance)
            for variant, distance, _ in process.extract(
                text,
                self._variants_near[len(text)],
                scorer=OSA.distance,
                processor=None,
                score_cutoff=tolerance,
                limit=None,
            )
        }
        if not found:
            return None
        best = min(found.values())
        closest = [country for country, distance in found.items() if distance == best]
        return closest[0] if len(closest) == 1 else None

    def judge_country(self, expected: str, answer: str) -> Verdict:
        given = self.country_of(answer)
        if given is None:
            return Verdict.WRONG
        return _country_verdict(expected, given)

    # -- methods ---------------------------------------------------------------------------

    @staticmethod
    def method_of(answer: str) -> Method | None:
        """The one method an answer describes ("by boat", "flew a MiG"), or None."""
        text = _clean(answer)
        if not text:
            return None
        named = _METHOD_NAMES.get(text)
        if named is not None:
            return named
        words = set(text.split())
        padded = f" {text} "
        found = {
            method
            for method, (single, phrases) in _METHOD_WORDS.items()
            if not words.isdisjoint(single) or any(phrase in padded for phrase in phrases)
        }
        return found.pop() if len(found) == 1 else None

    def judge_method(self, expected: Method, answer: str) -> Verdict:
        return Verdict.CORRECT if self.method_of(answer) is expected else Verdict.WRONG

    # -- questions -------------------------------------------------------------------------

    def judge(self, question: Question, answer: str) -> Verdict:
        """A typed answer to ``question``: right if it matches any accepted answer."""
        if question.kind is QuestionKind.WHO:
            return self.judge_who(tuple(map(str, question.accepted)), answer)
        # The guess is read once (a year, a method, a country), then held against each
        # accepted answer: reading it is most of the cost, and most guesses are wrong.
        if question.kind is QuestionKind.YEAR:
            year = self.parse_year(answer)
            if year is None:
                return Verdict.WRONG
            return _best(_year_verdict(int(a), year) for a in question.accepted)
        if question.kind is QuestionKind.METHOD:
            method = self.method_of(answer)
            if method is None:
                return Verdict.WRONG
            return _best(
                Verdict.CORRECT if method is Method(str(a)) else Verdict.WRONG
                for a in question.accepted
            )
        given = self.country_of(answer)
        if given is None:
            return Verdict.WRONG
        return _best(_country_verdict(str(a), given) for a in question.accepted)


def _year_verdict(expected: int, year: int) -> Verdict:
    if year == expected:
        return Verdict.CORRECT
    if abs(year - expected) <= CLOSE_YEARS:
        return Verdict.CLOSE
    return Verdict.WRONG


def _country_verdict(expected: str, given: str) -> Verdict:
    if given == expected:
        return Verdict.CORRECT
    if is_close_country(expected, given):
        return Verdict.CLOSE
    return Verdict.WRONG


def _best(verdicts: Iterable[Verdict]) -> Verdict:
    best = Verdict.WRONG
    for verdict in verdicts:
        if verdict is Verdict.CORRECT:
            return verdict
        if verdict is Verdict.CLOSE:
            best = verdict
    return best


METHOD_KEYWORDS: dict[Method, tuple[str, ...]] = {
    Method.TOUR_OR_PERFORMANCE: (
        "tour", "touring", "performance", "performing", "concert", "show", "ballet tour",
        "on tour", "troupe",
    ),
    Method.SPORTING_EVENT: (
        "sport", "sports", "match", "game", "games", "tournament", "championship",
        "championships", "olympics", "olympic", "competition", "race", "sporting event",
    ),
    Method.OFFICIAL_POSTING: (
        "posting", "posted", "diplomat", "diplomatic", "mission", "stationed", "official",
        "recall", "recalled", "station",
    ),
    Method.AIRCRAFT: (
        "plane", "aircraft", "airplane", "aeroplane", "flew", "fly", "flight", "jet", "hijack",
        "hijacked", "mig", "fighter",
    ),
    Method.SEA: ("boat", "ship", "sea", "swam", "swim", "swimming", "sailed", "sail", "kayak"),
    Method.OVERLAND_ESCAPE: (
        "overland", "border", "foot", "walked", "car", "train", "tunnel", "wall", "prison",
        "land", "crossed",
    ),
    Method.EMBASSY_ASYLUM: ("embassy", "asylum in an embassy", "refuge"),
    Method.ACADEMIC_OR_WORK_TRIP: (
        "conference", "academic", "lecture", "lectures", "university", "research",
        "work trip", "business trip", "visiting", "trip", "vacation",
    ),
}  # fmt: skip

_METHOD_NAMES: dict[str, Method] = {}
"""Every folded name of a method (its value, label and phrase) -> the method."""
for _method in reversed(Method):  # the first method in order wins a shared name
    for _name in (_method.phrase, _method.label, _method.value):
        _METHOD_NAMES[fold(_name)] = _method
_METHOD_WORDS: dict[Method, tuple[frozenset[str], tuple[str, ...]]] = {
    method: (
        frozenset(k for k in keywords if " " not in k),
        tuple(f" {k} " for k in keywords if " " in k),
    )
    for method, keywords in METHOD_KEYWORDS.items()
}
"""Each method's single-word keywords (matched against the answer's words) and its phrases
(matched, space-padded, inside the space-padded answer)."""
