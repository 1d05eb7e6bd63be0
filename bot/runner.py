"""Running the bot: endpoints, logging, signals, clean shutdown, command publishing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.client import DefectorBot
from bot.config import Settings

log = logging.getLogger(__name__)


class StartError(Exception):
    """The bot could not start for a reason the operator can fix (one line, no traceback)."""


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at another Discord-compatible endpoint (a proxy, the local Discord).

    discord.py reads these two class attributes for every REST call (interaction callbacks
    and webhooks included) and every gateway connection of a non-sharded client; sharded
    clients use the URL from ``GET /gateway/bot``, which the endpoint serves.
    """
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def token_of(settings: Settings) -> str:
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise StartError(
            "DISCORD_TOKEN is not set: put the bot's token in .env or the environment "
            "(or try `defector-bot sandbox`, which needs none)"
        )
    return token


async def login(bot: DefectorBot, token: str) -> None:
    try:
        await bot.login(token)
    except discord.LoginFailure:
        raise StartError(
            "Discord rejected DISCORD_TOKEN: check the token (it is not shown)"
        ) from None
    except discord.HTTPException as error:
        raise StartError(f"could not log in to Discord: HTTP {error.status}") from None
    except (aiohttp.ClientError, OSError) as error:
        base = discord.http.Route.BASE
        raise StartError(f"could not reach Discord at {base}: {error}") from None


async def run_until_stopped(bot: DefectorBot, token: str, stop: asyncio.Event) -> None:
    """Log in, connect, and close cleanly when ``stop`` is set or the connection ends."""
    async with bot:
        await login(bot, token)
        connection = asyncio.create_task(bot.connect(reconnect=True), name="gateway")
        stopper = asyncio.create_task(stop.wait(), name="stop-signal")
        done, _ = await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down")
        await bot.close()
        for task in (connection, stopper):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if connection in done and connection.exception() is not None:
            raise connection.exception()  # type: ignore[misc]


async def run(settings: Settings) -> None:
    """``defector-bot run``: until SIGINT or SIGTERM."""
    token = token_of(settings)
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level))
    configure_endpoints(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_until_stopped(DefectorBot(settings), token, stop)


async def sync(settings: Settings, guild_id: int | None) -> str:
    """``defector-bot sync [--guild ID]``: publish the slash commands now."""
    token = token_of(settings)
    configure_endpoints(settings)
    if guild_id is not None:
        settings = settings.model_copy(update={"dev_guild_id": guild_id})
    bot = DefectorBot(settings, publish_on_start=False)
    async with bot:
        await login(bot, token)
        await bot.publish_commands(force=True)
    where = f"guild {guild_id}" if guild_id is not None else "every server (global)"
    return f"published {len(bot.tree.get_commands())} top-level commands to {where}"
