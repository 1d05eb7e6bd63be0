"""Errors meant for the member who caused them: the tree answers them ephemerally."""

from __future__ import annotations

from bot.catalog.normalize import strip_invisible


class UserFacingError(Exception):
    """Something the member can fix or should know; ``message`` is shown to them as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(UserFacingError):
    """An option value failed validation."""


class NotFound(UserFacingError):
    """What the member asked for does not exist (or no longer does)."""


class NotPermitted(UserFacingError):
    """The member may not do this."""


_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\*_~`|>[]()#"})


def quoted(text: str, limit: int = 50) -> str:
    """A member's input, safe to quote back in a message: one line, cut to ``limit``
    characters, markdown escaped, mentions broken, no invisible or control characters."""
    plain = "".join(
        " " if ch in "\r\n\t" else ch for ch in strip_invisible(text) if ch >= " " or ch in "\r\n\t"
    )
    if len(plain) > limit:
        plain = plain[: limit - 1] + "…"
    return plain.translate(_MARKDOWN).replace("@", "@\u200b")
