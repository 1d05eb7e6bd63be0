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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz import fuzz, process

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import Method

MAX_QUERY_CHARS = 100
SUGGESTION_CUTOFF = 55.0
_PREFIX_CANDIDATES = 200


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


def _sorted_tokens(key: str) -> str:
    return " ".join(sorted(key.split()))


def record_keys(record: Defector) -> list[tuple[str, KeyKind]]:
    """Every folded key a record is found by (first names excluded: see ``first_names``)."""
    keys: list[tuple[str, KeyKind]] = []
    for text, kind in [(record.name, KeyKind.NAME)] + [(a, KeyKind.ALIAS) for a in record.aliases]:
        folded = fold(text)
        if not folded:
            continue
        keys.append((folded, kind))
        words = folded.split()
        if len(words) >= 3:
            # "ion pacepa" for Ion Mihai Pacepa; "murat khan", "barba neagra" for
            # double surnames.
            keys.append((f"{words[0]} {words[-1]}", kind))
            keys.append((f"{words[-2]} {words[-1]}", KeyKind.SURNAME))
        if len(words) >= 2 and len(words[-1]) >= 3:
            keys.append((words[-1], KeyKind.SURNAME))
    return keys


def first_names(record: Defector) -> set[str]:
    """Folded first words of the name and aliases, when they look like names."""
    names: set[str] = set()
    for text in (record.name, *record.aliases):
        words = fold(text).split()
        if len(words) >= 2 and len(words[0]) >= 3:
            names.add(words[0])
    return names


class SearchIndex:
    """Name search over a fixed list of records."""

    def __init__(self, records: Iterable[Defector]) -> None:
        self.records: tuple[Defector, ...] = tuple(records)
        self._by_slug = {record.slug: record for record in self.records}
        owners: dict[str, dict[int, KeyKind]] = {}
        for position, record in enumerate(self.records):
            for key, kind in record_keys(record):
                seen = owners.setdefault(key, {})
                if position not in seen or kind < seen[position]:
                    seen[position] = kind
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
        self._fuzzy_keys: list[str] = [_sorted_tokens(key) for key in self._keys]
        alphabetical = sorted(range(len(self._keys)), key=self._keys.__getitem__)
        self._alpha_keys: list[str] = [self._keys[i] for i in alphabetical]
        self._alpha_positions: list[int] = alphabetical
        self._by_name = sorted(range(len(self.records)), key=lambda i: fold(self.records[i].name))

    def __len__(self) -> int:
        return len(self.records)

    def get(self, slug: str) -> Defector | None:
        return self._by_slug.get(slug)

    # -- scoring tiers -------------------------------------------------------------------

    def _exact(self, query: str) -> list[tuple[float, MatchKind, int, KeyKind, str]]:
        hits = [
            (_FIRST_NAME_SCORE, MatchKind.EXACT, record, KeyKind.FIRST_NAME, query)
            for record in self._first_names.get(query, ())
        ]
        position = self._key_position.get(query)
        if position is not None:
            hits.extend(
                (_EXACT_SCORES[kind], MatchKind.EXACT, record, kind, query)
                for record, kind in self._owners[position]
            )
        return hits

    def _prefix(self, query: str) -> list[tuple[float, MatchKind, int, KeyKind, str]]:
        hits: list[tuple[float, MatchKind, int, KeyKind, str]] = []
        start = bisect.bisect_left(self._alpha_keys, query)
        for i in range(start, min(start + _PREFIX_CANDIDATES, len(self._alpha_keys))):
            key = self._alpha_keys[i]
            if not key.startswith(query):
                break
            if key == query:
                continue
            score = 70.0 + 25.0 * len(query) / len(key)
            for record, kind in self._owners[self._alpha_positions[i]]:
                hits.append((score, MatchKind.PREFIX, record, kind, key))
        return hits

    def _fuzzy(self, query: str, limit: int) -> list[tuple[float, MatchKind, int, KeyKind, str]]:
        hits: list[tuple[float, MatchKind, int, KeyKind, str]] = []
        for _, score, position in process.extract(
            _sorted_tokens(query),
            self._fuzzy_keys,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SUGGESTION_CUTOFF,
            limit=limit,
        ):
            key = self._keys[position]
            if key == query:
                continue  # already an exact hit
            for record, kind in self._owners[position]:
                hits.append((float(score), MatchKind.FUZZY, record, kind, key))
        return hits

    def _rank(
        self,
        hits: Iterable[tuple[float, MatchKind, int, KeyKind, str]],
        filters: Filters | None,
        limit: int,
    ) -> list[Match]:
        best: dict[int, tuple[float, MatchKind, int, KeyKind, str]] = {}
        for hit in hits:
            score, match_kind, record, key_kind, _ = hit
            current = best.get(record)
            if current is None or (match_kind, -score, key_kind) < (
                current[1],
                -current[0],
                current[3],
            ):
                best[record] = hit
        # Exact before prefix before fuzzy: "petrov" is Vladimir Petrov even though
        # "petrova" is one letter away.
        ordered = sorted(
            best.values(),
            key=lambda h: (h[1], -h[0], h[3], len(h[4]), fold(self.records[h[2]].name)),
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
        hits = self._exact(folded) + self._prefix(folded) + self._fuzzy(folded, fetch)
        ranked = self._rank(hits, filters, max(limit, 5))
        cutoff = confident_cutoff(len(folded))
        confident = [
            m
            for m in ranked
            if m.kind is MatchKind.EXACT
            or (m.kind is MatchKind.PREFIX and m.score >= 85.0 and len(folded) >= 4)
            or (m.kind is MatchKind.FUZZY and m.score >= cutoff)
        ]
        if confident:
            return LookupResult(query, tuple(confident[:limit]), ())
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
        if len(matches) < limit and len(folded) >= 3:
            seen = {m.record.slug for m in matches}
            fetch = limit * 2 if filters is None else len(self._keys)
            for extra in self._rank(self._fuzzy(folded, fetch), filters, limit):
                if extra.record.slug not in seen and extra.score >= 60.0:
                    matches.append(extra)
                    seen.add(extra.record.slug)
                if len(matches) >= limit:
                    break
        return matches

    def filter(self, filters: Filters | None = None) -> list[Defector]:
        """Every record that passes ``filters``, in order of year then name."""
        chosen = [r for r in self.records if filters is None or filters.matches(r)]
        return sorted(chosen, key=lambda r: (r.year, fold(r.name)))


def build_index(records: Sequence[Defector]) -> SearchIndex:
    return SearchIndex(records)
