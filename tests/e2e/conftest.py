"""The real bot, unmodified, against the local Discord over loopback.

Only the two endpoint settings differ from production (``DISCORD_API_BASE`` and
``DISCORD_GATEWAY_URL``); everything else is the code that runs on Discord. Every test that
takes ``world`` runs on SQLite and again on PostgreSQL when ``TEST_POSTGRES_URL`` is set
(``database_url`` in tests/conftest.py). What tests import (ids, ``World``, ``open_world``) is
in helpers.py.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.services.clock import ManualClock
from tests.e2e.helpers import ErrorLog, World, open_world


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    """The ERROR records of the "bot", "cogs" and "discord" loggers while the test runs."""
    errors = ErrorLog()
    loggers = [logging.getLogger(name) for name in ("bot", "cogs", "discord")]
    for logger in loggers:
        logger.addHandler(errors)
    yield errors
    for logger in loggers:
        logger.removeHandler(errors)


@pytest.fixture
def clock(world: World) -> ManualClock:
    """The quiz's clock, moved by the test (``await clock.advance(seconds)``)."""
    clock = ManualClock()
    assert world.bot is not None
    world.bot.services.quiz.clock = clock
    return clock


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    async with open_world(tmp_path, database_url) as world:
        yield world
