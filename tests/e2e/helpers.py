"""What the end-to-end tests share: the two servers' ids and members, the :class:`World` (a
local Discord with the real bot connected), and the bot's error log. Tests import these from
here; the fixtures that build them are in conftest.py.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import discord
from discord.gateway import DiscordWebSocket

from bot.client import DefectorBot
from bot.config import Settings
from bot.runner import sandbox_settings, start_sandbox_bot, stop_sandbox_bot
from bot.sandbox import LocalDiscord, SandboxMember
from bot.sandbox.model import ALL_PERMISSIONS, Interaction, Message
from bot.sandbox.state import SandboxSettings
from bot.services.clock import Clock

GUILD = 1_200_000_000_000_000_001
OTHER_GUILD = 1_200_000_000_000_000_101
CHANNEL = 1_200_000_000_000_000_002
SECOND_CHANNEL = 1_200_000_000_000_000_003
OTHER_CHANNEL = 1_200_000_000_000_000_102
ADMIN = 1_200_000_000_000_000_010
ALICE = 1_200_000_000_000_000_011
BORIS = 1_200_000_000_000_000_012
HOST = 1_200_000_000_000_000_013
"""Starts quizzes and does not answer: a question then runs its full time (a buttons question
closes early once everyone playing, the starter included, has answered)."""


@dataclass
class World:
    """A local Discord with two servers, and the bot connected to it."""

    server: LocalDiscord
    settings: Settings
    bot: DefectorBot | None = None
    restarts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    clock: Clock | None = None
    """The services' clock from the start (None: the real one)."""

    async def start_bot(self) -> DefectorBot:
        self.bot = await start_sandbox_bot(self.settings, self.server, clock=self.clock)
        return self.bot

    async def restart_bot(self) -> DefectorBot:
        assert self.bot is not None
        await stop_sandbox_bot(self.bot)
        self.restarts += 1
        return await self.start_bot()

    async def slash(
        self, command: str, options: dict[str, Any] | None = None, *, user: int = ALICE,
        guild: int = GUILD, channel: int = CHANNEL,
    ) -> Interaction:  # fmt: skip
        interaction = await self.server.slash(guild, channel, user, command, options or {})
        await interaction.wait_for_response(timeout=5)
        return interaction

    async def click(self, message: Message, label: str, *, user: int = ALICE) -> Interaction:
        custom_id = next(b.custom_id for b in message.buttons() if b.label == label)
        assert custom_id is not None
        interaction = await self.server.click(message.id, custom_id, user)
        await interaction.wait_for_response(timeout=5)
        return interaction

    async def reply(self, interaction: Interaction) -> Message:
        return await interaction.wait_for_original(timeout=5)

    async def wait_for(self, predicate: Callable[[Message], bool]) -> Message:
        return await self.server.wait_for_message(predicate, timeout=5)


def members() -> list[SandboxMember]:
    return [
        SandboxMember(ADMIN, "admin", permissions=ALL_PERMISSIONS),
        SandboxMember(ALICE, "alice"),
        SandboxMember(BORIS, "boris"),
        SandboxMember(HOST, "host"),
    ]


class ErrorLog(logging.Handler):
    """Every ERROR (and worse) record of the bot's loggers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.asynccontextmanager
async def open_world(
    tmp_path: Path,
    database_url: str,
    *,
    clock: Clock | None = None,
    **server_options: Unpack[SandboxSettings],
) -> AsyncIterator[World]:
    """Two servers on a local Discord, and the bot connected, its services on ``clock``."""
    route_base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    server = LocalDiscord(**server_options)
    server.add_guild(
        GUILD, "Test Server", channel_ids=[CHANNEL, SECOND_CHANNEL], members=members(),
        owner_id=ADMIN,
    )  # fmt: skip
    server.add_guild(
        OTHER_GUILD, "Other Server", channel_ids=[OTHER_CHANNEL], members=members(), owner_id=ADMIN
    )
    await server.start()
    base = Settings(_env_file=None, data_dir=tmp_path, database_url=database_url, search_timeout=60)  # type: ignore[call-arg]
    settings = sandbox_settings(
        base, server.api_base, server.gateway_url, server.token, database_url
    )
    world = World(server, settings, clock=clock)
    try:
        await world.start_bot()
        yield world
    finally:
        if world.bot is not None:
            await stop_sandbox_bot(world.bot)
        await server.close()
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = route_base, gateway
    assert server.violations == [], server.violations
    assert server.pings == [], server.pings
