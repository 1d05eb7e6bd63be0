"""The result journal: question results the database refused, kept on local disk until written.

When a question closes and the ledger write fails because the database is unavailable, the
result is appended to this file and ``fsync``-ed *before* it is announced, so a process
killed during an outage loses no announced point: the next start reads the file back and
writes every entry to the ledger (the ledger is unique per game, question and player, so an
entry written twice counts once). Once every entry in the file has reached the ledger the
file is emptied.

If the journal itself cannot be written (the disk is full), :meth:`ResultJournal.append`
says so and the caller must not announce the point as saved.

One JSON object per line: ``{"answers": [...]}``. A line cut short by a crash was never
``fsync``-ed, so never announced: it is dropped when the file is read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.quiz.model import QuestionKind
from bot.records import AnswerRecord

log = logging.getLogger(__name__)


def _encode(answers: Sequence[AnswerRecord]) -> bytes:
    rows = []
    for answer in answers:
        row = asdict(answer)
        row["kind"] = answer.kind.value
        row["answered_at"] = answer.answered_at.isoformat()
        rows.append(row)
    return json.dumps({"answers": rows}, separators=(",", ":")).encode() + b"\n"


def _decode(line: bytes) -> list[AnswerRecord]:
    rows: list[dict[str, Any]] = json.loads(line)["answers"]
    return [
        AnswerRecord(
            **{
                **row,
                "kind": QuestionKind(row["kind"]),
                "answered_at": datetime.fromisoformat(row["answered_at"]),
            }
        )
        for row in rows
    ]


class ResultJournal:
    """Append-only, fsync-ed file of question results not yet in the ledger.

    Every file operation runs in one worker thread, in the order asked, so an append and the
    emptying of the file never interleave, and the event loop never waits on the disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._outstanding: set[int] = set()
        self._next = 0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="journal")

    @property
    def outstanding(self) -> int:
        """Entries in the file not yet written to the ledger."""
        return len(self._outstanding)

    # -- at start --------------------------------------------------------------------------

    def load(self) -> list[tuple[int, list[AnswerRecord]]]:
        """The entries a previous run left (each with its id for :meth:`written`). A torn last
        line is cut off the file; an unreadable line is moved to ``<name>.rejected``. Creates
        the folder, so that the first append during an outage does not find it missing."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        entries: list[tuple[int, list[AnswerRecord]]] = []
        keep = data if data.endswith(b"\n") else data[: data.rfind(b"\n") + 1]
        rejected: list[bytes] = []
        for line in keep.splitlines():
            if not line.strip():
                continue
            try:
                answers = _decode(line)
            except (ValueError, KeyError, TypeError) as error:
                log.error("journal %s: an unreadable entry set aside (%s)", self.path, error)
                rejected.append(line)
                continue
            entries.append((self._new_id(), answers))
        if rejected:
            with self.path.with_name(self.path.name + ".rejected").open("ab") as sink:
                sink.write(b"".join(line + b"\n" for line in rejected))
        if keep != data or rejected:
            text = b"".join(_encode(answers) for _, answers in entries)
            self.path.write_bytes(text)
            _fsync_file(self.path)
        if entries:
            log.warning(
                "journal %s: %d question results from the last run to write",
                self.path,
                len(entries),
            )
        return entries

    # -- while running ---------------------------------------------------------------------

    async def append(self, answers: Sequence[AnswerRecord]) -> int | None:
        """Append ``answers`` and fsync; the entry's id, or None if the disk refused."""
        line = _encode(answers)
        entry = self._new_id()  # before the append is queued: an emptying queued behind
        loop = asyncio.get_running_loop()  # it must see this entry outstanding
        try:
            await loop.run_in_executor(self._thread, self._append, line)
        except OSError as error:
            self._outstanding.discard(entry)
            log.error(
                "could not keep a question result in the journal %s (%s): it is not saved",
                self.path,
                error.strerror or error,
            )
            return None
        return entry

    def _append(self, line: bytes) -> None:
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            size = os.fstat(fd).st_size
            try:
                written = os.write(fd, line)
                if written != len(line):
                    raise OSError(28, "No space left on device (short write)")
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # no half line for the next append to glue onto
                raise
        finally:
            os.close(fd)
        if created:
            _fsync_directory(self.path.parent)

    async def written(self, entry: int) -> None:
        """Entry ``entry`` is in the ledger; once none is left, empty the file."""
        self._outstanding.discard(entry)
        if not self._outstanding:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self._thread, self._empty)
            except OSError as error:  # harmless: the entries are replayed once more, idempotently
                log.warning("could not empty the journal %s (%s)", self.path, error)

    def _empty(self) -> None:
        if self._outstanding:  # an append came in meanwhile
            return
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open("r+b") as file:
                file.truncate(0)
                os.fsync(file.fileno())

    def set_aside(self, answers: Sequence[AnswerRecord]) -> None:
        """Keep an entry the ledger refuses for what it is in ``<name>.rejected`` (for an
        operator to read), so that it does not stop every start."""
        with self.path.with_name(self.path.name + ".rejected").open("ab") as sink:
            sink.write(_encode(answers))

    def _new_id(self) -> int:
        self._next += 1
        self._outstanding.add(self._next)
        return self._next

    def close(self) -> None:
        self._thread.shutdown(wait=True)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
