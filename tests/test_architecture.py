"""The layers (README, "Layout"): imports point only downwards.

Read from the source with ``ast``, so an import inside a function counts as much as one at the
top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# package → modules it must never import (a name and everything below it)
FORBIDDEN = {
    "bot/catalog": ("discord", "sqlalchemy", "sqlmodel", "asyncio", "bot.db", "bot.services"),
    "bot/quiz": ("discord", "sqlalchemy", "sqlmodel", "asyncio", "bot.db", "bot.services"),
    "bot/pictures": ("discord", "sqlalchemy", "sqlmodel", "bot.db", "bot.services"),
    "bot/services": ("discord", "bot.ui", "cogs"),
    "bot/db": ("discord", "bot.services", "bot.ui", "cogs"),
    "bot/ui": ("bot.db",),
    "cogs": ("bot.db",),
}


def imported_names(path: Path, root: Path = ROOT) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def violations(folder: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / folder).rglob("*.py")):
        for name in sorted(imported_names(path, root)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_imports_point_only_downwards(folder: str) -> None:
    assert violations(folder, FORBIDDEN[folder]) == []


def test_the_guard_sees_a_violation(tmp_path: Path) -> None:
    """The check itself can fail: a module importing what its layer must not is reported."""
    (tmp_path / "bot" / "quiz").mkdir(parents=True)
    (tmp_path / "bot" / "quiz" / "probe.py").write_text(
        "def f() -> None:\n    from ..db import quiz\n"
    )
    assert violations("bot/quiz", FORBIDDEN["bot/quiz"], tmp_path) == [
        "bot/quiz/probe.py imports bot.db",
        "bot/quiz/probe.py imports bot.db.quiz",
    ]


def test_records_need_no_database() -> None:
    """bot/records.py is what cogs and bot/ui read from the repositories: nothing below it may
    bring in the database, discord or the services."""
    forbidden = ("discord", "sqlalchemy", "sqlmodel", "asyncio", "bot.db", "bot.services")
    names = imported_names(ROOT / "bot" / "records.py")
    assert sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)) == []
