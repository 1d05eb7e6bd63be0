"""Errors meant for the member who caused them: the tree answers them ephemerally."""

from __future__ import annotations


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
