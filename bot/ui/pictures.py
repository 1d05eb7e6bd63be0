"""Pictures in replies: an embed's image as an uploaded attachment (``attachment://name``).

The embed always carries the same facts as text (screen readers, images turned off), so a
picture that could not be drawn leaves the reply as it was. A picture in the cache goes with
the reply. One that is not is drawn after the reply is sent (the text answers the
interaction at once, far inside Discord's 3 s) and added to it by an edit a moment later:
no "thinking…" message, and the acknowledgement never waits for a drawing.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any, cast

import discord

from bot.catalog.models import Defector
from bot.pictures import Picture, Standings, Timeline, build
from bot.services.container import HasServices, Services
from bot.services.pictures import PictureService
from bot.ui import cards

log = logging.getLogger(__name__)

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
    file = attach(embed, picture, png) if picture is not None else None
    await interaction.response.send_message(
        content, embed=embed, view=view, ephemeral=ephemeral, file=file or discord.utils.MISSING
    )
    if picture is None or png is not None:
        return
    file = attach(embed, picture, await service.render(picture))
    if file is None:
        return  # the text reply stands alone
    try:
        await interaction.edit_original_response(embed=embed, attachments=[file])
    except discord.HTTPException as error:  # deleted meanwhile, token gone…
        log.info("could not add the %s picture to the reply: %s", type(picture).__name__, error)


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
