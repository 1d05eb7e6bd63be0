"""Slash command options that parse and check themselves (discord.py Transformers).

A command receives typed values (a set of question kinds, a ``Method``, a destination as the
catalogue spells it) instead of parsing text itself. A value a transformer refuses raises a
``UserFacingError``, which the tree's error handler answers in words (discord.py wraps it in
a ``TransformerError``; ``DefectorTree.on_error`` unwraps it).
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.catalog.normalize import fold
from bot.catalog.vocab import ORIGIN_COUNTRIES, Method
from bot.client import DefectorBot
from bot.quiz.model import QuestionKind
from bot.services.quiz import parse_kinds

AUTOCOMPLETE_LIMIT = 25
"""Discord shows at most 25 autocomplete choices."""
MAX_CHOICE_VALUE = 60  # the profession option's max_length; a part of a profession still filters
KIND_MIXES = [
    "all",
    "year",
    "country",
    "method",
    "who",
    "year, country",
    "who, year",
    "country, method",
    "order",
    "year, order",
    "all, order",
]
"""What the kinds option suggests; any other mix may be typed."""

Interaction = discord.Interaction[DefectorBot]


def matching(values: list[str], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete from ``values``: prefix matches, then the rest that contain what was
    typed (accents and case aside)."""
    wanted = fold(current[:100])
    folded = [(value, fold(value)) for value in values]
    starts = [v for v, f in folded if f.startswith(wanted)]
    contains = [v for v, f in folded if wanted in f and not f.startswith(wanted)]
    return [
        app_commands.Choice(name=v[:100], value=v[:MAX_CHOICE_VALUE])
        for v in (starts + contains)[:AUTOCOMPLETE_LIMIT]
    ]


class _Text(app_commands.Transformer[DefectorBot]):
    """A text option of at most ``longest`` characters (None: Discord's limit)."""

    longest: int | None = None

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def min_value(self) -> int | None:
        return 1 if self.longest is not None else None

    @property
    def max_value(self) -> int | None:
        return self.longest


class KindsOption(_Text):
    """``year, who`` → the question kinds; ``all`` → every kind answered with one choice."""

    longest = 60

    async def transform(self, interaction: Interaction, value: str) -> frozenset[QuestionKind]:
        return parse_kinds(value)

    async def autocomplete(  # type: ignore[override]  # discord.py's takes any choice type
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        wanted = value.lower().strip()
        mixes = [m for m in KIND_MIXES if m.startswith(wanted) or wanted in m] or KIND_MIXES
        return [app_commands.Choice(name=m, value=m) for m in mixes[:AUTOCOMPLETE_LIMIT]]


class DestinationOption(_Text):
    """A country someone went to, as the catalogue spells it; suggests the ones it has."""

    async def transform(self, interaction: Interaction, value: str) -> str:
        return interaction.client.services.lookup.destination(value)

    async def autocomplete(  # type: ignore[override]  # discord.py's takes any choice type
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return matching(interaction.client.services.lookup.destinations(), value)


class ProfessionOption(_Text):
    """Part of a profession (free text); suggests the catalogue's."""

    longest = MAX_CHOICE_VALUE

    async def transform(self, interaction: Interaction, value: str) -> str:
        return value

    async def autocomplete(  # type: ignore[override]  # discord.py's takes any choice type
        self, interaction: Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return matching(interaction.client.services.lookup.professions(), value)


class OriginOption(_Text):
    """The country they left: one of the catalogue's countries of origin, as choices."""

    @property
    def choices(self) -> list[app_commands.Choice[str | int | float]]:
        return [app_commands.Choice(name=c, value=c) for c in sorted(ORIGIN_COUNTRIES)]

    async def transform(self, interaction: Interaction, value: str) -> str:
        return value  # only a choice gets here (DefectorTree refuses the rest)


class MethodOption(_Text):
    """How they got out: the choices show ``Method`` labels; the command gets the ``Method``."""

    @property
    def choices(self) -> list[app_commands.Choice[str | int | float]]:
        known = (m for m in Method if m is not Method.UNKNOWN)
        return [app_commands.Choice(name=m.label, value=m.value) for m in known]

    async def transform(self, interaction: Interaction, value: str) -> Method:
        return Method(value)  # only a choice gets here (DefectorTree refuses the rest)


Kinds = app_commands.Transform[frozenset[QuestionKind], KindsOption]
Origin = app_commands.Transform[str, OriginOption]
Destination = app_commands.Transform[str, DestinationOption]
Profession = app_commands.Transform[str, ProfessionOption]
MethodChoice = app_commands.Transform[Method, MethodOption]
