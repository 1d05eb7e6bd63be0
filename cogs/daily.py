"""The daily question: ``/quizconfig daily`` and the posts themselves.

The scheduler lives in ``bot/services/daily.py``; this cog shows its questions in the
channel (it is the service's presenter) and adds ``daily`` to the ``/quizconfig`` group, so
the command shares the group's Manage Server default; the permission is checked again here.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DefectorBot, RefusedCheck
from bot.errors import InvalidInput, UserFacingError
from bot.services.daily import Claim, DailyService, describe
from bot.ui import daily as ui
from bot.ui.quiz import timestamp

log = logging.getLogger(__name__)


def _service(bot: DefectorBot) -> DailyService:
    service = bot.services.daily
    if service is None:
        raise UserFacingError("The daily question is not running on this bot.")
    return service


@app_commands.command(
    name="daily", description="One question a day in a channel, at a time you choose (UTC)"
)
@app_commands.describe(
    channel="Where the question is posted",
    time="When, as HH:MM in UTC (e.g. 09:00)",
    kinds="Which questions: year, country, method, who, or a mix like 'year, who'",
    off="true: stop the daily question",
)
async def daily_command(
    interaction: discord.Interaction[DefectorBot],
    channel: discord.TextChannel | None = None,
    time: app_commands.Range[str, 1, 10] | None = None,
    kinds: app_commands.Range[str, 1, 60] | None = None,
    off: bool = False,
) -> None:
    if interaction.guild_id is None:
        raise RefusedCheck("Quiz settings belong to a server.")
    if not interaction.permissions.manage_guild:
        raise RefusedCheck("You need the Manage Server permission to change quiz settings.")
    service = _service(interaction.client)
    if channel is not None and channel.guild.id != interaction.guild_id:
        # Discord offers only this server's channels, but a client can send any id.
        raise InvalidInput("Pick a channel of this server.")
    if off:
        stopped = await service.turn_off(interaction.guild_id)
        text = "The daily question is off." if stopped else "There was no daily question to stop."
        await interaction.response.send_message(text, ephemeral=True)
        return
    if channel is None or time is None:
        current = await service.config(interaction.guild_id)
        if current is None or not current.enabled:
            raise InvalidInput(
                "Give a `channel` and a `time` (HH:MM, UTC) to start the daily question, "
                "e.g. `/quizconfig daily channel: #quiz time: 09:00`."
            )
        if channel is None and time is None and kinds is None:
            when = await service.next_post_at(current)
            await interaction.response.send_message(
                f"Daily question: {describe(current)}. Next: {timestamp(when, 'f')}.",
                ephemeral=True,
            )
            return
        channel_id = channel.id if channel else current.channel_id
        time = time or f"{current.minute_of_day // 60:02d}:{current.minute_of_day % 60:02d}"
        keep = current.kinds if kinds is None else ()
    else:
        channel_id, keep = channel.id, ()
    config = await service.configure(
        guild_id=interaction.guild_id,
        channel_id=channel_id,
        time=time,
        kinds=kinds,
        keep_kinds=keep,
    )
    when = await service.next_post_at(config)
    await interaction.response.send_message(
        f"Daily question: {describe(config)}. Next: {timestamp(when, 'f')} "
        f"({timestamp(when)}). The question stays open until the next one, which opens with "
        "its answer.",
        ephemeral=True,
    )


class Daily(commands.Cog):
    def __init__(self, bot: DefectorBot) -> None:
        self.bot = bot
        self._starter: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        service = self.bot.services.daily
        if service is None or self.bot.maintenance:
            return
        service.presenter = self
        self._starter = asyncio.create_task(self._start(service))

    async def _start(self, service: DailyService) -> None:
        # Posting needs the channels: after the gateway is ready. A question missed while
        # the bot was down is posted now, if it is still its day.
        await self.bot.wait_until_ready()
        service.start()

    async def cog_unload(self) -> None:
        if self._starter is not None:
            self._starter.cancel()
        service = self.bot.services.daily
        if service is not None:
            await service.stop()
            service.presenter = None

    async def post(
        self, channel_id: int, claim: Claim, question: dict[str, Any], closes_at: datetime
    ) -> int:
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise LookupError(f"channel {channel_id} is not known to this process")
        embeds, view = ui.question_message(claim, question, closes_at)
        message = await channel.send(embeds=embeds, view=view)
        return message.id


async def setup(bot: DefectorBot) -> None:
    await bot.add_cog(Daily(bot))
    config = bot.get_cog("QuizConfig")
    group = getattr(config, "app_command", None)
    if isinstance(group, app_commands.Group):
        group.add_command(daily_command)


async def teardown(bot: DefectorBot) -> None:
    config = bot.get_cog("QuizConfig")
    group = getattr(config, "app_command", None)
    if isinstance(group, app_commands.Group):
        group.remove_command("daily")
