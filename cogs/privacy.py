"""/privacy: leave the leaderboards, come back, or delete everything stored about you."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DefectorBot
from bot.errors import UserFacingError
from bot.services.privacy import PrivacyService
from bot.ui import daily as ui


class Privacy(
    commands.GroupCog, group_name="privacy", group_description="What the bot keeps about you"
):
    def __init__(self, bot: DefectorBot) -> None:
        self.bot = bot
        super().__init__()

    @property
    def service(self) -> PrivacyService:
        if self.bot.services.privacy is None:
            raise UserFacingError("Privacy settings are not available on this bot.")
        return self.bot.services.privacy

    @app_commands.command(
        name="hide", description="Keep yourself off every leaderboard (you still play)"
    )
    async def hide(self, interaction: discord.Interaction[DefectorBot]) -> None:
        changed = await self.service.hide(interaction.user.id)
        first = "You are now hidden" if changed else "You were already hidden"
        await interaction.response.send_message(
            f"{first} from every leaderboard, in every server. You still play and score, and "
            "`/quiz stats` still shows your figures. `/privacy show` puts you back.",
            ephemeral=True,
        )

    @app_commands.command(name="show", description="Appear on the leaderboards again")
    async def show(self, interaction: discord.Interaction[DefectorBot]) -> None:
        changed = await self.service.show(interaction.user.id)
        text = (
            "You are back on the leaderboards, with every point you scored."
            if changed
            else "You were not hidden: you are on the leaderboards."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="delete", description="Delete everything stored about you (you confirm first)"
    )
    async def delete(self, interaction: discord.Interaction[DefectorBot]) -> None:
        embed, view = ui.forget_confirmation(
            interaction.user.id, self.service.clock.wall().timestamp()
        )
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def setup(bot: DefectorBot) -> None:
    await bot.add_cog(Privacy(bot))
