"""`defector-bot run` as its own process: connects with only the endpoint settings changed,
stops cleanly on SIGTERM, and never prints its token."""

from __future__ import annotations

import asyncio
import os
import random
import re
import resource
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.sandbox import LocalDiscord
from bot.sandbox.model import Message
from bot.startup import read_catalogue
from bot.ui.quiz import NOT_SAVED, SAVED_LOCALLY
from tests.e2e.helpers import ALICE, BORIS, CHANNEL, GUILD, members

TOKEN = "sandbox-token-7f3a9c"


@pytest.fixture
async def server() -> AsyncIterator[LocalDiscord]:
    server = LocalDiscord(token=TOKEN)
    server.add_guild(GUILD, "Test Server", channel_ids=[CHANNEL], members=members())
    await server.start()
    yield server
    await server.close()


def environment(server: LocalDiscord, database_url: str, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update(
        DISCORD_TOKEN=token,
        DISCORD_API_BASE=server.api_base,
        DISCORD_GATEWAY_URL=server.gateway_url,
        DATABASE_URL=database_url,
        LOG_LEVEL="DEBUG",
    )
    return env


@asynccontextmanager
async def bot_running(
    env: dict[str, str], cwd: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`defector-bot run` with its output appended to ``log``; killed on the way out if the
    test did not stop it."""
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=cwd, stdout=sink, stderr=sink,
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def end(process: asyncio.subprocess.Process, how: signal.Signals = signal.SIGTERM) -> None:
    process.send_signal(how)
    await asyncio.wait_for(process.wait(), timeout=30)


async def test_run_serves_then_stops_cleanly_on_sigterm(
    server: LocalDiscord, tmp_path: Path, database_url: str
) -> None:
    # Output goes to a file: a pipe nobody reads fills up and blocks a chatty process.
    output = tmp_path / "output.log"
    async with bot_running(environment(server, database_url, TOKEN), tmp_path, output) as process:
        await server.wait_until_ready(timeout=60)
        await server.wait_for(lambda: "defector lookup" in server.available_commands(GUILD), 30)
        interaction = await server.slash(
            GUILD, CHANNEL, ALICE, "defector lookup", {"name": "nureev"}
        )
        message = await interaction.wait_for_original(timeout=10)
        assert message.embeds[0]["title"] == "Rudolf Nureyev"
        await end(process)
    log = output.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, log[-2000:]
    assert "shutting down" in log
    assert TOKEN not in log  # not even at DEBUG
    assert server.violations == []


async def test_a_rejected_token_is_one_line(
    server: LocalDiscord, tmp_path: Path, database_url: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        env=environment(server, database_url, "not-the-token"),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("defector-bot: error: Discord rejected DISCORD_TOKEN")
    assert "Traceback" not in err.decode()
    assert "not-the-token" not in (out + err).decode()


# -- a point announced while the disk refuses writes (issue 12) -----------------------------


async def connected(server: LocalDiscord, identifies: int) -> None:
    """The bot identified once more than ``identifies`` times, and is ready."""
    await server.wait_for(lambda: server.gateway.identify_count > identifies, 60)
    await server.wait_until_ready(timeout=60)


def year_of(question: Message) -> int:
    prompt = str(question.embeds[0]["description"])
    # "…did X defect…", or "…did X try to defect…" for someone whose attempt failed
    found = re.match(r"In what year did (.+?)(?: try to)? defect", prompt)
    assert found is not None, prompt
    name = re.sub(r"\\(.)", r"\1", found.group(1))  # markdown escapes, if any
    return next(r.year for r in read_catalogue() if r.name == name)


def ledger_rows(database: Path) -> list[tuple[int, int, int, int]]:
    with sqlite3.connect(database) as connection:
        query = "SELECT game_id, question_number, user_id, points FROM quiz_answers"
        return list(connection.execute(query))


@pytest.mark.parametrize(
    ("limit", "stop"),
    [
        (4096, signal.SIGKILL),  # the issue's `prlimit --fsize=4096`: the journal still fits
        (4096, signal.SIGTERM),  # a clean stop with results the database refused
        (1, signal.SIGKILL),  # not even the journal can be written
    ],
)
async def test_a_point_announced_while_writes_fail_is_kept_or_not_claimed(
    server: LocalDiscord, tmp_path: Path, limit: int, stop: signal.Signals
) -> None:
    database = tmp_path / "bot.sqlite3"
    env = environment(server, f"sqlite+aiosqlite:///{database}", TOKEN)
    env.update(MESSAGE_CONTENT_INTENT="true", DATA_DIR=str(tmp_path / "var"), LOG_LEVEL="INFO")
    log = tmp_path / "output.log"
    async with bot_running(env, tmp_path, log) as process:
        await connected(server, 0)
        await server.wait_for(lambda: "quiz start" in server.available_commands(GUILD), 30)
        options = {"rounds": 1, "seconds": 60, "kinds": "year", "mode": "typed"}
        started = await server.slash(GUILD, CHANNEL, ALICE, "quiz start", options)
        announcement = (await started.wait_for_original(timeout=10)).content
        game = int(announcement.split("#", 1)[1].split(":", 1)[0])
        question = await server.wait_for_message(
            lambda m: bool(m.embeds) and m.embeds[0].get("title", "").startswith("Question 1 of"),
            timeout=10,
        )
        # From now on no file of the bot's may grow past `limit` bytes (SQLite's WAL frames
        # are 4 KiB and more, so every ledger write fails: "disk I/O error").
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.prlimit(process.pid, resource.RLIMIT_FSIZE, (limit, hard))
        winner = await server.user_message(GUILD, CHANNEL, BORIS, str(year_of(question)))
        result = await server.wait_for_message(
            lambda m: bool(m.embeds) and m.embeds[0].get("title", "").startswith("Question 1:"),
            timeout=10,
        )
        assert f"<@{BORIS}> +10" in result.embed_text()
        stored = server.message(int(winner["id"]))
        assert stored is not None
        await end(process, stop)
    assert ledger_rows(database) == []  # the database refused it: the journal has it, or no one
    kept = limit > 1
    if kept:
        output = log.read_text(encoding="utf-8", errors="replace")
        assert result.embeds[0].get("footer", {}).get("text") == SAVED_LOCALLY, output[-3000:]
        assert stored.reactions == [("✅", server.bot_user_id)]
    else:
        assert NOT_SAVED in result.embed_text()
        assert stored.reactions == []  # no ✅ for a point only memory held

    # Started again without the limit: what was announced as saved is in the ledger.
    identifies = server.gateway.identify_count
    log_before = log.stat().st_size
    async with bot_running(env, tmp_path, log) as process:
        await connected(server, identifies)
        rows = ledger_rows(database)
        await end(process)
    assert rows == ([(game, 1, BORIS, 10)] if kept else [])
    second_run = log.read_bytes()[log_before:].decode(errors="replace")
    assert "Traceback" not in second_run, second_run[-3000:]


async def test_a_damaged_database_stops_the_start_in_one_line(
    server: LocalDiscord, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    env = environment(server, url, TOKEN)
    loaded = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "load", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert await loaded.wait() == 0
    with sqlite3.connect(database) as connection:  # one file, no WAL beside it
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Random bytes over every page but the first (the header stays: the file still opens).
    data = bytearray(database.read_bytes())
    noise = random.Random(12)
    data[4096:] = bytes(noise.randrange(256) for _ in range(len(data) - 4096))
    database.write_bytes(bytes(data))

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    text = err.decode()
    assert process.returncode == 1, text
    assert "Traceback" not in text
    last = text.strip().splitlines()[-1]
    assert last.startswith(f"defector-bot: error: the database {url} is damaged"), last
    assert "PRAGMA quick_check" in last and "restore it from a backup" in last


async def test_an_unreachable_gateway_is_one_line_per_attempt(
    server: LocalDiscord, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    env = environment(server, f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", TOKEN)
    env.update(DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{closed}", SHARD_COUNT="1", LOG_LEVEL="INFO")
    log = tmp_path / "output.log"
    attempt = "could not connect shard 0 to the gateway (ClientConnectorError"
    async with bot_running(env, tmp_path, log) as process:
        async with asyncio.timeout(60):  # another process's log: read it again and again
            while log.read_text(encoding="utf-8", errors="replace").count(attempt) < 2:
                await asyncio.sleep(0.2)
        await end(process)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in output and "Retrying..." not in output, output[-3000:]
    lines = [line for line in output.splitlines() if attempt in line]
    assert len(lines) >= 2 and all(line.endswith("retrying in 5 s") for line in lines), lines
