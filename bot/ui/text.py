"""Safe text for Discord: escaped, clipped to Discord's limits."""

from __future__ import annotations

from bot.errors import quoted


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def echo(user_text: str, limit: int = 60) -> str:
    """A member's input, quoted back safely: no markdown, no mentions, no hidden controls."""
    return quoted(user_text, limit)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` with its noun, as a person writes it: "1 player", "2 players", "1,000 people"
    (``plural_form`` for nouns that do not just take an "s")."""
    noun = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count:,} {noun}"
