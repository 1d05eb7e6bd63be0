"""Pictures in replies: an embed's image as an uploaded attachment (``attachment://name``).

The embed always carries the same facts as text (screen readers, images turned off), so a
picture that could not be drawn leaves the reply as it was. A picture not in the cache is
drawn while the interaction waits, up to ``DEFER_AFTER`` seconds after it was created; if it
is not ready by then the interaction is deferred ("thinking…") and the reply follows when it
is: drawing never costs Discord's 3 seconds, and the usual reply is one message, not a
"thinking…" flash for a 15 ms drawing.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from typing import Any, cast

import discord

from bot.catalog.models import Defector
from bot.pictures import Picture, Standings, Timeline, build
from bot.services.container import HasServices, Services
from bot.services.pictures import PictureService
from bot.ui import cards

DEFER_AFTER = 1.5
"""Seconds after an interaction was created past which it is deferred while its picture is
drawn (Discord drops an interaction not acknowledged within 3 s)."""

ALT_TEXT = {
    "StatsChart": "Chart of defections per year, coloured by the country left, and a bar "
    "chart of how they got out; the same figures are in the text.",
    "Timeline": "Timeline of every defection from 1920 to 1991, this person's highlighted.",
    "Profile": "Quiz profile card: games, wins, accuracy, streaks, rank and accuracy per kind "
    "of question; the same figures are in the text.",
    "Standings": "Final standings of the quiz: a podium for the top three and the rest as a "
    "list; the same standings are in the text.",
}


def services_of(interaction: discord.Interaction[Any]) -> Services:
    return cast(HasServices, interaction.client).services


def attach(embed: discord.Embed, picture: Picture, png: bytes | None) -> discord.File | None:
    """The file to send with ``embed``, which now shows it as its image; None: no picture."""
    if png is None:
        return None
    embed.set_image(url=f"attachment://{picture.filename}")
    return discord.File(
        io.BytesIO(png), filename=picture.filename, description=ALT_TEXT[type(picture).__name__]
    )


async def respond(
    interaction: discord.Interaction[Any],
    embed: discord.Embed,
    picture: Picture | None,
    *,
    content: str | None = None,
    ephemeral: bool = False,
    view: discord.ui.View = discord.utils.MISSING,
) -> None:
    """Answer an interaction with ``embed`` and, when it can be drawn, ``picture`` in it."""
    service = services_of(interaction).pictures
    png = service.cached(picture) if picture is not None else None
    if picture is not None and png is None:
        drawing = asyncio.ensure_future(service.render(picture))
        waited = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        done, _ = await asyncio.wait({drawing}, timeout=max(0.0, DEFER_AFTER - waited))
        if not done:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            file = attach(embed, picture, await drawing)
            await interaction.followup.send(
                content or discord.utils.MISSING, embed=embed, view=view, ephemeral=ephemeral,
                file=file or discord.utils.MISSING,
            )  # fmt: skip
            return
        png = drawing.result()
    file = attach(embed, picture, png) if picture is not None else None
    await interaction.response.send_message(
        content, embed=embed, view=view, ephemeral=ephemeral, file=file or discord.utils.MISSING
    )


def card_with_timeline(
    interaction: discord.Interaction[Any], record: Defector
) -> tuple[discord.Embed, Timeline]:
    """A person's card (with who else defected that year) and their timeline strip."""
    lookup = services_of(interaction).lookup
    records = lookup.index.records
    others = [r.name for r in records if r.year == record.year and r.slug != record.slug]
    return cards.card(record, same_year=others), build.timeline(record, records)


async def send_card(
    interaction: discord.Interaction[Any],
    record: Defector,
    *,
    content: str | None = None,
    ephemeral: bool = False,
) -> None:
    embed, timeline = card_with_timeline(interaction, record)
    await respond(interaction, embed, timeline, content=content, ephemeral=ephemeral)


async def standings_file(
    service: PictureService,
    embed: discord.Embed,
    names: Sequence[tuple[str, int]],
    *,
    questions: int,
    ending: str,
) -> discord.File | None:
    """The final standings picture for ``embed`` (None when nobody played or it failed)."""
    if not names:
        return None
    picture = Standings(players=tuple(names[:10]), questions=questions, ending=ending)
    return attach(embed, picture, await service.render(picture))


async def display_names(guild: discord.Guild | None, user_ids: Sequence[int]) -> list[str]:
    """Names to draw for ``user_ids``: from the cache, else asked of Discord (at most one
    request per player, at the end of a game); "a player" when neither knows."""
    names = []
    for user_id in user_ids:
        member = guild.get_member(user_id) if guild is not None else None
        if member is None and guild is not None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                member = None
        names.append(member.display_name if member is not None else "a player")
    return names
