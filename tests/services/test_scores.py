"""The score keeper keeps results through a database outage and writes them in order."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)

from bot.services.scores import GroupWriter, ScoreKeeper, database_damaged, database_unavailable

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
    # A statement the database refuses for what it is would fail on every retry.
    assert not database_unavailable(ProgrammingError("x", {}, Exception()))
    assert not database_unavailable(DataError("x", {}, Exception()))
    assert database_unavailable(InterfaceError("x", {}, Exception()))
    # asyncpg's "the database system is starting up" is a bare DBAPIError: passing trouble.
    assert database_unavailable(
        DBAPIError("x", {}, Exception("the database system is starting up"))
    )


def test_a_damaged_database_and_a_lasting_os_error_are_not_a_passing_outage() -> None:
    import errno
    import socket
    import sqlite3

    malformed = sqlite3.DatabaseError("database disk image is malformed")
    assert database_damaged(DBAPIError("SELECT", {}, malformed))
    assert not database_unavailable(DBAPIError("SELECT", {}, malformed))
    assert not database_unavailable(
        DBAPIError("SELECT", {}, sqlite3.DatabaseError("file is not a database"))
    )
    # A busy or full database passes; so does a full disk or the network.
    busy = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert database_unavailable(busy) and not database_damaged(busy)
    assert database_unavailable(OperationalError("INSERT", {}, OSError(5, "disk I/O error")))
    assert database_unavailable(OSError(errno.ENOSPC, "No space left on device"))
    assert database_unavailable(OSError(errno.EHOSTUNREACH, "No route to host"))
    assert database_unavailable(socket.gaierror(-2, "Name or service not known"))
    # A path that is missing, a folder or not allowed stays so until an operator acts.
    assert not database_unavailable(FileNotFoundError(errno.ENOENT, "No such file"))
    assert not database_unavailable(IsADirectoryError(errno.EISDIR, "Is a directory"))
    assert not database_unavailable(PermissionError(errno.EACCES, "Permission denied"))
    assert not database_unavailable(OSError(errno.EROFS, "Read-only file system"))


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


# --- the group writer ---------------------------------------------------------------------------


class Batches:
    """A fake ``write_many``: records each call's items; a gate holds the first call open so
    that writes asked for meanwhile pile up; ``refuse`` makes calls holding that item fail."""

    def __init__(self, error: Exception | None = None, refuse: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self.error, self.refuse = error, refuse

    async def __call__(self, items: list[str]) -> None:
        self.calls.append(list(items))
        self.entered.set()
        if len(self.calls) == 1:
            await self.gate.wait()
        if self.refuse is not None and self.refuse in items:
            raise self.error or ValueError(self.refuse)


async def test_a_lone_write_goes_at_once_and_writes_asked_meanwhile_share_one() -> None:
    batches = Batches()
    writer: GroupWriter[str] = GroupWriter(batches)
    first = asyncio.create_task(writer.write(["a1", "a2"]))
    await batches.entered.wait()
    later = [asyncio.create_task(writer.write([name])) for name in ("b", "c", "d")]
    await asyncio.sleep(0)
    assert not any(task.done() for task in [first, *later])  # each waits for its own write
    batches.gate.set()
    await asyncio.gather(first, *later)
    assert batches.calls == [["a1", "a2"], ["b", "c", "d"]]


async def test_one_bad_write_does_not_sink_the_others_of_its_batch() -> None:
    batches = Batches(refuse="bad")
    writer: GroupWriter[str] = GroupWriter(batches)
    first = asyncio.create_task(writer.write(["a"]))
    await batches.entered.wait()
    good = asyncio.create_task(writer.write(["good"]))
    bad = asyncio.create_task(writer.write(["bad"]))
    await asyncio.sleep(0)
    batches.gate.set()
    await first
    await good
    with pytest.raises(ValueError, match="bad"):
        await bad
    # The shared batch failed, then each caller's items were written on their own.
    assert batches.calls == [["a"], ["good", "bad"], ["good"], ["bad"]]


async def test_an_unavailable_database_fails_every_caller_of_the_batch() -> None:
    batches = Batches(error=DOWN, refuse="b")
    writer: GroupWriter[str] = GroupWriter(batches)
    first = asyncio.create_task(writer.write(["a"]))
    await batches.entered.wait()
    waiting = [asyncio.create_task(writer.write([name])) for name in ("b", "c")]
    await asyncio.sleep(0)
    batches.gate.set()
    await first
    for task in waiting:  # each keeps its write for later (the score keeper retries it)
        with pytest.raises(OperationalError):
            await task
    assert batches.calls == [["a"], ["b", "c"]]  # not retried one by one against a dead database


async def test_a_cancelled_caller_does_not_cancel_the_write() -> None:
    batches = Batches()
    writer: GroupWriter[str] = GroupWriter(batches)
    first = asyncio.create_task(writer.write(["a"]))
    await batches.entered.wait()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    batches.gate.set()
    await writer.close()  # waits for the write in flight
    assert batches.calls == [["a"]]
    await writer.write(["b"])  # and the writer still works
    assert batches.calls == [["a"], ["b"]]


async def test_a_result_is_kept_not_raised_when_the_database_is_damaged() -> None:
    import sqlite3

    damaged = DBAPIError("INSERT", {}, sqlite3.DatabaseError("database disk image is malformed"))
    kept: list[str] = []

    async def write() -> None:
        raise damaged

    async def keep() -> None:
        kept.append("journaled")

    keeper = ScoreKeeper(sleep=no_sleep, retry_delays=(0.0,))
    assert await keeper.write("game 1 question 1", write, keep=keep) is False
    assert kept == ["journaled"] and len(keeper.backlog) == 1
    assert await keeper.close(timeout=0.05) == ["game 1 question 1"]
