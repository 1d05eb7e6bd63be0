"""The result journal: what the database refused, kept on disk until it is in the ledger."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.quiz.model import QuestionKind
from bot.records import AnswerRecord
from bot.services import journal as journal_module
from bot.services.journal import ResultJournal


def answers(game: int, number: int, user: int = 7, points: int = 10) -> list[AnswerRecord]:
    return [
        AnswerRecord(
            game_id=game,
            question_number=number,
            guild_id=1,
            channel_id=2,
            user_id=user,
            kind=QuestionKind.YEAR,
            record_slug="rudolf-nureyev",
            correct=points > 0,
            points=points,
            response_ms=1500,
            answered_at=datetime(2026, 12, 3, 13, 0, 1, 250000, tzinfo=UTC),
        )
    ]


async def test_entries_survive_a_restart_and_the_file_empties_once_all_are_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "journal.jsonl"
    journal = ResultJournal(path)
    assert journal.load() == []  # creates the folder
    first = await journal.append(answers(1, 1))
    second = await journal.append(answers(1, 2, user=8, points=0))
    assert first is not None and second is not None and journal.outstanding == 2
    journal.close()

    again = ResultJournal(path)  # a new process: it reads what the last one kept
    loaded = again.load()
    assert [records for _, records in loaded] == [answers(1, 1), answers(1, 2, user=8, points=0)]
    await again.written(loaded[0][0])
    assert path.read_bytes().count(b"\n") == 2  # one entry is still not in the ledger
    await again.written(loaded[1][0])
    assert path.read_bytes() == b"" and again.outstanding == 0
    again.close()


async def test_a_torn_last_line_is_dropped_and_an_unreadable_one_set_aside(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    journal = ResultJournal(path)
    await journal.append(answers(3, 1))
    journal.close()
    with path.open("ab") as file:
        file.write(b'{"answers": [oops]}\n{"answers": [{"game_id": 3, "quest')  # killed mid-write
    again = ResultJournal(path)
    loaded = again.load()
    assert [records for _, records in loaded] == [answers(3, 1)]
    assert path.read_bytes().endswith(b"\n") and path.read_bytes().count(b"\n") == 1
    assert (tmp_path / "journal.jsonl.rejected").read_bytes() == b'{"answers": [oops]}\n'
    again.close()


async def test_an_append_the_disk_refuses_says_so_and_leaves_no_half_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.jsonl"
    journal = ResultJournal(path)
    assert await journal.append(answers(4, 1)) is not None
    size = path.stat().st_size
    real_write = os.write

    def full_disk(fd: int, data: bytes) -> int:
        real_write(fd, data[:10])  # part of the line reaches the file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module.os, "write", full_disk)
    assert await journal.append(answers(4, 2)) is None
    assert path.stat().st_size == size and journal.outstanding == 1
    monkeypatch.undo()
    assert await journal.append(answers(4, 3)) is not None
    journal.close()
    loaded = ResultJournal(path).load()
    assert [records[0].question_number for _, records in loaded] == [1, 3]


async def test_an_emptying_never_drops_an_append_queued_before_it(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "journal.jsonl"
    journal = ResultJournal(path)
    first = await journal.append(answers(5, 1))
    assert first is not None
    # The write of entry 1 completes while entry 2 is being appended: the file keeps entry 2.
    appending = asyncio.ensure_future(journal.append(answers(5, 2)))
    await asyncio.sleep(0)
    await journal.written(first)
    second = await appending
    assert second is not None and journal.outstanding == 1
    assert path.read_bytes().count(b"\n") >= 1
    journal.close()
    loaded = ResultJournal(path).load()
    assert [records[0].question_number for _, records in loaded][-1] == 2
