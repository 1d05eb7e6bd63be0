"""The score keeper keeps results through a database outage and writes them in order."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.services.scores import ScoreKeeper, database_unavailable

DOWN = OperationalError("INSERT …", {}, ConnectionRefusedError("connection refused"))


class Database:
    """A fake store: each write appends its name, unless the database is down."""

    def __init__(self) -> None:
        self.down = False
        self.rows: list[str] = []
        self.up_again = asyncio.Event()

    def writer(self, name: str):  # type: ignore[no-untyped-def]
        async def write() -> None:
            if self.down:
                raise DOWN
            if name not in self.rows:  # idempotent, like the ledger's unique key
                self.rows.append(name)

        return write


async def no_sleep(_: float) -> None:
    await asyncio.sleep(0)


def test_what_counts_as_unavailable() -> None:
    assert database_unavailable(DOWN)
    assert database_unavailable(ConnectionRefusedError())
    assert database_unavailable(TimeoutError())
    assert not database_unavailable(IntegrityError("x", {}, Exception()))
    assert not database_unavailable(ValueError())


async def test_writes_go_straight_through_when_healthy() -> None:
    db, keeper = Database(), ScoreKeeper(sleep=no_sleep)
    assert await keeper.write("q1", db.writer("q1")) is True
    assert db.rows == ["q1"] and keeper.healthy


async def test_an_outage_keeps_results_and_writes_them_in_order() -> None:
    db = Database()
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)
        if len(sleeps) == 3:
            db.down = False  # the database returns during the third wait
        await asyncio.sleep(0)

    keeper = ScoreKeeper(sleep=sleep)
    db.down = True
    assert await keeper.write("q1", db.writer("q1")) is False
    assert await keeper.write("q2", db.writer("q2")) is False
    assert not keeper.healthy
    await keeper.drained()
    assert db.rows == ["q1", "q2"]
    assert sleeps[:3] == [0.5, 1.0, 2.0]  # backing off
    # Once healthy again, writes go straight through.
    assert await keeper.write("q3", db.writer("q3")) is True
    assert db.rows == ["q1", "q2", "q3"]


async def test_a_write_queued_behind_others_waits_its_turn() -> None:
    db, keeper = Database(), ScoreKeeper(sleep=no_sleep)
    db.down = True
    await keeper.write("q1", db.writer("q1"))
    db.down = False
    # The database is back, but q1 is still queued: q2 must not overtake it.
    assert await keeper.write("q2", db.writer("q2")) is False
    await keeper.drained()
    assert db.rows == ["q1", "q2"]


async def test_the_backlog_is_bounded() -> None:
    db, keeper = Database(), ScoreKeeper(sleep=no_sleep, max_backlog=2)
    db.down = True
    for name in ("q1", "q2", "q3"):
        await keeper.write(name, db.writer(name))
    assert keeper.dropped == 1 and len(keeper.backlog) == 2
    db.down = False
    await keeper.drained()
    assert db.rows == ["q1", "q2"]


async def test_a_real_error_is_not_retried_forever() -> None:
    keeper = ScoreKeeper(sleep=no_sleep)

    async def broken() -> None:
        raise IntegrityError("x", {}, Exception("constraint"))

    with pytest.raises(IntegrityError):
        await keeper.write("bad", broken)
    assert keeper.healthy
