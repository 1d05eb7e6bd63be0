"""The one pluralising helper the bot's messages use."""

from __future__ import annotations

import pytest

from bot.ui.text import plural


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, "0 players"),
        (1, "1 player"),
        (2, "2 players"),
        (1000, "1,000 players"),
        (-1, "-1 players"),
    ],
)
def test_plural_reads_like_a_person_wrote_it(count: int, expected: str) -> None:
    assert plural(count, "player") == expected


def test_irregular_plurals() -> None:
    assert plural(1, "person", "people") == "1 person"
    assert plural(165, "person", "people") == "165 people"
