"""Server-admin controls: the confirmation of ``/quizconfig reset scores``.

Deleting scores cannot be undone, so the command only shows what it would do, with a danger
button and a cancel button. Like every component of this bot the buttons are DynamicItems
found again by their custom id (``reset:<action>:<guild>:<member>:<issuer>:<expires>``), so a
click works after a restart; and since anyone can forge a custom id, the click checks
everything again: the server it was asked in, the Manage Server permission, the member who
asked, and the expiry.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any

import discord

from bot.errors import NotPermitted, UserFacingError
from bot.ui.cards import COLOUR
from bot.ui.components import run_safely, services_of
from bot.ui.confirm import cancel, check_not_expired, confirm_button, confirm_view, expiry, how_long

log = logging.getLogger(__name__)


def confirmation(
    member: discord.abc.User | None, issuer: int, now: float, *, guild_id: int
) -> tuple[discord.Embed, discord.ui.View]:
    """What ``/quizconfig reset scores`` shows before anything is deleted."""
    whose = f"{member.mention}'s answers" if member else "every answer given"
    embed = discord.Embed(
        title="Delete quiz scores?",
        colour=discord.Colour.red(),
        description=(
            f"This deletes {whose} in this server: they leave this server's leaderboards, "
            "the global leaderboards and players' statistics. It cannot be undone. Games stay "
            "on record; a game running now keeps scoring.\n\n" + how_long()
        ),
    )
    expires = expiry(now)
    target = member.id if member else 0
    return embed, confirm_view(
        lambda action: ResetButton(action, guild_id, target, issuer, expires)
    )


class ResetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=(
        r"reset:(?P<action>go|no):(?P<guild>\d{1,20}):(?P<member>\d{1,20}):(?P<issuer>\d{1,20})"
        r":(?P<expires>\d{1,12})"
    ),
):
    def __init__(self, action: str, guild: int, member: int, issuer: int, expires: int) -> None:
        custom_id = f"reset:{action}:{guild}:{member}:{issuer}:{expires}"
        super().__init__(confirm_button(action, "Delete scores", custom_id))
        self.action, self.guild, self.member = action, guild, member
        self.issuer, self.expires = issuer, expires

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> ResetButton:  # fmt: skip
        return cls(
            match["action"],
            int(match["guild"]),
            int(match["member"]),
            int(match["issuer"]),
            int(match["expires"]),
        )

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_safely(interaction, self.custom_id, self._act(interaction))

    async def _act(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            raise UserFacingError("Scores belong to a server.")
        if guild_id != self.guild:
            raise NotPermitted(
                "This confirmation belongs to another server; run /quizconfig reset here."
            )
        if interaction.user.id != self.issuer:
            raise NotPermitted("Only the member who asked for this reset can confirm it.")
        if not interaction.permissions.manage_guild:
            raise NotPermitted("You need the Manage Server permission to reset scores.")
        if self.action == "no":
            await cancel(interaction)
            return
        quiz = services_of(interaction).quiz
        check_not_expired(quiz.clock.wall(), self.expires, "/quizconfig reset")
        # Deleting a busy server's answers can take a while: acknowledge first (Discord
        # allows 3 s), with the buttons gone so that nobody clicks twice.
        working = discord.Embed(title="Deleting scores…", colour=COLOUR)
        await interaction.response.edit_message(content=None, embed=working, view=None)
        try:
            deleted = await quiz.reset_scores(guild_id, user_id=self.member or None)
        except Exception:
            # One transaction: nothing was deleted. Say so where the member is looking; the
            # reason follows privately (run_safely).
            failed = discord.Embed(
                title="Scores not deleted",
                colour=discord.Colour.red(),
                description="Nothing was deleted; run /quizconfig reset again.",
            )
            with contextlib.suppress(discord.HTTPException):
                await interaction.edit_original_response(embed=failed)
            raise
        whose = f"<@{self.member}>'s" if self.member else "this server's"
        embed = discord.Embed(
            title="Scores deleted",
            colour=COLOUR,
            description=f"Deleted {deleted:,} of {whose} answers.",
        )
        try:
            await interaction.edit_original_response(embed=embed)
        except discord.HTTPException as error:  # deleted all the same: not worth an error
            log.warning("score reset done (%d answers), but not shown: %s", deleted, error)


ADMIN_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ResetButton,)
