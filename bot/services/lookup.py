"""Lookup use-cases: autocomplete, lookup, random, filtered search with pages, statistics.

Everything runs on the in-memory catalogue; no database round trip per keystroke.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.catalog.models import Defector
from bot.catalog.normalize import fold, has_control_characters, strip_invisible
from bot.catalog.search import Filters, LookupResult, SearchIndex
from bot.catalog.vocab import KNOWN_COUNTRIES, ORIGIN_COUNTRIES, Method
from bot.errors import InvalidInput, NotFound, NotPermitted, quoted

MAX_QUERY_CHARS = 100
MAX_PROFESSION_CHARS = 60
PAGE_SIZE = 10
MAX_SEARCH_SESSIONS = 1000
YEAR_MIN, YEAR_MAX = 1900, 2000


def clean_text(value: str, *, what: str, limit: int) -> str:
    """Validate free text from a member: no control characters, bounded length."""
    if has_control_characters(value):
        raise InvalidInput(f"The {what} contains control characters; please type it plainly.")
    text = strip_invisible(value).strip()
    if len(text) > limit:
        raise InvalidInput(f"The {what} is too long ({len(text):,} characters; at most {limit}).")
    return text


def _country(value: str | None, allowed: frozenset[str], what: str) -> str | None:
    if value is None:
        return None
    folded = fold(value)
    for country in allowed:
        if fold(country) == folded:
            return country
    raise InvalidInput(f"“{quoted(value)}” is not a {what} in the catalogue.")


@dataclass(frozen=True, slots=True)
class SearchSession:
    """One member's filtered search, so the page buttons can be stateless custom ids."""

    id: str
    owner_id: int
    filters: Filters
    results: tuple[Defector, ...]
    created: float

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.results) // PAGE_SIZE))

    def page(self, number: int) -> tuple[Defector, ...]:
        start = number * PAGE_SIZE
        return self.results[start : start + PAGE_SIZE]


@dataclass
class LookupService:
    index: SearchIndex
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic
    _sessions: OrderedDict[str, SearchSession] = field(default_factory=OrderedDict)

    # -- names -----------------------------------------------------------------------------

    def autocomplete(self, text: str) -> list[tuple[str, str]]:
        """(label, value) pairs for Discord: at most 25, values are slugs."""
        if has_control_characters(text) or len(text) > 4 * MAX_QUERY_CHARS:
            return []
        return [(m.record.name[:100], m.record.slug) for m in self.index.autocomplete(text)]

    def resolve(self, value: str) -> Defector | LookupResult:
        """A slug picked from autocomplete, or free text a member typed."""
        record = self.index.get(value)
        if record is not None:
            return record
        query = clean_text(value, what="name", limit=MAX_QUERY_CHARS)
        if not fold(query):
            raise InvalidInput("Type a name to look up, e.g. `nureyev`.")
        result = self.index.lookup(query)
        return result.best if result.best is not None else result

    def get(self, slug: str) -> Defector:
        record = self.index.get(slug)
        if record is None:
            raise NotFound("I don't know that person; the list may have changed.")
        return record

    # -- filters ---------------------------------------------------------------------------

    def filters(
        self,
        *,
        origin: str | None = None,
        destination: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        profession: str | None = None,
        method: str | None = None,
    ) -> Filters:
        """Validated filters from command options (each may be None)."""
        for year in (year_from, year_to):
            if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
                raise InvalidInput(f"Years run from {YEAR_MIN} to {YEAR_MAX}.")
        if year_from is not None and year_to is not None and year_from > year_to:
            raise InvalidInput(f"The year range {year_from}–{year_to} is empty.")
        wanted_method = None
        if method is not None:
            try:
                wanted_method = Method(method)
            except ValueError:
                raise InvalidInput(f"“{quoted(method)}” is not a method.") from None
        job = None
        if profession is not None:
            job = clean_text(profession, what="profession", limit=MAX_PROFESSION_CHARS) or None
        return Filters(
            origin_country=_country(origin, ORIGIN_COUNTRIES, "country of origin"),
            destination_country=_country(destination, KNOWN_COUNTRIES, "destination"),
            year_from=year_from,
            year_to=year_to,
            profession=job,
            method=wanted_method,
        )

    def random(self, filters: Filters) -> Defector:
        pool = self.index.filter(filters)
        if not pool:
            raise NotFound("No one in the catalogue matches those filters.")
        return self.rng.choice(pool)

    # -- paginated search ------------------------------------------------------------------

    def search(self, owner_id: int, filters: Filters) -> SearchSession:
        results = tuple(self.index.filter(filters))
        if not results:
            raise NotFound("No one in the catalogue matches those filters.")
        session = SearchSession(secrets.token_hex(4), owner_id, filters, results, self.clock())
        self._sessions[session.id] = session
        while len(self._sessions) > MAX_SEARCH_SESSIONS:
            self._sessions.popitem(last=False)
        return session

    def session(self, session_id: str, user_id: int) -> SearchSession:
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound("This list has expired. Run `/defector search` again.")
        if session.owner_id != user_id:
            raise NotPermitted("Only the member who ran this search can turn its pages.")
        return session

    def forget(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    # -- statistics ------------------------------------------------------------------------

    def stats(self, records: Sequence[Defector] | None = None) -> dict[str, list[tuple[str, int]]]:
        """Counts per origin, decade and method, of ``records`` (default: everyone)."""
        if records is None:
            records = self.index.records
        origins = Counter(r.origin_country or "Unknown" for r in records)
        decades = Counter(f"{r.decade}s" for r in records)
        methods = Counter(r.method.label for r in records)
        return {
            "origin": origins.most_common(),
            "decade": sorted(decades.items()),
            "method": methods.most_common(),
        }
