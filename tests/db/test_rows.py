"""The typed rows the quiz repositories read and write name exactly their table's columns, so
a column added, renamed or dropped in bot/db/models.py shows here, not as a KeyError at run
time."""

from __future__ import annotations

import pytest
from sqlalchemy import Table

from bot.db.quiz.games import GameRow
from bot.db.quiz.ledger import LedgerRow
from bot.db.quiz.settings import SettingsRow
from bot.db.quiz.tables import ANSWERS, GAMES, SETTINGS


@pytest.mark.parametrize(
    ("row", "table", "left_to_the_database"),
    [(GameRow, GAMES, set()), (SettingsRow, SETTINGS, set()), (LedgerRow, ANSWERS, {"id"})],
)
def test_row_names_its_tables_columns(
    row: type, table: Table, left_to_the_database: set[str]
) -> None:
    assert set(row.__annotations__) == set(table.c.keys()) - left_to_the_database


def test_nullable_columns_are_optional_in_the_rows() -> None:
    for row, table in ((GameRow, GAMES), (SettingsRow, SETTINGS)):
        for column in table.c:
            optional = "None" in str(row.__annotations__[column.key])
            assert optional == (column.nullable and not column.primary_key), column.key
