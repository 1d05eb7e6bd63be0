"""Safe text for Discord: escaped, clipped to Discord's limits."""

from __future__ import annotations

import discord

from bot.catalog.normalize import strip_invisible


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def echo(user_text: str, limit: int = 60) -> str:
    """A member's input, quoted back safely: no markdown, no mentions, no hidden controls."""
    plain = strip_invisible(user_text).replace("\n", " ")
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(clip(plain, limit)))
    return escaped
