"""The lookup service with full-text search: lookups that never point the wrong way,
search with words and filters, and filter values someone in the catalogue has."""

from __future__ import annotations

import pytest

from bot.catalog.models import Defector
from bot.catalog.search import Filters, LookupResult, SearchIndex
from bot.catalog.vocab import ORIGIN_COUNTRIES, Method
from bot.errors import InvalidInput, NotFound
from bot.services.lookup import Described, LookupService


@pytest.fixture(scope="module")
def service(records: tuple[Defector, ...]) -> LookupService:
    return LookupService(SearchIndex(records))


def test_a_description_that_fits_one_person_is_their_card(service: LookupService) -> None:
    for text, name in [
        ("stalin's daughter", "Svetlana Alliluyeva"),
        ("mig-25 pilot", "Viktor Belenko"),
        ("jumped the berlin wall", "Konrad Schumann"),
    ]:
        found = service.resolve(text)
        assert isinstance(found, Defector) and found.name == name


def test_chess_lists_the_chess_players_not_a_lookalike_name(service: LookupService) -> None:
    found = service.resolve("chess")
    assert isinstance(found, Described)
    assert len(found.records) == 9
    assert all("Chess" in (r.profession or "") for r in found.records)
    assert "Vladas Česiūnas" not in {r.name for r in found.records}


def test_names_still_win_over_descriptions(service: LookupService) -> None:
    found = service.resolve("nureyev")
    assert isinstance(found, Defector) and found.name == "Rudolf Nureyev"
    several = service.resolve("stastny")
    assert isinstance(several, LookupResult)
    assert {m.record.name for m in several.matches} == {"Anton Šťastný", "Peter Šťastný"}
    typo = service.resolve("mikhail b")
    assert isinstance(typo, LookupResult) and not typo.matches
    assert typo.suggestions[0].record.name == "Mikhail Baryshnikov"


def test_several_matches_are_all_kept_for_the_count(service: LookupService) -> None:
    found = service.resolve("vladimir")
    assert isinstance(found, LookupResult)
    names = {m.record.name for m in found.matches}
    assert len(names) > 5 and "Vladimir Tismăneanu" in names


def test_nonsense_is_nobody(service: LookupService) -> None:
    # "astronaut" was "did you mean Ryszard Kukliński?" (his alias Jack Strong, 67% alike).
    for text in ("xyzzy plugh", "astronaut", "helicopter", "the beatles"):
        found = service.resolve(text)
        assert isinstance(found, LookupResult) and not found.matches and not found.suggestions


def test_search_combines_words_and_filters(service: LookupService) -> None:
    session = service.search(1, service.filters(origin="Hungary"), "chess")
    assert {r.name for r in session.results} == {"Béla Berger", "Géza Füster", "Pal Benko"}
    assert session.text == "chess"
    late = service.search(1, service.filters(year_from=1976), "chess player")
    assert {r.name for r in late.results} == {
        "Viktor Korchnoi", "Lev Alburt", "Igor Vasilyevich Ivanov", "Mihai Șubă",
    }  # fmt: skip
    with pytest.raises(NotFound, match="with those filters"):
        service.search(1, service.filters(origin="Albania"), "chess")
    with pytest.raises(NotFound, match="xyzzy"):
        service.search(1, Filters(), "xyzzy")
    with pytest.raises(InvalidInput):
        service.search(1, Filters(), "chess\x07")
    with pytest.raises(InvalidInput):
        service.search(1, Filters(), "!!!")
    everyone = service.search(1, Filters(), None)
    assert len(everyone.results) == len(service.index)


def test_list_session_pages_a_did_you_mean(service: LookupService) -> None:
    found = service.resolve("chess")
    assert isinstance(found, Described)
    session = service.list_session(7, found.records, "chess")
    assert session.results == found.records
    assert service.session(session.id, 7) is session


def test_every_filter_value_offered_finds_someone(service: LookupService) -> None:
    for destination in service.destinations():
        assert service.index.filter(Filters(destination_country=destination)), destination
    assert "Belarus" not in service.destinations()
    assert "North Korea" not in service.destinations()
    assert "France" in service.destinations()
    for origin in ORIGIN_COUNTRIES:
        assert service.index.filter(Filters(origin_country=origin)), origin
    for method in Method:
        if method is not Method.UNKNOWN:
            assert service.index.filter(Filters(method=method)), method
    for profession in service.professions():
        assert service.index.filter(Filters(profession=profession[:60])), profession
