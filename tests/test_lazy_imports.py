"""A bot process imports what it uses: Alembic only when a migration is due, the full-text
index (tantivy) at the first search, and no other heavy library at start.

The list is of libraries no start-up needs; a module that does not exist yet (a future
feature's) is simply never found in ``sys.modules``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.db.engine import create_engine
from bot.db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
HEAVY_AT_START = ("alembic", "mako", "pygments", "tantivy", "PIL", "matplotlib", "numpy")

START = """
import asyncio, json, sys
import bot.__main__, bot.runner, cogs.help, cogs.lookup, cogs.quiz
from bot.catalog.search import SearchIndex
from bot.db.engine import create_engine
from bot.db.migrate import upgrade_if_due
from bot.services.lookup import LookupService
from bot.startup import read_catalogue

async def main():
    engine = create_engine(sys.argv[1])
    ran = await upgrade_if_due(engine)
    await engine.dispose()
    service = LookupService(SearchIndex(read_catalogue()))
    service.autocomplete("nure")
    loaded = sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)
    service.describe("chess")
    print(json.dumps({"ran": ran, "loaded": loaded, "tantivy": "tantivy" in sys.modules}))

HEAVY = set(json.loads(sys.argv[2]))
asyncio.run(main())
"""


def start(url: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", START, url, json.dumps(HEAVY_AT_START)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def test_a_current_database_starts_without_alembic_or_tantivy(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"

    async def migrate() -> None:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    assert start(url) == {"ran": False, "loaded": [], "tantivy": True}


def test_a_new_database_imports_alembic_to_migrate(tmp_path: Path) -> None:
    result = start(f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}")
    assert result["ran"] is True
    assert "alembic" in result["loaded"]  # type: ignore[operator]
