"""Buttons and selects with stable custom ids (``DynamicItem``): they keep working after a
restart, and a click the bot cannot serve any more gets an ephemeral answer, never silence.

custom ids:
* ``card:<slug>`` — open a person's card (only for the member who clicked while a quiz runs
  in the channel); ``card:<slug>:p`` — always only for them ("Learn more" on a quiz result);
* ``search:<session>:<page>:<p|n|a>`` — turn a search list's page (``a``: "All N", which
  turns a "did you mean" into the list of everyone it stood for);
* ``search:<session>:open`` — open a card from a search list's select.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Coroutine
from typing import Any, cast

import discord

from bot.catalog.models import Defector
from bot.errors import UserFacingError
from bot.services.container import HasServices, Services
from bot.services.lookup import SearchSession
from bot.services.scores import database_damaged, database_unavailable
from bot.ui import cards
from bot.ui.pictures import send_card
from bot.ui.text import clip, echo

log = logging.getLogger(__name__)


def services_of(interaction: discord.Interaction[Any]) -> Services:
    return cast(HasServices, interaction.client).services


async def reply_error(interaction: discord.Interaction[Any], message: str) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True)
    else:
        await interaction.response.send_message(message, ephemeral=True)


DATABASE_DOWN = (
    "The database is unavailable for a moment; lookups still work. Please try again shortly."
)
DATABASE_DAMAGED = (
    "The bot's database is damaged, so this cannot work until the bot's operators restore "
    "it; lookups still work."
)


QUIZ_RUNNING_NOTE = "A quiz is running in this channel, so only you can see this."


def quiz_running_here(interaction: discord.Interaction[Any]) -> bool:
    """Whether a quiz runs in the interaction's channel: lookups there answer only the
    member who asked, so that no card spoils a question."""
    return services_of(interaction).quiz.quiz_running(interaction.channel_id)


async def run_safely(
    interaction: discord.Interaction[Any], what: str, action: Coroutine[Any, Any, None]
) -> None:
    """Run a component callback once per interaction; user-facing errors and crashes both
    get an ephemeral reply."""
    first_delivery = getattr(interaction.client, "first_delivery", None)
    if first_delivery is not None and not first_delivery(interaction.id):
        action.close()  # a redelivered click: it was handled the first time
        return
    try:
        await action
    except UserFacingError as error:
        await _tell(interaction, error.message)
    except Exception as error:
        if database_damaged(error):
            log.error("database damaged (restore it from a backup): %s failed: %s", what, error)
            await _tell(interaction, DATABASE_DAMAGED)
            return
        if database_unavailable(error):
            log.warning("database unavailable for %s: %s", what, error)
            await _tell(interaction, DATABASE_DOWN)
            return
        log.exception("component %s failed", what)
        await _tell(interaction, "Something went wrong on my side; please try again.")


async def _tell(interaction: discord.Interaction[Any], message: str) -> None:
    try:
        await reply_error(interaction, message)
    except discord.HTTPException as error:
        log.warning("could not tell the member (%s): %s", error.status, message)


def shared_with_others(interaction: discord.Interaction[Any]) -> bool:
    """Whether the message a component sits on belongs to someone else: a public message the
    clicker did not ask for (Discord's ``interaction_metadata`` names who did). A message
    whose owner is not known counts as someone else's, so a click never rewrites it."""
    message = interaction.message
    if message is None or message.flags.ephemeral:
        return False  # only its owner sees an ephemeral message
    metadata = message.interaction_metadata
    return metadata is None or metadata.user.id != interaction.user.id


async def show_page(
    interaction: discord.Interaction[Any], embed: discord.Embed, view: discord.ui.View
) -> None:
    """Turn a viewer-specific page (a leaderboard with the viewer's own rank): in place for
    the member whose message it is; anyone else gets the page as their own ephemeral
    message, and the shared one stays as its owner left it."""
    if shared_with_others(interaction):
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
    else:
        await interaction.response.edit_message(embed=embed, view=view)


class CardButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"card:(?P<slug>[a-z0-9-]{1,90})(?P<private>:p)?",
):
    def __init__(self, slug: str, label: str = "Open card", *, private: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=clip(label, 80),
                style=discord.ButtonStyle.secondary,
                custom_id=f"card:{slug}{':p' if private else ''}",
            )
        )
        self.slug = slug
        self.private = private

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CardButton:
        label = getattr(item, "label", None) or "Open card"
        return cls(match["slug"], label, private=bool(match["private"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def show() -> None:
            record = services_of(interaction).lookup.get(self.slug)
            if self.private:
                await send_card(interaction, record, ephemeral=True)
            elif quiz_running_here(interaction):
                await send_card(interaction, record, content=QUIZ_RUNNING_NOTE, ephemeral=True)
            else:
                await send_card(interaction, record)

        await run_safely(interaction, self.custom_id, show())


class SearchPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"search:(?P<session>[0-9a-f]{8}):(?P<page>\d{1,4}):(?P<direction>[pna])",
):
    def __init__(
        self,
        session: str,
        page: int,
        direction: str,
        *,
        disabled: bool = False,
        label: str | None = None,
    ) -> None:
        label = label or {"p": "◀ Previous", "n": "Next ▶"}.get(direction, "All")
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"search:{session}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.session_id, self.page = session, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> SearchPageButton:
        label = getattr(item, "label", None)
        return cls(match["session"], int(match["page"]), match["direction"], label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def turn() -> None:
            lookup = services_of(interaction).lookup
            session, page = lookup.turn(self.session_id, interaction.user.id, self.page)
            embed, view = search_message(session, page)
            # content=None: "All N" turns a "did you mean" (text) into the list (an embed).
            await interaction.response.edit_message(content=None, embed=embed, view=view)

        await run_safely(interaction, self.custom_id, turn())


class SearchOpenSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"search:(?P<session>[0-9a-f]{8}):open",
):
    def __init__(self, session: str, records: list[Defector] | None = None) -> None:
        options = [
            discord.SelectOption(
                label=clip(r.name, 100),
                value=r.slug,
                description=clip(f"{r.year} · {r.profession or '—'}", 100),
            )
            for r in records or []
        ] or [discord.SelectOption(label="—", value="-")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"search:{session}:open", placeholder="Open a card…", options=options
            )
        )
        self.session_id = session

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> SearchOpenSelect:
        return cls(match["session"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        async def open_card() -> None:
            lookup = services_of(interaction).lookup
            # Anyone may open a card, privately, while the list is live; only its owner
            # turns its pages.
            lookup.session(self.session_id, interaction.user.id, owner_only=False)
            values = self.item.values
            if len(values) != 1:
                raise UserFacingError("Pick one name from the list.")
            record = lookup.get(values[0])
            await send_card(interaction, record, ephemeral=True)

        await run_safely(interaction, self.custom_id, open_card())


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    CardButton,
    SearchPageButton,
    SearchOpenSelect,
)


def page_button(
    direction: str, custom_id: str, *, disabled: bool = False
) -> discord.ui.Button[Any]:
    """A page turn of a paged list: ``p`` is "◀ Previous", anything else "Next ▶"."""
    return discord.ui.Button(
        label="◀ Previous" if direction == "p" else "Next ▶",
        style=discord.ButtonStyle.secondary,
        custom_id=custom_id,
        disabled=disabled,
    )


def stateless_view() -> discord.ui.View:
    """A view that only carries components for a message.

    Every component of this bot is a DynamicItem found again by its custom id, so discord.py
    need not keep the view in memory (it would, for 15 minutes per ephemeral reply): a
    stopped view is still sent, but not stored.
    """
    view = discord.ui.View(timeout=None)
    view.stop()
    return view


def suggestions_view(
    records: list[Defector], *, more: SearchSession | None = None
) -> discord.ui.View:
    """A button per person (five at most) and, with ``more``, one that lists them all."""
    view = stateless_view()
    for record in records[:5]:
        view.add_item(CardButton(record.slug, record.name))
    if more is not None:
        label = f"All {len(more.results)}"
        view.add_item(SearchPageButton(more.id, 0, "a", label=label))
    return view


def search_message(
    session: SearchSession, page: int, *, disabled: bool = False
) -> tuple[discord.Embed, discord.ui.View]:
    records = list(session.page(page))
    embed = cards.search_page(
        records,
        page=page,
        pages=session.pages,
        total=len(session.results),
        description=describe_filters(session),
    )
    view = stateless_view()
    select = SearchOpenSelect(session.id, records)
    select.item.disabled = disabled
    view.add_item(select)
    view.add_item(
        SearchPageButton(session.id, max(page - 1, 0), "p", disabled=disabled or page == 0)
    )
    last = session.pages - 1
    view.add_item(SearchPageButton(session.id, page + 1, "n", disabled=disabled or page >= last))
    return embed, view


def describe_filters(session: SearchSession) -> str:
    f = session.filters
    parts = []
    if f.origin_country:
        parts.append(f"left **{f.origin_country}**")
    if f.destination_country:
        parts.append(f"went to **{f.destination_country}**")
    if f.year_from is not None or f.year_to is not None:
        parts.append(f"years **{f.year_from or '…'}–{f.year_to or '…'}**")
    if f.profession:
        parts.append(f"profession contains **{echo(f.profession)}**")
    if f.method:
        parts.append(f"method **{f.method.label}**")
    words = f"Matching **{echo(session.text)}**, best first\n" if session.text else ""
    return words + "Filters: " + (", ".join(parts) if parts else "none")
