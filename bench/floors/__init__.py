"""The floors: minimal discord.py bots with the command shape of Defector Bot, doing the
Discord work a benchmark's events need and nothing else. They import nothing but discord.py
(and this package), and run as ``python -m bench.floors.<name>`` against a local Discord
named by ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``; SIGINT or SIGTERM stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import discord
import yarl
from discord.ext import commands


def point_at_local_discord() -> None:
    """Send discord.py's REST calls and its gateway connection to the local Discord."""
    discord.http.Route.BASE = os.environ["DISCORD_API_BASE"].rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class Floor(commands.AutoShardedBot):
    """A bot with ``group`` as its only command, published at start-up."""

    def __init__(self, intents: discord.Intents, group: discord.app_commands.Group) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.tree.add_command(group)

    async def setup_hook(self) -> None:
        await self.tree.sync()


def run(bot: Floor) -> None:
    """Connect ``bot`` until SIGINT or SIGTERM, then close it."""
    asyncio.run(_serve(bot))


async def _serve(bot: Floor) -> None:
    discord.utils.setup_logging(level=logging.getLevelName(os.environ.get("LOG_LEVEL", "INFO")))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with bot:
        await bot.login(os.environ["DISCORD_TOKEN"])
        connection = asyncio.create_task(bot.connect(reconnect=True))
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
        await bot.close()
        for task in (connection, stopper):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
