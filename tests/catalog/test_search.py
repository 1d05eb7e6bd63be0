"""Lookup quality on realistic queries, and the index's behaviour at its edges."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.models import Defector
from bot.catalog.search import Filters, MatchKind, SearchIndex
from bot.catalog.vocab import Method

# (what a member types, who they mean)
FINDS = [
    # exact and no-accent full names
    ("Rudolf Nureyev", "Rudolf Nureyev"),
    ("ferenc puskas", "Ferenc Puskás"),
    ("NADIA COMANECI", "Nadia Comăneci"),
    ("milos forman", "Miloš Forman"),
    ("czeslaw milosz", "Czesław Miłosz"),
    ("agnes keleti", "Ágnes Keleti"),
    ("naim suleymanoglu", "Naim Süleymanoğlu"),
    ("mihai suba", "Mihai Șubă"),  # comma-below in the table
    ("Ion Mihai Pacepa", "Ion Mihai Pacepa"),
    ("g.m. dimitrov", "G. M. Dimitrov"),
    # surname only
    ("nureyev", "Rudolf Nureyev"),
    ("puskas", "Ferenc Puskás"),
    ("gordievsky", "Oleg Gordievsky"),
    ("kocsis", "Sándor Kocsis"),
    ("czibor", "Zoltán Czibor"),
    ("alliluyeva", "Svetlana Alliluyeva"),
    ("navratilova", "Martina Navratilova"),
    ("vrzanova", "Alena Vrzáňová"),
    ("murat khan", "Nasreddin Murat-Khan"),
    ("barba neagra", "Paul Barbă Neagră"),
    ("pacepa", "Ion Mihai Pacepa"),
    # typos, scaled to the length of the word
    ("barishnikov", "Mikhail Baryshnikov"),
    ("Mikhail Barishnikov", "Mikhail Baryshnikov"),
    ("gordievski", "Oleg Gordievsky"),
    ("nureev", "Rudolf Nureyev"),
    ("nurejev", "Rudolf Nureyev"),
    ("navratilva", "Martina Navratilova"),
    ("komaneci", "Nadia Comăneci"),
    ("guzenko", "Igor Gouzenko"),
    ("solzhenitsyn shostakovich", None),
    ("shostakovitch", "Maxim Shostakovich"),
    ("golitsin", "Anatoliy Golitsyn"),
    ("kortchnoi", "Viktor Korchnoi"),
    ("mindzenty", "József Mindszenty"),
    # pseudonyms, transliterations, birth names
    ("Viktor Suvorov", "Vladimir Rezun (Viktor Suvorov)"),
    ("suvorov", "Vladimir Rezun (Viktor Suvorov)"),
    ("rezun", "Vladimir Rezun (Viktor Suvorov)"),
    ("christo", "Christo Javacheff"),
    ("Lana Peters", "Svetlana Alliluyeva"),
    ("Naum Shalamanov", "Naim Süleymanoğlu"),
    ("Victor Belenko", "Viktor Belenko"),
    ("Sergei Fyodorov", "Sergei Fedorov"),
    # reversed word order
    ("baryshnikov mikhail", "Mikhail Baryshnikov"),
    # unique first names
    ("martina", "Martina Navratilova"),
    ("svetlana", "Svetlana Alliluyeva"),
    # people sharing a surname: the exact one wins, the near one is not taken instead
    ("petrov", "Vladimir Petrov"),
    ("petrova", "Evdokia Petrova"),
    ("vladimir petrov", "Vladimir Petrov"),
    ("evdokia petrova", "Evdokia Petrova"),
    ("kozlov", "Leonid Kozlov"),
    ("kozlova", "Valentina Kozlova"),
    ("leonid kozlov", "Leonid Kozlov"),
    ("peter stastny", "Peter Šťastný"),
    ("anton stastny", "Anton Šťastný"),
    ("Peter Šťastný", "Peter Šťastný"),
    ("petrovich", "Alexander Petrovich"),
    # hostile decoration around a real name
    ("  **Nureyev**  ", "Rudolf Nureyev"),
    ("nure\u200byev", "Rudolf Nureyev"),
    ("\u202egordievsky", "Oleg Gordievsky"),
]


@pytest.mark.parametrize(("query", "expected"), FINDS)
def test_lookup_finds_the_person(index: SearchIndex, query: str, expected: str | None) -> None:
    result = index.lookup(query)
    best = result.best
    assert (best.name if best else None) == expected, [
        (m.record.name, m.score) for m in result.matches or result.suggestions
    ]


def test_the_table_is_big_enough() -> None:
    assert len(FINDS) >= 40


@pytest.mark.parametrize("query", ["stastny", "Šťastný", "viktor"])
def test_ambiguous_queries_list_every_candidate_and_pick_none(
    index: SearchIndex, query: str
) -> None:
    result = index.lookup(query)
    assert result.best is None
    assert len(result.matches) >= 2
    assert all(m.kind is MatchKind.EXACT for m in result.matches[:2])


def test_stastny_brothers_both_listed(index: SearchIndex) -> None:
    names = {m.record.name for m in index.lookup("stastny").matches}
    assert names == {"Anton Šťastný", "Peter Šťastný"}


@pytest.mark.parametrize(
    "query", ["xyzzy", "qwertyuiop", "john smith", "hockey", "asdf asdf", "the", "!!!", ""]
)
def test_nonsense_is_not_a_person(index: SearchIndex, query: str) -> None:
    result = index.lookup(query)
    assert result.matches == ()
    assert result.best is None


def test_near_miss_gets_suggestions(index: SearchIndex) -> None:
    result = index.lookup("mikhail b")
    assert result.matches == ()
    assert result.suggestions[0].record.name == "Mikhail Baryshnikov"


def test_short_words_tolerate_no_typo(index: SearchIndex) -> None:
    # "sur" is Gorsha Sur's surname only with the letter right.
    assert index.lookup("nur").best is None


def test_prefix_matches_come_first_in_autocomplete(index: SearchIndex) -> None:
    names = [m.record.name for m in index.autocomplete("kozl")]
    assert names[:2] == ["Leonid Kozlov", "Valentina Kozlova"]
    assert index.autocomplete("nurey")[0].record.name == "Rudolf Nureyev"
    assert index.autocomplete("mikhail b")[0].record.name == "Mikhail Baryshnikov"
    first = index.autocomplete("stas")
    assert {m.record.name for m in first[:2]} == {"Anton Šťastný", "Peter Šťastný"}
    assert all(m.kind is not MatchKind.FUZZY for m in first[:3])


def test_autocomplete_never_exceeds_25(index: SearchIndex) -> None:
    assert len(index.autocomplete("")) == 25
    assert len(index.autocomplete("a", limit=100)) <= 25
    assert len(index.autocomplete("e", limit=3)) == 3


def test_filters(index: SearchIndex, records: tuple[Defector, ...]) -> None:
    hungarians = index.filter(Filters(origin_country="hungary"))
    assert hungarians and all(r.origin_country == "Hungary" for r in hungarians)
    sixties = index.filter(Filters(year_from=1960, year_to=1969, method=Method.SPORTING_EVENT))
    assert sixties and all(
        1960 <= r.year <= 1969 and r.method is Method.SPORTING_EVENT for r in sixties
    )
    assert [r.year for r in sixties] == sorted(r.year for r in sixties)
    dancers = index.filter(Filters(profession="ballet"))
    assert {"Rudolf Nureyev", "Mikhail Baryshnikov"} <= {r.name for r in dancers}
    to_canada = index.filter(Filters(destination_country="Canada", birth_country="Latvia"))
    assert [r.name for r in to_canada] == ["Mikhail Baryshnikov"]
    assert len(index.filter()) == len(records)
    # Filters apply to lookups and autocomplete too.
    assert index.lookup("nureyev", filters=Filters(origin_country="Hungary")).best is None
    soviet = index.autocomplete("", filters=Filters(origin_country="Soviet Union"))
    assert all(m.record.origin_country == "Soviet Union" for m in soviet)


def test_empty_year_range_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Filters(year_from=1990, year_to=1950)


def test_get_by_slug(index: SearchIndex) -> None:
    record = index.get("rudolf-nureyev")
    assert record is not None and record.name == "Rudolf Nureyev"
    assert index.get("nobody") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_lookup_and_autocomplete_never_raise(index: SearchIndex, text: str) -> None:
    result = index.lookup(text)
    assert len(result.matches) <= 5 and len(result.suggestions) <= 5
    assert len(index.autocomplete(text)) <= 25


def test_huge_query_is_bounded(index: SearchIndex) -> None:
    result = index.lookup("nureyev " * 2000)
    assert len(result.matches) <= 5
