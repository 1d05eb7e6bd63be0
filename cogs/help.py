"""/help: every command with its description, read from the command tree itself."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DefectorBot
from bot.quiz.game import GameSettings
from bot.ui.cards import COLOUR, SOURCE
from bot.ui.quiz import all_scoring_rules
from bot.ui.text import clip

INTRO = (
    "I know the 165 people of Wikipedia's *List of Soviet and Eastern Bloc defectors*: "
    "who they were, when, where from and how they got out. Names forgive typos and missing "
    "accents; surnames and pseudonyms work too."
)


class Help(commands.Cog):
    def __init__(self, bot: DefectorBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What this bot does and how to use it")
    async def help(self, interaction: discord.Interaction[DefectorBot]) -> None:
        embed = discord.Embed(title="Defector Bot", description=INTRO, colour=COLOUR)
        for command in self.bot.tree.walk_commands():
            if isinstance(command, app_commands.Group):
                continue
            params = " ".join(
                f"<{p.name}>" if p.required else f"[{p.name}]" for p in command.parameters
            )
            embed.add_field(
                name=clip(f"/{command.qualified_name} {params}".strip(), 256),
                value=clip(command.description, 1024),
                inline=False,
            )
        embed.add_field(
            name="Quiz scoring", value=clip(all_scoring_rules(GameSettings()), 1024), inline=False
        )
        embed.set_footer(text=SOURCE)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: DefectorBot) -> None:
    await bot.add_cog(Help(bot))
