"""A leaderboard query survives its trip through a page button's custom id."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.quiz.model import QuestionKind
from bot.records import Period
from bot.services.leaderboard import LeaderboardQuery, Scope, Viewer

queries = st.builds(
    LeaderboardQuery,
    scope=st.sampled_from(Scope),
    period=st.sampled_from(Period),
    kind=st.none() | st.sampled_from(QuestionKind),
    page=st.integers(1, 99_999),
)


@given(queries)
def test_a_query_comes_back_from_its_custom_id(query: LeaderboardQuery) -> None:
    text = query.encode()
    assert re.fullmatch(LeaderboardQuery.PATTERN, text)
    assert len(f"lb:{text}:n") <= 100  # Discord's limit on a custom id
    assert LeaderboardQuery.decode(text) == query


def test_buttons_posted_before_keep_working() -> None:
    """The custom ids the buttons had before the query existed read the same."""
    query = LeaderboardQuery.decode("s:w:year:3")
    assert query == LeaderboardQuery(Scope.SERVER, Period.WEEK, QuestionKind.YEAR, 3)
    assert LeaderboardQuery.decode("g:a:all:1") == LeaderboardQuery(Scope.GLOBAL, Period.ALL)


@pytest.mark.parametrize("text", ["s:w:bogus_kind:1", "x:w:all:1", "s:w:all:one"])
def test_a_query_no_longer_valid_is_refused_in_words(text: str) -> None:
    with pytest.raises(UserFacingError, match="no longer exists"):
        LeaderboardQuery.decode(text)


def test_the_server_board_needs_a_server() -> None:
    assert LeaderboardQuery(Scope.SERVER).guild_id(Viewer(1, 7)) == 7
    assert LeaderboardQuery(Scope.GLOBAL).guild_id(Viewer(1, 7)) is None
    with pytest.raises(UserFacingError, match="work in servers only"):
        LeaderboardQuery(Scope.SERVER).guild_id(Viewer(1, None))
