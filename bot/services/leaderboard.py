"""Which leaderboard a member asked for, as one value.

``/leaderboard`` builds a ``LeaderboardQuery`` from its options; the page buttons carry the
same query in their custom id (``LeaderboardQuery.encode`` and ``decode``), so both ask the
service the same question: ``QuizService.board(query, viewer)``. The short codes a custom id
needs (Discord allows 100 characters) are written here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NamedTuple

from bot.errors import UserFacingError
from bot.quiz.model import QuestionKind
from bot.records import Period


class Scope(StrEnum):
    SERVER = "server"
    GLOBAL = "global"


class Viewer(NamedTuple):
    """Who looks at a leaderboard (their own rank is shown), and from which server."""

    user_id: int
    guild_id: int | None


_SCOPE_CODES = {Scope.SERVER: "s", Scope.GLOBAL: "g"}
_PERIOD_CODES = {Period.WEEK: "w", Period.MONTH: "m", Period.ALL: "a"}
_ALL_KINDS = "all"


@dataclass(frozen=True, slots=True)
class LeaderboardQuery:
    scope: Scope = Scope.SERVER
    period: Period = Period.ALL
    kind: QuestionKind | None = None
    """Only this kind of question; None: all."""
    page: int = 1

    PATTERN = r"[sg]:[wma]:[a-z_]{1,24}:\d{1,5}"
    """What ``encode`` gives, as a regular expression (for a button's template)."""

    def encode(self) -> str:
        kind = self.kind.value if self.kind is not None else _ALL_KINDS
        return f"{_SCOPE_CODES[self.scope]}:{_PERIOD_CODES[self.period]}:{kind}:{self.page}"

    @classmethod
    def decode(cls, text: str) -> LeaderboardQuery:
        """The query ``encode`` gave ``text`` for; a kind no longer known (a button posted by
        an older version) is refused in words."""
        if not re.fullmatch(cls.PATTERN, text):
            raise UserFacingError("That leaderboard no longer exists.")
        scope, period, kind, page = text.split(":")
        try:
            chosen = None if kind == _ALL_KINDS else QuestionKind(kind)
        except ValueError:
            raise UserFacingError("That leaderboard no longer exists.") from None
        return cls(
            scope=next(s for s, code in _SCOPE_CODES.items() if code == scope),
            period=next(p for p, code in _PERIOD_CODES.items() if code == period),
            kind=chosen,
            page=int(page),
        )

    def on_page(self, page: int) -> LeaderboardQuery:
        return replace(self, page=page)

    def guild_id(self, viewer: Viewer) -> int | None:
        """The server whose answers count (None: every server)."""
        if self.scope is Scope.GLOBAL:
            return None
        if viewer.guild_id is None:
            raise UserFacingError("Server leaderboards work in servers only.")
        return viewer.guild_id
