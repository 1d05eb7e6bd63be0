from __future__ import annotations

import pytest

from bot.catalog.models import Defector
from bot.quiz.judge import Judge


@pytest.fixture(scope="session")
def judge(records: tuple[Defector, ...]) -> Judge:
    return Judge(records)
