"""Every extension loads, no two commands share a name, and the schema fits Discord's limits."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot.catalog.importer import load_catalogue
from bot.catalog.search import SearchIndex
from bot.client import EXTENSIONS, DefectorBot, schema_hash
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.db.migrate import upgrade
from bot.quiz.judge import Judge
from bot.services.clock import ManualClock
from bot.services.container import Services
from bot.services.ledger import Ledger
from bot.services.lookup import LookupService
from bot.services.quiz import QuizService

NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[DefectorBot]:
    async with DefectorBot(Settings(_env_file=None)) as bot:  # type: ignore[call-arg]
        # What setup_hook builds (the quiz cog closes interrupted games when it loads).
        records = load_catalogue()
        engine = create_engine(database_url)
        await upgrade(engine)
        sessions = session_factory(engine)
        bot.services = Services(
            lookup=LookupService(SearchIndex(records)),
            quiz=QuizService(
                sessions=sessions,
                records=records,
                judge=Judge(records),
                clock=ManualClock(),
                ledger=Ledger(sessions),
            ),
        )
        for name in EXTENSIONS:
            await bot.load_extension(name)
        yield bot
        await engine.dispose()


def walk(command: dict[str, Any], depth: int = 0) -> list[tuple[dict[str, Any], int]]:
    found = [(command, depth)]
    for option in command.get("options", []):
        if option["type"] in (1, 2):  # subcommand, subcommand group
            found += walk(option, depth + 1)
    return found


async def test_every_extension_loads_without_name_clashes(bot: DefectorBot) -> None:
    assert set(bot.extensions) == set(EXTENSIONS)
    names = [c.qualified_name for c in bot.tree.walk_commands()]
    assert len(names) == len(set(names))
    expected = {
        "defector lookup", "defector random", "defector search", "defector stats", "help",
        "quiz start", "quiz hint", "quiz skip", "quiz stop", "quiz status", "quiz stats",
        "leaderboard", "quizconfig show", "quizconfig set", "quizconfig channel",
    }  # fmt: skip
    assert expected <= set(names)


async def test_published_schema_fits_discord_limits(bot: DefectorBot) -> None:
    payload = bot.command_payload()
    assert len(payload) <= 100
    for command in payload:
        assert len(json.dumps(command)) <= 8000
        for node, depth in walk(command):
            assert depth <= 2
            assert NAME.match(node["name"]) and node["name"] == node["name"].lower()
            assert 1 <= len(node["description"]) <= 100, node["name"]
            options = node.get("options", [])
            assert len(options) <= 25
            seen_optional = False
            for option in options:
                if option["type"] in (1, 2):
                    continue
                assert NAME.match(option["name"]) and option["name"] == option["name"].lower()
                assert 1 <= len(option["description"]) <= 100
                choices = option.get("choices", [])
                assert len(choices) <= 25
                assert not (choices and option.get("autocomplete"))
                for choice in choices:
                    assert 1 <= len(choice["name"]) <= 100 and len(str(choice["value"])) <= 100
                if option.get("required"):
                    assert not seen_optional, f"required {option['name']} after an optional one"
                else:
                    seen_optional = True


async def test_schema_hash_is_stable_and_sensitive(bot: DefectorBot) -> None:
    first = schema_hash(bot.command_payload())
    assert first == schema_hash(bot.command_payload())
    bot.tree.remove_command("help")
    assert schema_hash(bot.command_payload()) != first


async def test_admin_commands_are_their_own_group_with_manage_server(bot: DefectorBot) -> None:
    payload = {c["name"]: c for c in bot.command_payload()}
    assert int(payload["quizconfig"]["default_member_permissions"]) == 1 << 5  # MANAGE_GUILD
    assert payload["quiz"]["default_member_permissions"] is None


async def test_the_bot_never_pings_by_default(bot: DefectorBot) -> None:
    mentions = bot.allowed_mentions
    assert mentions is not None
    assert mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    assert not bot.intents.message_content and not bot.intents.members
