"""/defector: look people up, pick one at random, search with filters, see statistics."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate

import discord
from discord import app_commands
from discord.ext import commands

from bot.catalog.models import Defector
from bot.catalog.search import Filters
from bot.client import DefectorBot
from bot.errors import InvalidInput, NotFound, UserFacingError
from bot.pictures import build
from bot.services.lookup import SHOWN_CHOICES, Described, LookupService
from bot.ui import cards
from bot.ui import pictures as pictures_ui
from bot.ui.components import (
    QUIZ_RUNNING_NOTE,
    quiz_running_here,
    search_message,
    suggestions_view,
)
from bot.ui.text import echo
from cogs.options import Destination, MethodChoice, Origin, Profession

log = logging.getLogger(__name__)

Year = app_commands.Range[int, 1900, 2000]
TEXT_HELP = "What they did, in any words, e.g. stalin's daughter, mig-25 pilot, chess"
SWEEP_SPACING = 0.05
"""Seconds between two search lists switched off (each a PATCH): 20 requests a second at
most, well under Discord's 50 a second."""
DECADES = tuple(range(1920, 2000, 10))
DECADE_CHOICES = [app_commands.Choice(name=f"{d}s", value=d) for d in DECADES]
FILTER_HELP = {
    "origin": "The country they left",
    "destination": "Where they went",
    "year_from": "Defected in or after this year",
    "year_to": "Defected in or before this year",
    "profession": "Part of their profession, e.g. ballet, chess, KGB",
    "method": "How they got out",
}
FILTERS = tuple(FILTER_HELP)
Command = Callable[
    Concatenate["Lookup", discord.Interaction[DefectorBot], ...], Coroutine[Any, Any, None]
]


async def _filter_options(
    interaction: discord.Interaction[DefectorBot],
    origin: Origin | None = None,
    destination: Destination | None = None,
    year_from: Year | None = None,
    year_to: Year | None = None,
    profession: Profession | None = None,
    method: MethodChoice | None = None,
) -> None:
    """The six filters of /defector random and /defector search: their one definition (only
    its signature is read, by ``with_filters``)."""


def with_filters(command: Command) -> Command:
    """Give ``command`` the six filter options after its own, with their help, and call it
    with them as validated ``Filters`` (its third parameter) instead."""
    own = list(inspect.signature(command).parameters.values())
    shared = list(inspect.signature(_filter_options).parameters.values())[1:]
    assert [p.name for p in shared] == list(FILTERS)

    @functools.wraps(command)
    async def with_options(
        self: Lookup, interaction: discord.Interaction[DefectorBot], **options: Any
    ) -> None:
        chosen = {name: options.pop(name, None) for name in FILTERS}
        await command(self, interaction, self.lookup_service.filters(**chosen), **options)

    with_options.__signature__ = inspect.Signature(own[:2] + own[3:] + shared)  # type: ignore[attr-defined]
    return app_commands.describe(**FILTER_HELP)(with_options)


class Lookup(commands.Cog):
    group = app_commands.Group(
        name="defector", description="Look up Soviet and Eastern Bloc defectors"
    )

    def __init__(self, bot: DefectorBot) -> None:
        self.bot = bot
        self._expiring: list[tuple[float, int, discord.Interaction[DefectorBot], str]] = []
        """Search lists to switch off, a heap: (loop time due, interaction id, the
        interaction, session id)."""
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def lookup_service(self) -> LookupService:
        return self.bot.services.lookup

    async def cog_unload(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()

    async def _show(
        self,
        interaction: discord.Interaction[DefectorBot],
        embed: discord.Embed,
        view: discord.ui.View = discord.utils.MISSING,
    ) -> None:
        """Public, except while a quiz runs in the channel: then only for the member who
        asked (a card in the channel could give a question's answer away)."""
        if quiz_running_here(interaction):
            await interaction.response.send_message(
                QUIZ_RUNNING_NOTE, embed=embed, view=view, ephemeral=True
            )
        else:
            await interaction.response.send_message(embed=embed, view=view)

    async def _show_card(
        self, interaction: discord.Interaction[DefectorBot], record: Defector
    ) -> None:
        """A person's card with their timeline strip; private while a quiz runs here."""
        private = quiz_running_here(interaction)
        await pictures_ui.send_card(
            interaction, record, content=QUIZ_RUNNING_NOTE if private else None, ephemeral=private
        )

    # -- /defector lookup --------------------------------------------------------------------

    @group.command(
        name="lookup", description="Show a person's card: type a name, surname or pseudonym"
    )
    @app_commands.describe(name="Who? Typos and missing accents are fine, e.g. nureyev, suvorov")
    async def lookup(self, interaction: discord.Interaction[DefectorBot], name: str) -> None:
        service = self.lookup_service
        found = service.resolve(name)
        if isinstance(found, Defector):
            await self._show_card(interaction, found)
            return
        asked = echo(name)
        if isinstance(found, Described):
            people = list(found.records)
            text = f"No name matches “{asked}”, but it describes:"
        elif found.matches:
            people = [m.record for m in found.matches]
            text = f"Several people match “{asked}”. Which one?"
        elif found.suggestions:
            people = [m.record for m in found.suggestions]
            text = f"No one matches “{asked}” for sure. Did you mean:"
        else:
            await interaction.response.send_message(
                f"No one in the list matches “{asked}”. Try a surname, e.g. `nureyev`, "
                "or what they did, e.g. `chess player`.",
                ephemeral=True,
            )
            return
        more = None
        if len(people) > SHOWN_CHOICES:
            more = service.list_session(interaction.user.id, people, name)
            hidden = len(people) - SHOWN_CHOICES
            text += f"\n…and {hidden} more: “All {len(people)}” lists everyone."
        await interaction.response.send_message(
            text, view=suggestions_view(people, more=more), ephemeral=True
        )

    @lookup.autocomplete("name")
    async def lookup_name(
        self, interaction: discord.Interaction[DefectorBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=label, value=value)
            for label, value in self.lookup_service.autocomplete(current)[:25]
        ]

    # -- /defector random and /defector search -------------------------------------------------

    @group.command(name="random", description="A random person from the list, optionally filtered")
    @with_filters
    async def random(self, interaction: discord.Interaction[DefectorBot], filters: Filters) -> None:
        await self._show_card(interaction, self.lookup_service.random(filters))

    @group.command(
        name="search", description="List everyone matching some words or filters, 10 a page"
    )
    @app_commands.describe(text=TEXT_HELP)
    @with_filters
    async def search(
        self,
        interaction: discord.Interaction[DefectorBot],
        filters: Filters,
        text: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        service = self.lookup_service
        session = service.search(interaction.user.id, filters, text)
        embed, view = search_message(session, service.turn(session.id, interaction.user.id, 0)[1])
        await self._show(interaction, embed, view)
        due = asyncio.get_running_loop().time() + self.bot.services.search_timeout
        heapq.heappush(self._expiring, (due, interaction.id, interaction, session.id))
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep(), name="search-expiry")

    async def _sweep(self) -> None:
        """One task switches off every expired search list, one at a time and
        ``SWEEP_SPACING`` apart: 3,000 searches at once do not become 3,000 waiting tasks,
        nor 3,000 edits fired together when they expire."""
        loop = asyncio.get_running_loop()
        while self._expiring:
            due = self._expiring[0][0]
            if due > loop.time():
                # At most a second at a time: a list due sooner may arrive meanwhile (a
                # shorter SEARCH_TIMEOUT set while running).
                await asyncio.sleep(min(due - loop.time(), 1.0))
                continue
            _, _, interaction, session_id = heapq.heappop(self._expiring)
            if await self._expire(interaction, session_id):
                await asyncio.sleep(SWEEP_SPACING)

    async def _expire(self, interaction: discord.Interaction[DefectorBot], session_id: str) -> bool:
        """Disable a search list's components; False if it was already gone (no request)."""
        service = self.lookup_service
        try:
            service.session(session_id, interaction.user.id)
        except UserFacingError:  # forgotten already (the oldest go first when there are many)
            return False
        with contextlib.suppress(discord.HTTPException, UserFacingError):
            # The page its message shows now (the service follows the page turns).
            session, page = service.turn(session_id, interaction.user.id, service.shown(session_id))
            embed, view = search_message(session, page, disabled=True)
            await interaction.edit_original_response(embed=embed, view=view)
        service.forget(session_id)
        return True

    # -- /defector stats ---------------------------------------------------------------------------

    @group.command(
        name="stats", description="A chart of who left when, from where and how; filters redraw it"
    )
    @app_commands.describe(
        origin="Only people who left this country",
        method="Only people who got out this way",
        decade="Only one decade",
    )
    @app_commands.choices(decade=DECADE_CHOICES)
    async def stats(
        self,
        interaction: discord.Interaction[DefectorBot],
        origin: Origin | None = None,
        method: MethodChoice | None = None,
        decade: int | None = None,
    ) -> None:
        service = self.lookup_service
        if decade is not None and decade not in DECADES:
            raise InvalidInput(f"Pick a decade from {DECADES[0]}s to {DECADES[-1]}s.")
        filters = service.filters(
            origin=origin, method=method,
            year_from=decade, year_to=decade + 9 if decade is not None else None,
        )  # fmt: skip
        records = service.index.filter(filters) if filters.active else service.index.records
        if not records:
            raise NotFound("No one in the catalogue matches those filters.")
        described = build.describe_filters(origin, method.label if method else None, decade)
        embed = cards.stats(service.stats(records), len(records), described)
        picture = build.stats_chart(records, build.stats_subtitle(len(records), described))
        await pictures_ui.respond(interaction, embed, picture)


async def setup(bot: DefectorBot) -> None:
    await bot.add_cog(Lookup(bot))
