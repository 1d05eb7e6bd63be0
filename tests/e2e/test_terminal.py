"""The sandbox's terminal client, line by line, against the real bot."""

from __future__ import annotations

import pytest

from bot.sandbox.terminal import TerminalSession, parse_options
from tests.e2e.conftest import CHANNEL, GUILD, World

USER = 1_200_000_000_000_000_010  # the admin member of the test server


async def no_pause() -> None:
    return None


def session(world: World) -> TerminalSession:
    return TerminalSession(
        world.server,
        guild_id=GUILD,
        channel_id=CHANNEL,
        user_id=USER,
        bot_user_id=world.server.bot_user_id,
        names={world.server.bot_user_id: "Defector Bot"},
        settle=no_pause,
    )


def test_parse_options() -> None:
    assert parse_options("name: nureyev") == {"name": "nureyev"}
    assert parse_options("origin: Soviet Union year_from: 1961") == {
        "origin": "Soviet Union",
        "year_from": "1961",
    }
    assert parse_options("") == {}
    with pytest.raises(ValueError):
        parse_options("just words")


async def test_a_person_at_the_keyboard(world: World) -> None:
    terminal = session(world)
    card = await terminal.handle("/defector lookup name: nureyev")
    assert card is not None and "【Rudolf Nureyev】" in card and "Soviet Union" in card
    listing = await terminal.handle("/defector search origin: Hungary")
    assert listing is not None and "Page 1 of 2" in listing and "[3] Next ▶" in listing
    turned = await terminal.handle("3")
    assert turned is not None and "Page 2 of 2" in turned
    opened = await terminal.handle("1 1")
    assert opened is not None and "(only you can see this)" in opened
    choices = await terminal.handle("?/defector lookup name: koz")
    assert choices is not None and choices.splitlines()[0].strip().startswith("Leonid Kozlov")
    by_label = await terminal.handle("/defector random method: Flew or hijacked a plane")
    assert by_label is not None and "Flew or hijacked a plane" in by_label


async def test_mistakes_are_one_line(world: World) -> None:
    terminal = session(world)
    assert (await terminal.handle("/defector nuke") or "").startswith("! no command")
    assert (await terminal.handle("/defector lookup nom: x") or "").startswith(
        "! /defector lookup has no option nom"
    )
    # A number with no control of that number (a year in a typed quiz) is posted as text.
    assert await terminal.handle("1961") == ""
    assert world.server.messages(CHANNEL)[-1].content == "1961"
    assert await terminal.handle("quit") is None


async def test_live_output_is_printed_unprompted(world: World) -> None:
    terminal = session(world)
    printed: list[str] = []
    stop = terminal.go_live(printed.append)
    try:
        # When live, the answer is printed by the listener, not returned by handle().
        assert await terminal.handle("/defector lookup name: nureyev") == ""
        await world.server.wait_for(lambda: any("【Rudolf Nureyev】" in p for p in printed))
        count = len(printed)
        assert await terminal.handle("/defector search origin: Hungary") == ""
        await world.server.wait_for(lambda: any("Page 1 of 2" in p for p in printed[count:]))
        assert await terminal.handle("/defector search origin: Hungary") == ""
    finally:
        stop()
    before = len(printed)
    await terminal.handle("/defector lookup name: nureyev")
    assert len(printed) == before  # stopped: nothing more is printed


def test_the_sandbox_never_follows_database_url(tmp_path: object) -> None:
    from pathlib import Path

    from bot.config import Settings
    from bot.runner import sandbox_settings

    assert isinstance(tmp_path, Path)
    base = Settings(_env_file=None, data_dir=tmp_path, database_url="postgresql+asyncpg://prod/db")  # type: ignore[call-arg]
    own = sandbox_settings(base, "http://127.0.0.1:1/api", "ws://127.0.0.1:1", "t")
    assert own.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'sandbox.sqlite3').resolve()}"
    chosen = sandbox_settings(base, "http://x/api", "ws://x", "t", "sqlite+aiosqlite:///x.db")
    assert chosen.database_url == "sqlite+aiosqlite:///x.db"
