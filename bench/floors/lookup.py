"""The floor of ``bench.e2e``: ``/defector lookup`` with a constant answer, and a constant
list of choices for its autocomplete."""

from __future__ import annotations

import discord
from discord import app_commands

from bench.floors import Floor, point_at_local_discord, run

CHOICES = [app_commands.Choice(name=f"Person {i}", value=f"person-{i}") for i in range(5)]
group = app_commands.Group(name="defector", description="Look people up")


@group.command(name="lookup", description="A constant answer")
@app_commands.describe(name="Anything")
async def lookup(interaction: discord.Interaction, name: str) -> None:
    await interaction.response.send_message("A constant answer.")


@lookup.autocomplete("name")
async def lookup_name(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return CHOICES


if __name__ == "__main__":
    point_at_local_discord()
    intents = discord.Intents.none()
    intents.guilds = True
    run(Floor(intents, group))
