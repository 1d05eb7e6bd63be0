"""`defector-bot run` as its own process: connects with only the endpoint settings changed,
stops cleanly on SIGTERM, and never prints its token."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import LocalDiscord
from tests.e2e.conftest import ALICE, CHANNEL, GUILD, members

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


async def test_run_serves_then_stops_cleanly_on_sigterm(
    server: LocalDiscord, tmp_path: Path, database_url: str
) -> None:
    # Output goes to a file: a pipe nobody reads fills up and blocks a chatty process.
    output = tmp_path / "output.log"
    with output.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run",
            env=environment(server, database_url, TOKEN),
            cwd=tmp_path,
            stdout=sink,
            stderr=sink,
        )  # fmt: skip
    try:
        await server.wait_until_ready(timeout=60)
        await server.wait_for(lambda: "defector lookup" in server.available_commands(GUILD), 30)
        interaction = await server.slash(
            GUILD, CHANNEL, ALICE, "defector lookup", {"name": "nureev"}
        )
        message = await interaction.wait_for_original(timeout=10)
        assert message.embeds[0]["title"] == "Rudolf Nureyev"
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
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
