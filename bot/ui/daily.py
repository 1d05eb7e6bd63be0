"""The daily question's message, its answer buttons, the streak board and the privacy
confirmation.

custom ids (stable, so clicks after a restart still get an answer):
* ``daily:<post id>:<choice index>`` — answer a daily question;
* ``streaks:<page>:<p|n>`` — turn a page of the server's streak board;
* ``forget:<go|no>:<member>:<expires>`` — confirm or cancel ``/privacy delete``.
"""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import date, datetime
from typing import Any

import discord

from bot.errors import NotPermitted, UserFacingError
from bot.quiz.model import QuestionKind
from bot.services.daily import Claim, DailyService, Recap, StreakBoard
from bot.services.privacy import PrivacyService
from bot.ui.cards import COLOUR
from bot.ui.components import page_button, run_safely, services_of, show_page, stateless_view
from bot.ui.confirm import cancel, check_not_expired, confirm_button, confirm_view, expiry, how_long
from bot.ui.quiz import KIND_TITLES, mention, timestamp
from bot.ui.text import clip

log = logging.getLogger(__name__)

NAMED_RIGHT = 5
"""How many of the members who got it right the recap names (fastest first)."""


def _daily(interaction: discord.Interaction[Any]) -> DailyService:
    service = services_of(interaction).daily
    if service is None:
        raise UserFacingError("The daily question is not running on this bot.")
    return service


def _privacy(interaction: discord.Interaction[Any]) -> PrivacyService:
    service = services_of(interaction).privacy
    if service is None:
        raise UserFacingError("Privacy settings are not available on this bot.")
    return service


def _day(moment: Any) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


def _count(count: int, thing: str) -> str:
    return f"{count:,} {thing}" if count == 1 else f"{count:,} {thing}s"


def _players(count: int) -> str:
    return _count(count, "player")


def recap_embed(recap: Recap, today: date | None = None) -> discord.Embed:
    question = recap.question
    labels = [str(label) for label in question.get("labels", [])]
    index = int(question.get("answer_index", 0))
    answer = labels[index] if 0 <= index < len(labels) else str(question.get("answer", "?"))
    # "Yesterday" only when it was: after a day with no question (the bot was down), the
    # last question is older.
    yesterday = today is None or (today - recap.day).days == 1
    when = "Yesterday's question" if yesterday else "The last question"
    embed = discord.Embed(
        title=f"{when} · {_day(recap.day)}",
        description=clip(str(question.get("prompt", "")), 1000),
        colour=COLOUR,
    )
    embed.add_field(name="The answer", value=clip(answer, 1024), inline=False)
    if recap.answers == 0:
        result = "Nobody answered."
    else:
        share = recap.correct / recap.answers
        result = f"{recap.correct} of {_players(recap.answers)} got it right ({share:.0%})."
        if recap.fastest_user is not None and recap.fastest_ms is not None:
            result += f"\nFastest: {mention(recap.fastest_user)} ({_seconds(recap.fastest_ms)})."
        if recap.right_users:
            named = ", ".join(mention(u) for u in recap.right_users[:NAMED_RIGHT])
            more = len(recap.right_users) - NAMED_RIGHT
            result += f"\nRight: {named}" + (f" and {more} more." if more > 0 else ".")
    embed.add_field(name="Result", value=clip(result, 1024), inline=False)
    explanation = str(question.get("explanation") or "")
    if explanation:
        embed.add_field(name="From the source", value=clip(explanation, 1024), inline=False)
    return embed


def _seconds(ms: int) -> str:
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(ms // 1000, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def question_message(
    claim: Claim, question: dict[str, Any], closes_at: datetime
) -> tuple[list[discord.Embed], discord.ui.View]:
    kind = KIND_TITLES.get(QuestionKind(question["kind"]), "Question")
    embed = discord.Embed(
        title=f"Daily question · {_day(claim.day)} · {kind}",
        description=clip(str(question["prompt"]), 4096),
        colour=COLOUR,
    )
    embed.add_field(
        name="Pick one",
        value=f"One answer each. Open until the next question, {timestamp(closes_at)}, "
        "which opens with the answer.",
        inline=False,
    )
    difficulty = int(question.get("difficulty", 1))
    embed.set_footer(text=f"Difficulty {'●' * difficulty}{'○' * (3 - difficulty)}")
    view = stateless_view()
    for index, label in enumerate(question.get("labels", [])):
        view.add_item(DailyAnswerButton(claim.post_id, index, str(label)))
    embeds = [recap_embed(claim.recap, claim.day), embed] if claim.recap else [embed]
    return embeds, view


class DailyAnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"daily:(?P<post>\d{1,20}):(?P<choice>\d)",
):
    def __init__(self, post_id: int, choice: int, label: str = "?") -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.primary,
                custom_id=f"daily:{post_id}:{choice}",
            )
        )
        self.post_id, self.choice = post_id, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> DailyAnswerButton:  # fmt: skip
        return cls(int(match["post"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def answer() -> None:
            result = await _daily(interaction).answer(
                post_id=self.post_id,
                guild_id=interaction.guild_id,
                user_id=interaction.user.id,
                choice=self.choice,
            )
            if result.stored:
                text = (
                    f"Locked in: **{clip(result.label, 80)}**. The answer comes with the next "
                    "daily question."
                )
            else:
                text = (
                    f"You have already answered: **{clip(result.label, 80)}**. Your first "
                    "answer stands."
                )
            await interaction.response.send_message(text, ephemeral=True)

        await run_safely(interaction, self.custom_id, answer())


# -- the streak board ----------------------------------------------------------------------------


def streak_embed(board: StreakBoard) -> discord.Embed:
    embed = discord.Embed(
        title="Leaderboard · this server · daily streaks",
        description="Daily questions answered right in a row, up to the last one closed.",
        colour=COLOUR,
    )
    lines = [
        f"`{rank:>3}.` {mention(user)} · **{days}** {'day' if days == 1 else 'days'}"
        for rank, user, days in board.entries
    ]
    embed.add_field(
        name="Ranking",
        value=clip("\n".join(lines) or "Nobody has a running streak yet.", 1024),
        inline=False,
    )
    mine = (
        f"You are #{board.viewer[0]} with {board.viewer[1]} in a row."
        if board.viewer
        else "You have no running streak here."
    )
    embed.add_field(name="Your streak", value=mine, inline=False)
    embed.set_footer(
        text=f"Page {board.page} of {board.pages} · {_players(board.total)} · "
        "ties: the older account"
    )
    return embed


async def streak_message(
    interaction: discord.Interaction[Any], page: int
) -> tuple[discord.Embed, discord.ui.View]:
    if interaction.guild_id is None:
        raise UserFacingError("Streaks belong to a server.")
    board = await _daily(interaction).board(
        guild_id=interaction.guild_id, page=page, viewer=interaction.user.id
    )
    view = stateless_view()
    view.add_item(StreakPageButton(max(board.page - 1, 1), "p", disabled=board.page <= 1))
    view.add_item(
        StreakPageButton(min(board.page + 1, board.pages), "n", disabled=board.page >= board.pages)
    )
    return streak_embed(board), view


class StreakPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"streaks:(?P<page>\d{1,5}):(?P<dir>[pn])",
):
    def __init__(self, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(page_button(direction, f"streaks:{page}:{direction}", disabled=disabled))
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> StreakPageButton:  # fmt: skip
        return cls(int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def turn() -> None:
            embed, view = await streak_message(interaction, self.page)
            await show_page(interaction, embed, view)

        await run_safely(interaction, self.custom_id, turn())


# -- /privacy delete -----------------------------------------------------------------------------


def forget_confirmation(member: int, now: float) -> tuple[discord.Embed, discord.ui.View]:
    embed = discord.Embed(
        title="Delete everything stored about you?",
        colour=discord.Colour.red(),
        description=(
            "This erases, in every server: every quiz answer you gave (your points leave every "
            "leaderboard and your statistics are emptied), your wins, your name on the games "
            "you started, your daily answers and streaks, and your privacy setting. It cannot "
            "be undone.\n\n" + how_long()
        ),
    )
    expires = expiry(now)
    return embed, confirm_view(lambda action: ForgetButton(action, member, expires))


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"forget:(?P<action>go|no):(?P<member>\d{1,20}):(?P<expires>\d{1,12})",
):
    def __init__(self, action: str, member: int, expires: int) -> None:
        custom_id = f"forget:{action}:{member}:{expires}"
        super().__init__(confirm_button(action, "Delete my data", custom_id))
        self.action, self.member, self.expires = action, member, expires

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
        match: re.Match[str], /,
    ) -> ForgetButton:  # fmt: skip
        return cls(match["action"], int(match["member"]), int(match["expires"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await run_safely(interaction, self.custom_id, self._act(interaction))

    async def _act(self, interaction: discord.Interaction[Any]) -> None:
        # Anyone can forge a custom id: the click must come from the member it names.
        if interaction.user.id != self.member:
            raise NotPermitted("Only the member who asked can confirm deleting their data.")
        if self.action == "no":
            await cancel(interaction)
            return
        privacy = _privacy(interaction)
        check_not_expired(privacy.clock.wall(), self.expires, "/privacy delete")
        working = discord.Embed(title="Deleting your data…", colour=COLOUR)
        await interaction.response.edit_message(content=None, embed=working, view=None)
        forgotten = await privacy.delete(self.member)
        embed = discord.Embed(
            title="Your data is deleted",
            colour=COLOUR,
            description=(
                f"Deleted {_count(forgotten.quiz_answers, 'quiz answer')} and "
                f"{_count(forgotten.daily_answers, 'daily answer')}, in every server. "
                "Nothing about you is stored any more; if you play again, that is stored as "
                "before."
            ),
        )
        with contextlib.suppress(discord.HTTPException):
            await interaction.edit_original_response(embed=embed)


DAILY_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    DailyAnswerButton,
    StreakPageButton,
    ForgetButton,
)
