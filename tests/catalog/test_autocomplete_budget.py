"""Autocomplete's typo fill on a large catalogue scans only the keys of the query's initial
within two letters of its length (the whole scan was autocomplete's p99 at 100,000 names);
lookup still scans everything."""

from __future__ import annotations

import pytest

from bot.catalog import search
from bot.catalog.models import Defector
from bot.catalog.search import SearchIndex


def test_over_budget_the_fill_keeps_to_the_initial(
    records: tuple[Defector, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = SearchIndex(records)
    # Within the budget (the real catalogue): a typo in the first letter is filled too.
    assert "Nadia Comăneci" in {m.record.name for m in index.autocomplete("komaneci")}
    monkeypatch.setattr(search, "AUTOCOMPLETE_SCAN_BUDGET", 0)
    assert index.autocomplete("barishnikov")[0].record.name == "Mikhail Baryshnikov"
    assert index.autocomplete("gouzenco")[0].record.name == "Igor Gouzenko"
    assert index.autocomplete("brishnikov")[0].record.name == "Mikhail Baryshnikov"
    assert index.autocomplete("bxrishnikov")[0].record.name == "Mikhail Baryshnikov"
    assert "Nadia Comăneci" not in {m.record.name for m in index.autocomplete("komaneci")}
    # Two letters missing is still near; a name partly typed, with a typo, is left to lookup.
    assert index.autocomplete("bryshnkov")[0].record.name == "Mikhail Baryshnikov"
    # The lookup on submit still finds it.
    best = index.lookup("komaneci").best
    assert best is not None and best.name == "Nadia Comăneci"
