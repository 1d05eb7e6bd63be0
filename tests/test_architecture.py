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


# --- the local Discord (bot/sandbox): no import circle; REST and gateway see only the state ---

SANDBOX = "bot/sandbox"
# what the REST API and the gateway may import from the sandbox: the state, the payload
# builders, and what those two stand on
REST_AND_GATEWAY_MAY_IMPORT = {
    "bot.sandbox.state",
    "bot.sandbox.payloads",
    "bot.sandbox.messages",
    "bot.sandbox.model",
    "bot.sandbox.limits",
    "bot.sandbox.attachments",
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sandbox_imports(root: Path = ROOT) -> dict[str, set[str]]:
    """Each module of bot/sandbox -> the bot/sandbox modules it imports (its own parent
    packages aside: Python loads those first in any case)."""
    modules = {module_name(p, root): p for p in sorted((root / SANDBOX).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        parents = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        imported = imported_names(path, root)
        graph[name] = {n for n in imported if n in modules and n != name and n not in parents}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the path that closes it (depth-first search)."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_the_local_discord_has_no_import_cycle() -> None:
    assert import_cycles(sandbox_imports()) == []


def test_rest_and_gateway_depend_only_on_state_and_payloads() -> None:
    graph = sandbox_imports()
    outside = {
        f"{name} imports {target}"
        for name, targets in graph.items()
        if name == "bot.sandbox.gateway" or name.startswith("bot.sandbox.rest")
        for target in targets
        if target not in REST_AND_GATEWAY_MAY_IMPORT and not target.startswith("bot.sandbox.rest")
    }
    assert sorted(outside) == []


def test_the_cycle_guard_sees_a_cycle(tmp_path: Path) -> None:
    sandbox = tmp_path / "bot" / "sandbox"
    sandbox.mkdir(parents=True)
    (sandbox / "__init__.py").write_text("")
    (sandbox / "server.py").write_text("from bot.sandbox.rest import RestApi\n")
    (sandbox / "rest.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from bot.sandbox.server import LocalDiscord\n"
    )
    assert import_cycles(sandbox_imports(tmp_path)) == [
        ["bot.sandbox.rest", "bot.sandbox.server", "bot.sandbox.rest"]
    ]


def test_records_need_no_database() -> None:
    """bot/records.py is what cogs and bot/ui read from the repositories: nothing below it may
    bring in the database, discord or the services."""
    forbidden = ("discord", "sqlalchemy", "sqlmodel", "asyncio", "bot.db", "bot.services")
    names = imported_names(ROOT / "bot" / "records.py")
    assert sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)) == []
