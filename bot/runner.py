"""Running the bot: endpoints, logging, signals, clean shutdown, command publishing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from pydantic import SecretStr

from bot.aio import cancel_and_wait
from bot.client import DefectorBot
from bot.config import Settings
from bot.services.clock import Clock
from bot.startup import StartError as StartError

log = logging.getLogger(__name__)


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at another Discord-compatible endpoint (a proxy, the local Discord).

    discord.py reads these two class attributes for every REST call (interaction callbacks
    and webhooks included) and every gateway connection; only an AutoShardedBot without
    ``SHARD_COUNT`` asks ``GET /gateway/bot`` instead, which the endpoint also serves.
    """
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


GATEWAY_RETRIES: dict[str, str] = {
    "Failed to connect for shard_id: %s. Retrying...": (
        "could not connect shard {0} to the gateway ({cause}); retrying in 5 s"
    ),
    "Attempting a reconnect for shard ID %s in %.2fs": (
        "lost the gateway connection of shard {0} ({cause}); reconnecting in {1:.1f} s"
    ),
    "Attempting a reconnect in %.2fs": (
        "lost the gateway connection ({cause}); reconnecting in {0:.1f} s"
    ),
}
"""discord.py's gateway retry messages (2.7), and the one line each becomes."""


class GatewayRetryLines(logging.Filter):
    """discord.py logs each failed gateway connection with a full traceback ("Failed to
    connect for shard_id: 0. Retrying..."); an unreachable gateway then fills the log with
    one every 5 s. Each becomes one line: what failed, why, and when the next try is."""

    def filter(self, record: logging.LogRecord) -> bool:
        template = GATEWAY_RETRIES.get(str(record.msg))
        if template is None:
            return True
        error = record.exc_info[1] if record.exc_info else None
        cause = (
            f"{type(error).__name__}: {' '.join(str(error).split())}".rstrip(": ")
            if error is not None
            else "no reason given"
        )
        args = record.args if isinstance(record.args, tuple) else ()
        record.msg = template.format(*args, cause=cause)
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def one_line_gateway_retries() -> None:
    for name in ("discord.shard", "discord.client"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, GatewayRetryLines) for f in logger.filters):
            logger.addFilter(GatewayRetryLines())


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
        await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down")
        await bot.close()
        await cancel_and_wait(connection, stopper)  # raises the connection's error, if any


async def run(settings: Settings) -> None:
    """``defector-bot run``: until SIGINT or SIGTERM."""
    token = token_of(settings)
    discord.utils.setup_logging(level=logging.getLevelName(settings.log_level))
    one_line_gateway_retries()
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
    bot = DefectorBot(settings, publish_on_start=False, maintenance=True)
    async with bot:
        await login(bot, token)
        await bot.publish_commands(force=True)
        count = len(bot.command_payload())
    where = f"guild {guild_id}" if guild_id is not None else "every server (global)"
    return f"published {count} top-level commands to {where}"


# -- the sandbox ----------------------------------------------------------------------------


def sandbox_settings(
    settings: Settings, api_base: str, gateway_url: str, token: str, database: str | None = None
) -> Settings:
    """The same settings, pointed at the local Discord, with a database of its own:
    ``DATA_DIR/sandbox.sqlite3`` whatever DATABASE_URL says (that may be production), unless
    ``database`` names one explicitly."""
    database = database or (
        f"sqlite+aiosqlite:///{(settings.data_dir / 'sandbox.sqlite3').resolve()}"
    )
    return settings.model_copy(
        update={
            "discord_token": SecretStr(token),
            "discord_api_base": api_base,
            "discord_gateway_url": gateway_url,
            "database_url": database,
            "dev_guild_id": None,
            "shard_count": None,
            "shard_ids": None,
            "message_content_intent": True,  # the local Discord grants it: typed quizzes work
        }
    )


async def start_sandbox_bot(
    settings: Settings, server: Any, *, clock: Clock | None = None
) -> DefectorBot:
    """Start the real bot against ``server`` and wait until it is connected."""
    configure_endpoints(settings)
    bot = DefectorBot(settings, publish_on_start=False, clock=clock)
    await bot.__aenter__()
    await login(bot, token_of(settings))
    # A fresh local Discord knows no commands: publish whatever the database remembers.
    await bot.publish_commands(force=True)
    bot.gateway_task = asyncio.create_task(bot.connect(reconnect=True), name="gateway")
    await server.wait_until_ready(timeout=30)
    return bot


async def stop_sandbox_bot(bot: DefectorBot) -> None:
    await bot.close()
    task = bot.gateway_task
    if task is not None:
        with contextlib.suppress(Exception):  # how the gateway ended does not matter here
            await cancel_and_wait(task)
    await bot.__aexit__(None, None, None)


async def sandbox(
    settings: Settings, database: str | None = None, *, web: bool = True, port: int | None = None
) -> None:
    """``defector-bot sandbox``: a local Discord, the real bot, and a terminal to talk to it
    (and, unless ``web`` is false, a Discord-like page on 127.0.0.1:``port``)."""
    from bot.sandbox import LocalDiscord, world
    from bot.sandbox.terminal import HELP, TerminalSession

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log_file = settings.data_dir / "sandbox.log"
    handler = logging.FileHandler(log_file, mode="a", encoding="utf-8")
    discord.utils.setup_logging(handler=handler, level=logging.getLevelName(settings.log_level))

    server = LocalDiscord()
    world.build(server)
    page_url = None
    if web:
        from bot.sandbox.web import WebPage, start_with_page

        WebPage(server)
        try:
            page_url = await start_with_page(server, port)
        except OSError as error:
            raise StartError(str(error)) from None
    else:
        await server.start()
    print("Starting the local Discord and the bot (no token, no network)…", flush=True)
    bot = await start_sandbox_bot(
        sandbox_settings(settings, server.api_base, server.gateway_url, server.token, database),
        server,
    )
    # As wide as the terminal, within reason (long lines are hard to read).
    width = min(max(shutil.get_terminal_size().columns - 1, 40), 100)
    session = TerminalSession(
        server,
        guild_id=world.GUILD_ID,
        channel_id=world.GENERAL_ID,
        user_id=world.OWNER_ID,
        width=width,
    )
    print(HELP + "\n", flush=True)
    print(
        f"Connected: you are '{session.member_name}', the owner, in #{session.channel_name}; "
        f"/who lists the others.\nThe bot's log: {log_file}",
        flush=True,
    )
    if page_url is not None:
        print(f"Open {page_url} in a browser: the same server, as a Discord-like page.", flush=True)
    print(flush=True)
    try:
        if sys.stdin.isatty():
            await _prompt_loop(session)
        else:
            await _plain_loop(session)
    finally:
        await stop_sandbox_bot(bot)
        await server.close()


async def _prompt_loop(session: Any) -> None:
    """A prompt that stays at the bottom; the channel's messages print above it live."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import FormattedText
    from prompt_toolkit.patch_stdout import patch_stdout
    from prompt_toolkit.shortcuts import print_formatted_text

    prompt: PromptSession[str] = PromptSession()

    async def read_line() -> str | None:
        try:
            return await prompt.prompt_async(session.prompt)  # who and where, kept current
        except (EOFError, KeyboardInterrupt):
            return None

    def styled(lines: list[Any]) -> None:
        # One call per message: printed above the prompt, which is redrawn once after it.
        fragments = [fragment for line in lines for fragment in [*line, ("", "\n")]]
        print_formatted_text(FormattedText(fragments), end="")

    with patch_stdout():
        await _serve(session, read_line, styled)


async def _plain_loop(session: Any) -> None:
    """stdin is not a terminal (a pipe, a test): read lines, still print messages live."""
    await _serve(session, _stdin_lines().get)


async def _serve(
    session: Any,
    read_line: Callable[[], Awaitable[str | None]],
    styled: Callable[[list[Any]], None] | None = None,
) -> None:
    """Hand each line to the session until it quits or input ends; print what it answers
    and, live, what happens in the channel."""
    if styled is not None:
        stop = session.go_live(styled=styled)
    else:
        stop = session.go_live(lambda text: print(text, flush=True))
    try:
        while (line := await read_line()) is not None:
            output = await session.handle(line)
            if output is None:
                break
            if output and styled is not None:  # the same path as the live messages: in order
                styled([[("", line)] for line in output.split("\n")])
            elif output:
                print(output, flush=True)
    finally:
        stop()


def _stdin_lines() -> asyncio.Queue[str | None]:
    """Lines from stdin via a daemon thread, so Ctrl-C never waits on a blocked read."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    return queue
