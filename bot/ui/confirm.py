"""Confirmations of what cannot be undone: a danger button and a Cancel button.

``/quizconfig reset scores`` (bot/ui/admin.py) and ``/privacy delete`` (bot/ui/daily.py)
each ask first. Their buttons are DynamicItems with custom ids of their own, ending in the
moment they expire; what the two confirmations share (the pair of buttons, how long they
work, the cancel and the expiry) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import discord

from bot.errors import UserFacingError
from bot.ui.components import stateless_view
from bot.ui.text import plural

CONFIRM_SECONDS = 300
"""How long a confirmation stays valid."""

Action = Literal["go", "no"]


def expiry(now: float) -> int:
    """The moment (Unix seconds) a confirmation shown at ``now`` expires, for its custom ids."""
    return int(now) + CONFIRM_SECONDS


def how_long() -> str:
    """The line under a confirmation that says who may click, and for how long."""
    return f"The buttons work for {plural(CONFIRM_SECONDS // 60, 'minute')}, for you only."


def confirm_button(action: str, label: str, custom_id: str) -> discord.ui.Button[Any]:
    """``go``: the danger button, labelled ``label``; ``no``: the Cancel button."""
    go = action == "go"
    return discord.ui.Button(
        label=label if go else "Cancel",
        style=discord.ButtonStyle.danger if go else discord.ButtonStyle.secondary,
        custom_id=custom_id,
    )


def confirm_view(button: Callable[[Action], discord.ui.Item[Any]]) -> discord.ui.View:
    """The two buttons, ``go`` first."""
    view = stateless_view()
    view.add_item(button("go"))
    view.add_item(button("no"))
    return view


async def cancel(interaction: discord.Interaction[Any]) -> None:
    """The Cancel button's answer: the confirmation becomes a line saying nothing happened."""
    await interaction.response.edit_message(
        content="Cancelled: nothing was deleted.", embed=None, view=None
    )


def check_not_expired(now: datetime, expires: int, command: str) -> None:
    if now.timestamp() > expires:
        raise UserFacingError(f"This confirmation has expired; run {command} again.")
