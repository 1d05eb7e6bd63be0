"""Every startup failure is one line on stderr naming its real cause, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.client import DefectorBot
from bot.config import Settings
from bot.startup import StartError, read_catalogue

ROOT = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(cwd: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=environment,
        timeout=60,
    )


def one_line(completed: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr
    assert completed.stderr.count("\n") == 1, completed.stderr
    for needle in needles:
        assert needle in completed.stderr, completed.stderr


def test_a_database_file_of_random_bytes(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(bytes(range(256)) * 64)
    completed = cli(tmp_path, "db", "upgrade", DATABASE_URL=f"sqlite+aiosqlite:///{junk}")
    one_line(completed, "could not open the database", str(junk), "not a database")


def test_a_database_path_that_is_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    completed = cli(tmp_path, "db", "upgrade", DATABASE_URL=f"sqlite+aiosqlite:///{folder}")
    one_line(completed, "could not open the database", str(folder))


def test_a_database_whose_parent_is_a_file(tmp_path: Path) -> None:
    parent = tmp_path / "file"
    parent.write_text("x")
    url = f"sqlite+aiosqlite:///{parent}/db.sqlite3"
    one_line(cli(tmp_path, "db", "upgrade", DATABASE_URL=url), "could not open the database")


def test_a_database_under_proc(tmp_path: Path) -> None:
    url = "sqlite+aiosqlite:////proc/defector/db.sqlite3"
    one_line(cli(tmp_path, "db", "load", DATABASE_URL=url), "could not open the database")


def test_an_unreachable_postgresql(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://bot:secret@127.0.0.1:{closed_port()}/bot"
    completed = cli(tmp_path, "db", "upgrade", DATABASE_URL=url)
    one_line(completed, "could not open the database", "127.0.0.1")
    assert "secret" not in completed.stderr


def test_data_dir_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("not a folder")
    one_line(cli(tmp_path, "db", "upgrade", DATA_DIR="var"), "DATA_DIR", "not a usable folder")


def test_an_env_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"LOG_LEVEL=\xff\xfe\n")
    completed = cli(tmp_path, "db", "upgrade")
    one_line(completed, ".env", "UTF-8")
    assert completed.returncode == 2


def test_a_missing_data_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(StartError, match=r"curated\.toml"):
        read_catalogue(curated_path=tmp_path / "curated.toml")


async def test_setup_names_the_database_not_discord(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://bot@127.0.0.1:{closed_port()}/bot"
    settings = Settings(discord_token=SecretStr("x"), database_url=url, data_dir=tmp_path)
    async with DefectorBot(settings, publish_on_start=False) as bot:
        with pytest.raises(StartError, match=r"could not open the database .*127\.0\.0\.1"):
            await bot.setup_hook()


def test_each_database_has_its_own_result_journal(tmp_path: Path) -> None:
    def journal(url: str, **more: object) -> Path:
        settings = Settings(_env_file=None, data_dir=tmp_path, database_url=url, **more)  # type: ignore[call-arg]
        return DefectorBot(settings).journal_path

    bot_file = f"sqlite+aiosqlite:///{tmp_path / 'defector-bot.sqlite3'}"
    sandbox_file = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.sqlite3'}"
    assert journal(bot_file).parent == tmp_path
    assert journal(bot_file).name.startswith("quiz-journal-defector-bot-")
    assert journal(bot_file) != journal(sandbox_file)  # both may live in one DATA_DIR
    shards = journal(bot_file, shard_count=4, shard_ids=[2, 3])
    assert shards.name.endswith("-shards-2-3.jsonl")
