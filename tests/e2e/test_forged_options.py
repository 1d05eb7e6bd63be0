"""A client can send any value for an option with declared choices (the local Discord, like
the real one in its UI, offers only the choices; these tests forge the payload past it).
The bot refuses such a value in one ephemeral line and logs no error."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.command_input import command_data
from bot.sandbox.model import Interaction
from tests.e2e.helpers import ALICE, CHANNEL, GUILD, ErrorLog, World


def _replace(options: list[dict[str, Any]], name: str, value: object) -> bool:
    for option in options:
        if option.get("name") == name and "value" in option:
            option["value"] = value
            return True
        if _replace(option.get("options") or [], name, value):
            return True
    return False


async def forged_slash(
    world: World, command: str, valid: dict[str, Any], name: str, value: object
) -> Interaction:
    """``command`` with ``valid`` options, then option ``name`` changed to ``value``."""
    server = world.server
    guild, channel = server.guild_channel(GUILD, CHANNEL)
    data, full_name = command_data(server, guild, command, ALICE, valid)
    assert _replace(data.get("options") or [], name, value)
    interaction = await server.members.send_interaction(
        guild, channel, ALICE, 2, data, command=full_name
    )
    await interaction.wait_for_response(timeout=5)
    return interaction


@pytest.mark.parametrize(
    ("command", "valid", "name", "value"),
    [
        ("quiz start", {"mode": "buttons"}, "mode", "turbo"),
        ("quiz start", {"difficulty": "easy"}, "difficulty", "brutal"),
        ("leaderboard", {"kind": "year"}, "kind", "bogus"),
        ("leaderboard", {"period": "week"}, "period", "decade"),
    ],
)
async def test_a_value_outside_the_choices_is_refused(
    world: World, error_log: ErrorLog, command: str, valid: dict[str, Any], name: str, value: str
) -> None:
    answer = await world.reply(await forged_slash(world, command, valid, name, value))
    assert answer.ephemeral
    assert f"“{value}” is not a valid value for {name}" in answer.content
    assert "Something went wrong" not in answer.content
    assert error_log.records == []


async def test_declared_choices_still_work(world: World, error_log: ErrorLog) -> None:
    answer = await world.reply(await world.slash("leaderboard", {"kind": "year"}))
    assert "not a valid value" not in (answer.content or "")
    assert error_log.records == []


@pytest.mark.parametrize(
    ("command", "options", "said"),
    [
        ("defector search", {"destination": "atlantis"}, "is not a destination in the catalogue"),
        ("defector random", {"destination": "atlantis"}, "is not a destination in the catalogue"),
        ("quiz start", {"kinds": "year, bogus"}, "is not a question kind"),
    ],
)
async def test_an_option_that_checks_itself_refuses_in_words(
    world: World, error_log: ErrorLog, command: str, options: dict[str, Any], said: str
) -> None:
    """The kinds and destination options are transformers: what they refuse is answered as
    the command itself would, not as "not a valid value"."""
    answer = await world.reply(await world.slash(command, options))
    assert answer.ephemeral and said in answer.content
    assert "not a valid value" not in answer.content
    assert error_log.records == []


async def test_a_destination_is_read_as_the_catalogue_spells_it(world: World) -> None:
    answer = await world.reply(await world.slash("defector search", {"destination": "CANADA"}))
    assert "Canada" in answer.embed_text()
