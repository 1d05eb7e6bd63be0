from __future__ import annotations

import pytest

from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.search import SearchIndex


@pytest.fixture(scope="session")
def records() -> tuple[Defector, ...]:
    return load_catalogue()


@pytest.fixture(scope="session")
def index(records: tuple[Defector, ...]) -> SearchIndex:
    return SearchIndex(records)
