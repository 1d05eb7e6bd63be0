"""Wording of quiz stats that a play-test found odd (issue 10)."""

from __future__ import annotations

from bot.quiz.model import Question, QuestionKind
from bot.records import HARDEST_KIND_MIN_ANSWERS, PlayerStats
from bot.ui.quiz import KIND_TITLES, learn_more_view, order_lines, stats_embed


def _stats(hardest: QuestionKind | None) -> PlayerStats:
    return PlayerStats(
        user_id=1, guild_id=None, games_played=1, wins=0, answers=7, correct=4, points=30,
        average_response_ms=2000.0, best_streak=2, current_streak=1, kinds=(),
        favourite_kind=QuestionKind.YEAR, hardest_kind=hardest,
    )  # fmt: skip


def test_hardest_says_which_kinds_qualify_or_is_left_out() -> None:
    """ "Hardest: Year" beside a kind with a lower accuracy read as a mistake: the minimum
    number of answers is said, and with no kind qualifying the field is left out."""
    shown = {f.name: f.value for f in stats_embed(_stats(QuestionKind.WHO), scope="x").fields}
    name = f"Hardest (of kinds with {HARDEST_KIND_MIN_ANSWERS}+ answers)"
    assert shown[name] == KIND_TITLES[QuestionKind.WHO]
    none = {f.name for f in stats_embed(_stats(None), scope="x").fields}
    assert not [n for n in none if n.startswith("Hardest")]


def test_a_chronologys_cards_follow_its_list_earliest_first() -> None:
    """The result lists the four by year; their "Learn more" buttons came in letter order."""
    question = Question(
        kind=QuestionKind.ORDER, prompt="Put these four in order of defection",
        subject="", subject_slug="", answer="CADB", accepted=("CADB",),
        choices=("Anna", "Boris", "Clara", "Dmitri"), explanation="", difficulty=1,
        people=("anna", "boris", "clara", "dmitri"), years=(1960, 1980, 1950, 1970),
    )  # fmt: skip
    assert order_lines(question).splitlines()[0] == "1. **C** Clara: 1950"
    buttons = [item.item for item in learn_more_view(question).children]  # type: ignore[attr-defined]
    assert [b.label for b in buttons] == [
        "Learn more: Clara", "Learn more: Anna", "Learn more: Dmitri", "Learn more: Boris",
    ]  # fmt: skip
    assert buttons[0].custom_id == "card:clara:p"
