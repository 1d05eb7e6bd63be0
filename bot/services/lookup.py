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
from typing import TYPE_CHECKING

from bot.catalog.models import Defector
from bot.catalog.normalize import fold, has_control_characters, strip_invisible
from bot.catalog.search import Filters, LookupResult, SearchIndex
from bot.catalog.vocab import KNOWN_COUNTRIES, ORIGIN_COUNTRIES, Method
from bot.errors import InvalidInput, NotFound, NotPermitted, quoted

if TYPE_CHECKING:
    from bot.catalog.fulltext import FullTextIndex, Hit

MAX_QUERY_CHARS = 100
MAX_PROFESSION_CHARS = 60
PAGE_SIZE = 10
MAX_SEARCH_SESSIONS = 1000
SHOWN_CHOICES = 5
STANDS_OUT = 3.0
"""A full-text hit this many times the next one's score is the person the text describes."""
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
    text: str | None = None
    """The words searched for, if any."""

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.results) // PAGE_SIZE))

    def page(self, number: int) -> tuple[Defector, ...]:
        start = number * PAGE_SIZE
        return self.results[start : start + PAGE_SIZE]


@dataclass(frozen=True, slots=True)
class Described:
    """No name matched, but the text describes these people (best first)."""

    query: str
    records: tuple[Defector, ...]


@dataclass
class LookupService:
    index: SearchIndex
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic
    _sessions: OrderedDict[str, SearchSession] = field(default_factory=OrderedDict)
    _shown: dict[str, int] = field(default_factory=dict)
    """Session id → the page its message shows (0-based), as last turned to."""
    fulltext: FullTextIndex | None = None
    """Built from the name index's records when not given, at its first use: tantivy and
    the index cost about 10 MiB and 40 ms of CPU (100 ms of wall time) that a process
    answering only quizzes and name lookups never needs."""

    @property
    def _fulltext(self) -> FullTextIndex:
        if self.fulltext is None:
            from bot.catalog.fulltext import FullTextIndex

            self.fulltext = FullTextIndex(self.index.records)
        return self.fulltext

    # -- names -----------------------------------------------------------------------------

    def autocomplete(self, text: str) -> list[tuple[str, str]]:
        """(label, value) pairs for Discord: at most 25, values are slugs."""
        if has_control_characters(text) or len(text) > 4 * MAX_QUERY_CHARS:
            return []
        return [(m.record.name[:100], m.record.slug) for m in self.index.autocomplete(text)]

    def resolve(self, value: str) -> Defector | LookupResult | Described:
        """A slug picked from autocomplete, or free text a member typed.

        A confident name wins. Failing that, the people the text describes ("stalin's
        daughter"): the card when one stands out, else the list. Name suggestions (typos)
        come last, so "chess" lists the chess players rather than a name that looks like it.
        """
        record = self.index.get(value)
        if record is not None:
            return record
        query = clean_text(value, what="name", limit=MAX_QUERY_CHARS)
        if not fold(query):
            raise InvalidInput("Type a name to look up, e.g. `nureyev`.")
        result = self.index.lookup(query, limit=25)
        if result.best is not None:
            return result.best
        if result.matches:
            return result
        hits = self._fulltext.search(query, limit=25)
        if hits:
            if len(hits) == 1 or hits[0].score >= STANDS_OUT * hits[1].score:
                return hits[0].record
            return Described(query, tuple(hit.record for hit in hits))
        return LookupResult(result.query, (), result.suggestions[:SHOWN_CHOICES])

    def describe(self, text: str, *, limit: int = 10) -> list[Hit]:
        """Full-text search, with the query words each person matched."""
        return self._fulltext.search(text, limit=limit, explain=True)

    def list_session(
        self, owner_id: int, records: Sequence[Defector], text: str | None = None
    ) -> SearchSession:
        """A paged list of ``records``, e.g. every match behind a "did you mean"."""
        return self._remember(
            SearchSession(
                secrets.token_hex(4), owner_id, Filters(), tuple(records), self.clock(), text
            )
        )

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
        method: Method | str | None = None,
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

    def search(self, owner_id: int, filters: Filters, text: str | None = None) -> SearchSession:
        """Everyone passing ``filters``; with ``text``, those it describes, best first."""
        words = None
        if text is not None:
            words = clean_text(text, what="search text", limit=MAX_QUERY_CHARS) or None
        if words is not None and not fold(words):
            raise InvalidInput("Type some words to search for, e.g. `chess` or `mig-25 pilot`.")
        if words is None:
            results = tuple(self.index.filter(filters))
        else:
            hits = self._fulltext.search(words, limit=len(self._fulltext))
            results = tuple(hit.record for hit in hits if filters.matches(hit.record))
        if not results:
            if words is None:
                raise NotFound("No one in the catalogue matches those filters.")
            also = " with those filters" if filters.active else ""
            raise NotFound(f"No one in the catalogue matches “{quoted(words)}”{also}.")
        return self._remember(
            SearchSession(secrets.token_hex(4), owner_id, filters, results, self.clock(), words)
        )

    def _remember(self, session: SearchSession) -> SearchSession:
        self._sessions[session.id] = session
        while len(self._sessions) > MAX_SEARCH_SESSIONS:
            gone, _ = self._sessions.popitem(last=False)
            self._shown.pop(gone, None)
        return session

    def session(self, session_id: str, user_id: int, *, owner_only: bool = True) -> SearchSession:
        """A live search; ``owner_only``: refused to anyone but who ran it (its page turns;
        a card it opens is private, so anyone may open one)."""
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound("This list has expired. Run `/defector search` again.")
        if owner_only and session.owner_id != user_id:
            raise NotPermitted("Only the member who ran this search can turn its pages.")
        return session

    def turn(self, session_id: str, user_id: int, page: int) -> tuple[SearchSession, int]:
        """Show ``page`` of a member's search (clamped to its pages); the session and the page
        its message now shows."""
        session = self.session(session_id, user_id)
        shown = min(max(page, 0), session.pages - 1)
        self._shown[session_id] = shown
        return session, shown

    def shown(self, session_id: str) -> int:
        """The page a search's message shows (0 before any turn)."""
        return self._shown.get(session_id, 0)

    def destination(self, value: str) -> str:
        """A destination as the catalogue spells it (accents and case aside)."""
        return _country(value, KNOWN_COUNTRIES, "destination") or value

    def destinations(self) -> list[str]:
        """The destinations someone in the catalogue went to, sorted."""
        return sorted({r.destination_country for r in self.index.records if r.destination_country})

    def professions(self) -> list[str]:
        """Every profession of the catalogue, sorted."""
        return sorted({r.profession for r in self.index.records if r.profession}, key=fold)

    def forget(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
        self._shown.pop(session_id, None)

    # -- statistics ------------------------------------------------------------------------

    def stats(self, records: Sequence[Defector] | None = None) -> dict[str, list[tuple[str, int]]]:
        """Counts per origin, decade and method, of ``records`` (default: everyone)."""
        if records is None:
            records = self.index.records
        origins = Counter(r.origin_country or "Unknown" for r in records)
        decades = Counter(f"{r.decade}s" for r in records)
        methods = Counter(r.method for r in records)
        unstated = methods.pop(Method.UNKNOWN, 0)
        return {
            "origin": origins.most_common(),
            "decade": sorted(decades.items()),
            # Most first and the unstated last, as the chart draws them.
            "method": [(m.label, n) for m, n in methods.most_common()]
            + ([(Method.UNKNOWN.label, unstated)] if unstated else []),
        }
