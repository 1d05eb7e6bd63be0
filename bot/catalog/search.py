"""In-memory search over the catalogue: exact, prefix and typo-tolerant name matching.

Built once from the records; a query never touches the database. Every name, alias,
surname and first+last form of a record becomes a *key* (folded: no accents, case or
punctuation). A query is scored against the keys in three tiers:

* exact: the folded query equals a key (100 for a name or alias, 98 for a surname, 96 for
  a first name: first names match only exactly, so "martina" is not "Martin");
* prefix: the query starts a key (70–95, longer coverage scores higher);
* fuzzy: rapidfuzz's normalised Indel similarity between the query and the key with both
  sides' words sorted, so "nureyev rudolf" finds "Rudolf Nureyev".

A match is *confident* above a cut-off that rises for short queries (one typo in a
five-letter word is a different word). Below it, the best few are *suggestions*, so that
nonsense gets "did you mean" instead of a random person.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.catalog.models import Defector
from bot.catalog.normalize import NameForm, fold, name_forms
from bot.catalog.vocab import Method

MAX_QUERY_CHARS = 100
SUGGESTION_CUTOFF = 70.0
MIN_FUZZY_SUGGESTION_CHARS = 4
AUTOCOMPLETE_CUTOFF = 70.0
AUTOCOMPLETE_FILL_BELOW = 5
_PREFIX_CANDIDATES = 100
AUTOCOMPLETE_SCAN_BUDGET = 20_000
"""Keys an autocomplete typo scan may compare before it narrows (see ``_fuzzy``)."""
AUTOCOMPLETE_NARROW_LENGTH = 2


class KeyKind(IntEnum):
    """What a key is to its record; lower ranks first on equal scores."""

    NAME = 0
    ALIAS = 1
    SURNAME = 2
    FIRST_NAME = 3


_EXACT_SCORES = {KeyKind.NAME: 100.0, KeyKind.ALIAS: 100.0, KeyKind.SURNAME: 98.0}
_FIRST_NAME_SCORE = 96.0


class MatchKind(IntEnum):
    EXACT = 0
    PREFIX = 1
    FUZZY = 2


@dataclass(frozen=True, slots=True)
class Match:
    record: Defector
    score: float
    kind: MatchKind
    key: str


@dataclass(frozen=True, slots=True)
class LookupResult:
    query: str
    matches: tuple[Match, ...]
    """Confident matches, best first."""
    suggestions: tuple[Match, ...]
    """When nothing is confident: the nearest records, best first."""

    @property
    def best(self) -> Defector | None:
        """The one record the query means, or None when none or several are likely."""
        if not self.matches:
            return None
        top = self.matches[0]
        if len(self.matches) == 1:
            return top.record
        runner_up = self.matches[1]
        if top.kind is MatchKind.EXACT and runner_up.kind is not MatchKind.EXACT:
            return top.record
        if top.score - runner_up.score >= 5:
            return top.record
        return None


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on which records a search returns. Countries compare folded."""

    origin_country: str | None = None
    birth_country: str | None = None
    destination_country: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    profession: str | None = None
    method: Method | None = None

    def __post_init__(self) -> None:
        if (
            self.year_from is not None
            and self.year_to is not None
            and self.year_from > self.year_to
        ):
            raise ValueError(f"year range {self.year_from}–{self.year_to} is empty")

    @property
    def active(self) -> bool:
        return any(
            value is not None
            for value in (
                self.origin_country,
                self.birth_country,
                self.destination_country,
                self.year_from,
                self.year_to,
                self.profession,
                self.method,
            )
        )

    def matches(self, record: Defector) -> bool:
        def same(wanted: str | None, actual: str | None) -> bool:
            return wanted is None or (actual is not None and fold(wanted) == fold(actual))

        if not (
            same(self.origin_country, record.origin_country)
            and same(self.birth_country, record.birth_country)
            and same(self.destination_country, record.destination_country)
        ):
            return False
        if self.year_from is not None and record.year < self.year_from:
            return False
        if self.year_to is not None and record.year > self.year_to:
            return False
        if self.method is not None and record.method is not self.method:
            return False
        if self.profession is not None:
            wanted = fold(self.profession)
            if not wanted or wanted not in fold(record.profession or ""):
                return False
        return True


def confident_cutoff(query_length: int) -> float:
    """Minimum fuzzy score to trust, scaled to the length of the folded query.

    Short words tolerate no edit, medium ones about one, long ones two or three.
    """
    if query_length <= 4:
        return 100.0
    if query_length <= 6:
        return 83.0
    if query_length <= 12:
        return 80.0
    return 78.0


def length_window(length: int, cutoff: float) -> tuple[int, int]:
    """Key lengths that can reach ``cutoff`` (0–100) against a query of ``length``.

    rapidfuzz's ratio is 2·matches/(a+b), at most 2·min(a, b)/(a+b); solving that for the
    other length gives the window. A little slack keeps rounding on the safe side.
    """
    c = max(min(cutoff / 100.0, 1.0), 0.01)
    return math.floor(length * c / (2 - c) - 1e-9), math.ceil(length * (2 - c) / c + 1e-9)


def _sorted_tokens(key: str) -> str:
    return " ".join(sorted(key.split()))


def record_keys(record: Defector) -> list[tuple[str, KeyKind, bool]]:
    """Every folded key a record is found by, and whether typo matching should scan it.

    First names are left out (see ``first_names``). Keys derived from a longer name
    ("ion pacepa") are matched exactly and as prefixes only: their fuzzy matches would
    duplicate the full name's and double the scan.
    """
    keys: list[tuple[str, KeyKind, bool]] = []
    for text, kind in [(record.name, KeyKind.NAME)] + [(a, KeyKind.ALIAS) for a in record.aliases]:
        for form, how in name_forms(text):
            surname = how in (NameForm.SURNAME, NameForm.DOUBLE_SURNAME)
            scan = how in (NameForm.FULL, NameForm.SURNAME)
            keys.append((form, KeyKind.SURNAME if surname else kind, scan))
    return keys


def first_names(record: Defector) -> set[str]:
    """Folded first words of the name and aliases, when they look like names."""
    names: set[str] = set()
    for text in (record.name, *record.aliases):
        words = fold(text).split()
        if len(words) >= 2 and len(words[0]) >= 3:
            names.add(words[0])
    return names


class _Hit(NamedTuple):
    """One way a query met a record, before the best per record is chosen."""

    score: float
    match_kind: MatchKind
    record: int
    """The record's index in ``SearchIndex.records``."""
    key_kind: KeyKind
    key: str
    """The folded name or alias that matched."""


class SearchIndex:
    """Name search over a fixed list of records."""

    def __init__(self, records: Iterable[Defector]) -> None:
        self.records: tuple[Defector, ...] = tuple(records)
        self._by_slug = {record.slug: record for record in self.records}
        owners: dict[str, dict[int, KeyKind]] = {}
        scanned: set[str] = set()
        for position, record in enumerate(self.records):
            for key, kind, fuzzy in record_keys(record):
                seen = owners.setdefault(key, {})
                if position not in seen or kind < seen[position]:
                    seen[position] = kind
                if fuzzy:
                    scanned.add(key)
        self._keys: list[str] = list(owners)
        self._owners: list[tuple[tuple[int, KeyKind], ...]] = [
            tuple(sorted(owners[key].items())) for key in self._keys
        ]
        self._key_position = {key: i for i, key in enumerate(self._keys)}
        first: dict[str, list[int]] = {}
        for position, record in enumerate(self.records):
            for name in first_names(record):
                first.setdefault(name, []).append(position)
        self._first_names = {name: tuple(owners) for name, owners in first.items()}
        # Fuzzy keys sorted by length: a similarity cut-off bounds the length of a key that
        # can reach it, so a query scans only the slice of plausible lengths.
        by_length = sorted(
            (i for i, key in enumerate(self._keys) if key in scanned),
            key=lambda i: len(self._keys[i]),
        )
        self._fuzzy_positions: list[int] = by_length
        self._fuzzy_keys: list[str] = [_sorted_tokens(self._keys[i]) for i in by_length]
        self._fuzzy_lengths: list[int] = [len(key) for key in self._fuzzy_keys]
        # The same keys per initial (still sorted by length), for autocomplete's narrow scan
        # on large catalogues (see ``_fuzzy``).
        initials: dict[str, list[int]] = {}
        for i, key in enumerate(self._fuzzy_keys):
            initials.setdefault(key[:1], []).append(i)
        self._by_initial: dict[str, tuple[list[int], list[str], list[int]]] = {
            initial: (
                [self._fuzzy_positions[i] for i in members],
                [self._fuzzy_keys[i] for i in members],
                [self._fuzzy_lengths[i] for i in members],
            )
            for initial, members in initials.items()
        }
        alphabetical = sorted(range(len(self._keys)), key=self._keys.__getitem__)
        self._alpha_keys: list[str] = [self._keys[i] for i in alphabetical]
        self._alpha_positions: list[int] = alphabetical
        self._folded_names = [fold(record.name) for record in self.records]
        self._by_name = sorted(range(len(self.records)), key=self._folded_names.__getitem__)
        self._folded_names_by_slug = {
            record.slug: folded
            for record, folded in zip(self.records, self._folded_names, strict=True)
        }

    def __len__(self) -> int:
        return len(self.records)

    def get(self, slug: str) -> Defector | None:
        return self._by_slug.get(slug)

    # -- scoring tiers -------------------------------------------------------------------

    def _exact(self, query: str) -> list[_Hit]:
        hits = [
            _Hit(_FIRST_NAME_SCORE, MatchKind.EXACT, record, KeyKind.FIRST_NAME, query)
            for record in self._first_names.get(query, ())
        ]
        position = self._key_position.get(query)
        if position is not None:
            hits.extend(
                _Hit(_EXACT_SCORES[kind], MatchKind.EXACT, record, kind, query)
                for record, kind in self._owners[position]
            )
        return hits

    def _prefix(self, query: str) -> list[_Hit]:
        hits: list[_Hit] = []
        start = bisect.bisect_left(self._alpha_keys, query)
        for i in range(start, min(start + _PREFIX_CANDIDATES, len(self._alpha_keys))):
            key = self._alpha_keys[i]
            if not key.startswith(query):
                break
            if key == query:
                continue
            score = 70.0 + 25.0 * len(query) / len(key)
            for record, kind in self._owners[self._alpha_positions[i]]:
                hits.append(_Hit(score, MatchKind.PREFIX, record, kind, key))
        return hits

    def _fuzzy(
        self, query: str, limit: int, cutoff: float, *, budget: int | None = None
    ) -> list[_Hit]:
        # A higher cut-off lets rapidfuzz skip most keys on length alone, so callers ask
        # for the confident cut-off first and widen only when that finds nothing.
        hits: list[_Hit] = []
        text = _sorted_tokens(query)
        shortest, longest = length_window(len(text), cutoff)
        positions, keys, lengths = self._fuzzy_positions, self._fuzzy_keys, self._fuzzy_lengths
        start = bisect.bisect_left(lengths, shortest)
        stop = bisect.bisect_right(lengths, longest)
        if budget is not None and stop - start > budget:
            # Too many keys for a keystroke (a scan of all of them, 40 ms at 100,000 names,
            # was autocomplete's whole p99): only keys with the query's initial and within
            # two letters of its length, what a typo or two in a whole name gives. A typo in
            # the first letter, or in a partial name, is still found on submit (lookup).
            positions, keys, lengths = self._by_initial.get(text[:1], ([], [], []))
            narrow = AUTOCOMPLETE_NARROW_LENGTH
            start = bisect.bisect_left(lengths, max(shortest, len(text) - narrow))
            stop = bisect.bisect_right(lengths, min(longest, len(text) + narrow))
        for _, score, index in process.extract(
            text,
            keys[start:stop],
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=cutoff,
            limit=limit,
        ):
            position = positions[start + index]
            key = self._keys[position]
            if key == query:
                continue  # already an exact hit
            for record, kind in self._owners[position]:
                hits.append(_Hit(float(score), MatchKind.FUZZY, record, kind, key))
        return hits

    def _rank(
        self,
        hits: Iterable[_Hit],
        filters: Filters | None,
        limit: int,
    ) -> list[Match]:
        best: dict[int, _Hit] = {}
        for hit in hits:
            current = best.get(hit.record)
            if current is None or (hit.match_kind, -hit.score, hit.key_kind) < (
                current.match_kind,
                -current.score,
                current.key_kind,
            ):
                best[hit.record] = hit
        # Exact before prefix before fuzzy: "petrov" is Vladimir Petrov even though
        # "petrova" is one letter away.
        ordered = sorted(
            best.values(),
            key=lambda h: (
                h.match_kind,
                -h.score,
                h.key_kind,
                len(h.key),
                self._folded_names[h.record],
            ),
        )
        matches: list[Match] = []
        for score, match_kind, record, _, key in ordered:
            candidate = self.records[record]
            if filters is not None and not filters.matches(candidate):
                continue
            matches.append(Match(candidate, round(score, 1), match_kind, key))
            if len(matches) >= limit:
                break
        return matches

    # -- public queries ------------------------------------------------------------------

    def lookup(self, query: str, *, limit: int = 5, filters: Filters | None = None) -> LookupResult:
        """Find the records a typed name means: confident matches or suggestions."""
        folded = fold(query[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].strip()
        if not folded:
            return LookupResult(query, (), ())
        fetch = max(limit * 4, 20) if filters is None else len(self._keys)
        cutoff = confident_cutoff(len(folded))
        hits = self._exact(folded) + self._prefix(folded)
        exact = any(hit.match_kind is MatchKind.EXACT for hit in hits)
        if not exact and cutoff < 100.0:
            # An exact hit is what the member meant; fuzzy matching is for everything else.
            hits += self._fuzzy(folded, fetch, cutoff)
        ranked = self._rank(hits, filters, max(limit, 5))
        confident = [
            m
            for m in ranked
            if m.kind is MatchKind.EXACT
            or (m.kind is MatchKind.PREFIX and m.score >= 85.0 and len(folded) >= 4)
            or (m.kind is MatchKind.FUZZY and m.score >= cutoff)
        ]
        if confident:
            return LookupResult(query, tuple(confident[:limit]), ())
        if len(folded) >= MIN_FUZZY_SUGGESTION_CHARS:
            hits += self._fuzzy(folded, fetch, SUGGESTION_CUTOFF)
            ranked = self._rank(hits, filters, max(limit, 5))
        return LookupResult(query, (), tuple(ranked[:limit]))

    def autocomplete(
        self, text: str, *, limit: int = 25, filters: Filters | None = None
    ) -> list[Match]:
        """Choices for a partly typed name: exact, then prefix matches, then near misses."""
        limit = max(1, min(limit, 25))
        folded = fold(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].strip()
        if not folded:
            chosen = [
                self.records[i]
                for i in self._by_name
                if filters is None or filters.matches(self.records[i])
            ]
            return [Match(r, 0.0, MatchKind.PREFIX, "") for r in chosen[:limit]]
        hits = self._exact(folded) + self._prefix(folded)
        matches = self._rank(hits, filters, limit)
        # Near misses fill the list when prefixes found few, for queries long enough for a
        # typo to mean much.
        exact = any(m.kind is MatchKind.EXACT for m in matches)
        if len(matches) < AUTOCOMPLETE_FILL_BELOW and len(folded) >= 4 and not exact:
            seen = {m.record.slug for m in matches}
            fetch = limit * 2 if filters is None else len(self._keys)
            near = self._fuzzy(folded, fetch, AUTOCOMPLETE_CUTOFF, budget=AUTOCOMPLETE_SCAN_BUDGET)
            for extra in self._rank(near, filters, limit):
                if extra.record.slug not in seen:
                    matches.append(extra)
                    seen.add(extra.record.slug)
                if len(matches) >= limit:
                    break
        return matches

    def filter(self, filters: Filters | None = None) -> list[Defector]:
        """Every record that passes ``filters``, in order of year then name."""
        chosen = [r for r in self.records if filters is None or filters.matches(r)]
        return sorted(chosen, key=lambda r: (r.year, self._folded_names_by_slug[r.slug]))


def build_index(records: Sequence[Defector]) -> SearchIndex:
    return SearchIndex(records)
