"""The game state machine: phases, timers, answers, hints, permissions, scores and the winner.

Time is a plain number here: nothing sleeps and no clock is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot.quiz.game import (
    JOIN_WINDOW,
    MAX_DRAWS,
    AlreadyLockedIn,
    AnswerOutcome,
    CloseReason,
    EndReason,
    Game,
    GameEnded,
    GameError,
    GameEvent,
    GameOver,
    GameResult,
    GameSettings,
    IllegalTransition,
    InvalidChoice,
    InvalidSettings,
    Mode,
    NoMoreHints,
    NotAllowed,
    NotAsking,
    Phase,
    QuestionClosed,
    QuestionResult,
)
from bot.quiz.model import Question, QuestionKind, Verdict

STARTER = 1
MOD = 99


def make_question(
    slug: str,
    *,
    answer: str | int = "A",
    choices: Sequence[str | int] = ("A", "B", "C", "D"),
    accepted: Sequence[str | int] | None = None,
    hints: Sequence[str] = ("hint one", "hint two"),
    typed_hints: Sequence[str] = ("typed one", "typed two"),
    kind: QuestionKind = QuestionKind.ORIGIN_COUNTRY,
) -> Question:
    return Question(
        kind=kind,
        prompt=f"Where did {slug} come from?",
        subject=slug.title(),
        subject_slug=slug,
        answer=answer,
        accepted=tuple(accepted) if accepted is not None else (answer,),
        choices=tuple(choices),
        explanation=f"{slug} came from {answer}.",
        difficulty=1,
        choice_labels=tuple(str(c) for c in choices),
        hints=tuple(hints),
        typed_hints=tuple(typed_hints),
    )


def questions(n: int) -> list[Question]:
    return [make_question(f"s{i}") for i in range(1, n + 1)]


class Source:
    """Hands out its questions in order, recording what the game told it was asked."""

    def __init__(self, items: Iterable[Question | None]) -> None:
        self.items = list(items)
        self.calls: list[frozenset[str]] = []

    def __call__(self, asked: frozenset[str]) -> Question | None:
        self.calls.append(asked)
        return self.items.pop(0) if self.items else None


def judge(question: Question, value: str) -> Verdict:
    if value.strip().casefold() == str(question.answer).casefold():
        return Verdict.CORRECT
    if value == "close":
        return Verdict.CLOSE
    return Verdict.WRONG


def make_game(
    mode: Mode = Mode.BUTTONS,
    *,
    items: Iterable[Question | None] | None = None,
    game_id: str = "",
    **options: Any,
) -> Game:
    options.setdefault("rounds", 3)
    game_settings = GameSettings(mode=mode, **options)
    source = Source(items if items is not None else questions(10))
    return Game(
        game_settings, starter_id=STARTER, next_question=source, judge=judge, game_id=game_id
    )


def started(mode: Mode = Mode.BUTTONS, **options: Any) -> Game:
    game = make_game(mode, **options)
    game.start(0.0)
    return game


def phase_of(game: Game) -> Phase:
    """The phase, read through a call so a type checker does not keep an earlier narrowing."""
    return game.phase


def closed_events(events: Iterable[GameEvent]) -> list[QuestionClosed]:
    return [e for e in events if isinstance(e, QuestionClosed)]


def totals_of(results: Iterable[QuestionResult]) -> dict[int, int]:
    """Each player's points, summed over the results' awards."""
    totals: dict[int, int] = {}
    for r in results:
        for a in r.awards:
            totals[a.player_id] = totals.get(a.player_id, 0) + a.points
    return totals


# --- settings ---------------------------------------------------------------------------------


def test_default_settings() -> None:
    s = GameSettings()
    assert (s.rounds, s.mode, s.seconds_per_question, s.inactivity_seconds) == (
        10,
        Mode.BUTTONS,
        20.0,
        120.0,
    )
    assert (s.score_target, s.base_points, s.hint_cost) == (None, 10, 3)
    assert s.kinds == frozenset(QuestionKind)


@pytest.mark.parametrize(
    "options",
    [
        {"rounds": 0},
        {"rounds": 51},
        {"rounds": True},
        {"kinds": frozenset()},
        {"kinds": {QuestionKind.YEAR}},
        {"kinds": frozenset({"year"})},
        {"mode": "buttons"},
        {"seconds_per_question": 4.9},
        {"seconds_per_question": 120.5},
        {"seconds_per_question": float("nan")},
        {"seconds_per_question": 30, "inactivity_seconds": 29},
        {"inactivity_seconds": float("inf")},
        {"score_target": 0},
        {"base_points": 0},
        {"hint_cost": -1},
    ],
)
def test_invalid_settings_are_refused_with_a_message(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidSettings) as caught:
        GameSettings(**options)
    assert isinstance(caught.value, GameError)
    assert caught.value.message and str(caught.value) == caught.value.message


def test_boundary_settings_are_accepted() -> None:
    GameSettings(rounds=1, seconds_per_question=5, inactivity_seconds=5, score_target=1)
    GameSettings(rounds=50, seconds_per_question=120, hint_cost=0, base_points=1)


def test_every_error_has_a_user_facing_message() -> None:
    for error in (NotAsking, GameOver, NotAllowed, InvalidChoice, NoMoreHints, IllegalTransition):
        assert issubclass(error, GameError)
        assert error().message
        assert error("custom").message == "custom"


# --- phases -----------------------------------------------------------------------------------


def test_new_game_is_ready_and_idle() -> None:
    game = make_game()
    assert game.phase is Phase.READY
    assert (game.current, game.deadline, game.question_number, game.result) == (None, None, 0, None)
    assert game.tick(1000.0) == []  # no timers before the start
    assert game.phase is Phase.READY


def test_start_opens_the_first_question() -> None:
    source = Source(questions(3))
    game = Game(GameSettings(rounds=3), starter_id=STARTER, next_question=source, judge=judge)
    first = game.start(100.0)
    assert first is not None and first.subject_slug == "s1"
    assert game.phase is Phase.ASKING
    assert game.current == first
    assert game.deadline == 120.0
    assert game.question_number == 1
    assert source.calls == [frozenset()]


def test_start_twice_is_illegal() -> None:
    game = started()
    with pytest.raises(IllegalTransition):
        game.start(1.0)
    assert game.question_number == 1


def test_moves_before_the_start() -> None:
    game = make_game()
    with pytest.raises(IllegalTransition):
        game.advance(0.0)
    with pytest.raises(NotAsking):
        game.hint(STARTER, 0.0)
    with pytest.raises(NotAsking):
        game.skip(STARTER, 0.0)
    assert game.answer(5, "A", 0.0) is AnswerOutcome.TOO_LATE
    assert game.phase is Phase.READY


def test_stop_before_the_start_ends_an_empty_game() -> None:
    game = make_game()
    result = game.stop(STARTER, 3.0)
    assert (result.reason, result.questions_asked, result.winner) == (EndReason.STOPPED, 0, None)
    assert game.phase is Phase.FINISHED


def test_advance_while_asking_is_illegal() -> None:
    game = started()
    with pytest.raises(IllegalTransition):
        game.advance(10.0)
    assert game.phase is Phase.ASKING and game.question_number == 1


def test_advance_after_the_deadline_closes_by_timeout_first() -> None:
    game = started()
    second = game.advance(25.0)
    assert second is not None and second.subject_slug == "s2"
    assert [r.reason for r in game.results] == [CloseReason.TIMEOUT]
    assert game.results[0].closed_at == 20.0
    assert game.deadline == 45.0


def test_full_game_walks_through_every_phase() -> None:
    game = started(rounds=3)
    for number in (1, 2, 3):
        assert game.phase is Phase.ASKING and game.question_number == number
        t = game.deadline
        assert t is not None
        events = game.tick(t + 1)
        assert [e.result.number for e in closed_events(events)] == [number]
        if number < 3:
            assert phase_of(game) is Phase.BETWEEN
            assert game.current is None and game.deadline is None
            assert game.advance(t + 2) is not None
    # The outcome is known when the last question closes: no advance needed.
    assert game.phase is Phase.FINISHED
    assert game.result is not None and game.result.reason is EndReason.COMPLETED
    assert game.result.questions_asked == 3
    assert game.advance(200.0) is None


def test_moves_on_a_finished_game() -> None:
    game = started(rounds=1)
    game.tick(21.0)
    assert game.phase is Phase.FINISHED
    result = game.result
    with pytest.raises(IllegalTransition):
        game.start(22.0)
    for move in (game.skip, game.stop, game.hint):
        with pytest.raises(GameOver):
            move(STARTER, 22.0, moderator=True)
    assert game.advance(22.0) is None
    assert game.interrupt(22.0) is result
    assert game.tick(500.0) == []
    assert game.result is result


# --- deadlines and late answers ---------------------------------------------------------------


def test_a_button_answer_exactly_at_the_deadline_counts() -> None:
    game = started()
    assert game.answer(5, "A", 20.0) is AnswerOutcome.LOCKED_IN
    assert game.tick(20.0) == []  # still open at the deadline itself
    [event] = closed_events(game.tick(20.001))
    assert [a.player_id for a in event.result.awards] == [5]
    assert event.result.awards[0].points == 5  # half of the base at the last moment


def test_a_button_answer_just_after_the_deadline_is_too_late() -> None:
    game = started()
    assert game.answer(5, "A", 20.001) is AnswerOutcome.TOO_LATE
    [result] = game.results
    assert (result.reason, result.closed_at, result.awards) == (CloseReason.TIMEOUT, 20.0, ())
    assert game.phase is Phase.BETWEEN


def test_a_typed_answer_exactly_at_the_deadline_wins() -> None:
    game = started(Mode.TYPED)
    assert game.answer(5, "a", 20.0) is AnswerOutcome.WINNER
    assert game.results[0].reason is CloseReason.ANSWERED


def test_a_typed_answer_just_after_the_deadline_is_too_late() -> None:
    game = started(Mode.TYPED)
    assert game.answer(5, "A", 20.001) is AnswerOutcome.TOO_LATE
    assert game.results[0].reason is CloseReason.TIMEOUT
    assert game.scores == {}


def test_a_close_caused_by_any_call_is_delivered_once_by_tick() -> None:
    game = started()
    assert game.answer(5, "A", 30.0) is AnswerOutcome.TOO_LATE  # closes question 1 by timeout
    events = game.tick(31.0)
    assert [type(e) for e in events] == [QuestionClosed]
    assert game.tick(32.0) == []
    assert game.drain_events() == []


def test_answers_between_questions_and_after_the_end_are_too_late() -> None:
    game = started(Mode.TYPED, rounds=2)
    assert game.answer(5, "A", 1.0) is AnswerOutcome.WINNER
    assert game.phase is Phase.BETWEEN
    assert game.answer(6, "A", 1.0) is AnswerOutcome.TOO_LATE
    game.stop(STARTER, 2.0)
    assert game.answer(6, "A", 3.0) is AnswerOutcome.TOO_LATE
    assert game.scores == {5: 10}


def test_buttons_too_late_is_checked_before_the_choice() -> None:
    game = started()
    game.tick(21.0)
    assert game.answer(5, "not a choice", 22.0) is AnswerOutcome.TOO_LATE


# --- buttons ----------------------------------------------------------------------------------


def test_buttons_score_every_correct_player_by_speed_at_close() -> None:
    game = started()
    assert game.answer(11, "A", 0.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(12, "A", 5.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(13, "B", 6.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(14, "A", 10.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(15, "A", 20.0) is AnswerOutcome.LOCKED_IN
    assert game.scores == {}  # correctness is revealed at close
    [event] = closed_events(game.tick(21.0))
    awards = {a.player_id: a for a in event.result.awards}
    assert [a.player_id for a in event.result.awards] == [11, 12, 13, 14, 15]
    assert {p: a.points for p, a in awards.items()} == {11: 10, 12: 9, 13: 0, 14: 8, 15: 5}
    assert awards[13].correct is False and awards[13].verdict is Verdict.WRONG
    assert awards[12].correct is True and awards[12].verdict is Verdict.CORRECT
    assert awards[12].response_time == 5.0 and awards[12].value == "A"
    assert game.scores == {11: 10, 12: 9, 13: 0, 14: 8, 15: 5}


def test_a_second_click_changes_nothing() -> None:
    game = started()
    assert game.answer(5, "B", 1.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(5, "A", 2.0) is AnswerOutcome.ALREADY_ANSWERED
    assert game.answer(5, "B", 3.0) is AnswerOutcome.ALREADY_ANSWERED
    [award] = closed_events(game.tick(21.0))[0].result.awards
    assert (award.value, award.correct, award.points, award.response_time) == ("B", False, 0, 1.0)


def test_an_invalid_choice_is_refused_and_changes_nothing() -> None:
    game = started()
    with pytest.raises(InvalidChoice):
        game.answer(5, "E", 1.0, event_id=42)
    assert game.locked_in == frozenset()
    assert game.last_activity == 0.0
    # The refused event id was not consumed.
    assert game.answer(5, "A", 2.0, event_id=42) is AnswerOutcome.LOCKED_IN


def test_buttons_compare_choices_as_text_and_accept_every_accepted_answer() -> None:
    year = make_question(
        "y", answer=1961, choices=(1959, 1961, 1963, 1965), accepted=(1961, 1963), hints=()
    )
    game = make_game(items=[year], rounds=1)
    game.start(0.0)
    assert game.answer(11, "1961", 1.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(12, "1963", 1.0) is AnswerOutcome.LOCKED_IN
    assert game.answer(13, "1959", 1.0) is AnswerOutcome.LOCKED_IN
    with pytest.raises(InvalidChoice):
        game.answer(14, "1961.0", 1.0)
    game.tick(21.0)
    assert [a.correct for a in game.results[0].awards] == [True, True, False]


def test_buttons_rounding_is_half_up() -> None:
    game = started(base_points=10)
    game.answer(11, "A", 10.0)  # 10 * 0.75 = 7.5 -> 8
    game.answer(12, "A", 18.0)  # 10 * 0.55 = 5.5 -> 6
    game.tick(21.0)
    assert game.scores == {11: 8, 12: 6}


# --- early close (buttons) --------------------------------------------------------------------


def test_a_lone_starter_closes_the_question_with_their_click() -> None:
    game = started(rounds=2)
    assert game.players == {STARTER}
    assert game.answer(STARTER, "A", 6.0) is AnswerOutcome.LOCKED_IN  # after the join window
    [event] = closed_events(game.drain_events())
    result = event.result
    assert (result.reason, result.closed_at) == (CloseReason.ALL_ANSWERED, 6.0)
    assert [(a.player_id, a.points) for a in result.awards] == [(STARTER, 9)]
    assert game.phase is Phase.BETWEEN


def test_a_fast_starter_does_not_shut_out_the_others() -> None:
    game = started(rounds=2)
    assert game.settings.join_window == 5.0  # a quarter of 20 s, at most JOIN_WINDOW
    game.answer(STARTER, "A", 1.0)
    assert game.phase is Phase.ASKING and game.deadline == 5.0  # the join window's end
    assert game.answer(7, "A", 3.0) is AnswerOutcome.LOCKED_IN  # a newcomer still gets in
    assert closed_events(game.tick(4.9)) == []
    [event] = closed_events(game.tick(5.0))
    assert (event.result.reason, event.result.closed_at) == (CloseReason.ALL_ANSWERED, 5.0)
    assert {a.player_id for a in event.result.awards} == {STARTER, 7}


def test_a_member_who_has_begun_an_order_is_waited_for() -> None:
    """A chronology order takes several clicks: its first pick makes a member a player, so
    everyone else locking in does not close the question under them (play-test finding)."""
    game = started(rounds=2)
    game.answer(STARTER, "A", 1.0)  # everyone playing has answered: closes at 5.0
    game.begin_answer(7, 2.0)  # 7's first pick, before the close
    assert game.players == {STARTER, 7}
    assert closed_events(game.tick(6.0)) == []  # no early close at the window's end
    game.answer(7, "A", 8.0)  # 7's order is complete: all have answered, after the window
    [event] = closed_events(game.drain_events())
    assert (event.result.reason, event.result.closed_at) == (CloseReason.ALL_ANSWERED, 8.0)
    assert {a.player_id for a in event.result.awards} == {STARTER, 7}


def test_beginning_an_answer_after_the_close_changes_nothing() -> None:
    game = started(rounds=2)
    game.answer(STARTER, "A", 6.0)  # closes at once
    game.begin_answer(7, 6.5)
    assert game.phase is Phase.BETWEEN and 7 not in game.players


def test_the_join_window_is_a_quarter_of_a_short_question() -> None:
    assert make_game(seconds_per_question=8.0).settings.join_window == 2.0
    assert make_game(seconds_per_question=60.0).settings.join_window == JOIN_WINDOW


def test_the_question_waits_for_everyone_who_has_played_this_game() -> None:
    game = started(rounds=3)
    game.answer(5, "A", 1.0)  # a newcomer: now the game waits for the starter and for 5
    assert game.phase is Phase.ASKING and game.players == {STARTER, 5}
    game.answer(STARTER, "B", 6.0)
    assert game.results[-1].reason is CloseReason.ALL_ANSWERED
    game.advance(7.0)
    game.answer(STARTER, "A", 13.0)
    assert game.phase is Phase.ASKING  # 5 played question 1: still waited for
    game.answer(6, "A", 14.0)  # and 6 joins
    assert game.phase is Phase.ASKING
    game.answer(5, "A", 15.0)
    event = closed_events(game.drain_events())[-1]
    assert (event.result.number, event.result.reason) == (2, CloseReason.ALL_ANSWERED)
    assert {a.player_id for a in event.result.awards} == {STARTER, 5, 6}


def test_a_player_who_goes_quiet_is_waited_for_until_the_deadline() -> None:
    game = started(rounds=2)
    game.answer(5, "A", 1.0)
    game.answer(STARTER, "A", 1.0)
    game.tick(5.0)
    game.advance(6.0)
    game.answer(STARTER, "A", 7.0)  # 5 does not answer question 2
    event = closed_events(game.tick(27.0))[-1]
    assert (event.result.reason, event.result.closed_at) == (CloseReason.TIMEOUT, 26.0)


def test_an_early_close_on_the_last_round_ends_the_game() -> None:
    game = started(rounds=1)
    game.answer(STARTER, "A", 5.0)
    events = game.drain_events()
    assert [type(e) for e in events] == [QuestionClosed, GameEnded]
    assert game.result is not None and game.result.reason is EndReason.COMPLETED


def test_typed_guesses_never_close_a_question_early() -> None:
    game = started(Mode.TYPED)
    assert game.answer(STARTER, "nope", 1.0) is AnswerOutcome.WRONG
    assert game.phase is Phase.ASKING


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    clicks=st.lists(
        st.tuples(st.integers(1, 4), st.sampled_from(["A", "B"]), st.floats(0.0, 20.0)),
        max_size=8,
    )
)
def test_skip_stop_and_early_close_score_exactly_like_a_timeout(
    clicks: list[tuple[int, str, float]],
) -> None:
    """Whatever closes a question, the points of its locked-in answers are those a timeout
    would have given (the rule the ledger, the stats and the result all show)."""
    clicks = sorted(clicks, key=lambda c: c[2])

    def play(ending: str) -> dict[int, int]:
        game = started(rounds=1)
        for player, value, at in clicks:
            if game.phase is not Phase.ASKING:
                break
            game.answer(player, value, at)
        if game.phase is Phase.ASKING:
            last = clicks[-1][2] if clicks else 0.0
            if ending == "skip":
                game.skip(STARTER, last)
            elif ending == "stop":
                game.stop(STARTER, last)
            else:
                game.tick(100.0)
        return {a.player_id: a.points for r in game.results for a in r.awards}

    scored = play("timeout")
    assert play("skip") == play("stop") == scored
    for player, points in scored.items():  # a player's first click is the one that counts
        value, at = next((v, t) for p, v, t in clicks if p == player)
        assert points == (GameSettings().points(elapsed=at, hints_seen=0) if value == "A" else 0)


# --- hints and locked-in answers ----------------------------------------------------------------


def test_a_hint_is_refused_to_whoever_has_locked_in() -> None:
    game = started(rounds=2)
    game.answer(5, "B", 1.0)
    with pytest.raises(AlreadyLockedIn) as refused:
        game.hint(5, 2.0)
    assert "already locked in" in refused.value.message
    assert game.hints_used == 0
    assert game.hint(6, 2.0) == "hint one"  # someone still thinking may take it


def test_a_typed_guess_does_not_stop_a_player_taking_a_hint() -> None:
    game = started(Mode.TYPED)
    game.answer(5, "nope", 1.0)
    assert game.hint(5, 2.0) == "typed one"


def test_each_mode_reveals_its_own_hints() -> None:
    """Typed mode shows no choices, so a buttons hint ("It is not “Bulgaria”") is no use there."""
    typed, buttons = started(Mode.TYPED), started(Mode.BUTTONS)
    assert [typed.hint(5, 1.0), typed.hint(5, 2.0)] == ["typed one", "typed two"]
    assert [buttons.hint(5, 1.0), buttons.hint(5, 2.0)] == ["hint one", "hint two"]
    for game in (typed, buttons):  # two hints each, both shown
        with pytest.raises(NoMoreHints):
            game.hint(5, 3.0)


def test_the_scoring_rule_is_one_function_of_the_settings() -> None:
    buttons = GameSettings(seconds_per_question=20)
    assert buttons.points(elapsed=0, hints_seen=0) == buttons.base_points
    assert buttons.points(elapsed=20, hints_seen=0) == 5
    assert buttons.points(elapsed=99, hints_seen=0) == 5  # clamped to the deadline
    assert buttons.points(elapsed=0, hints_seen=1) == buttons.base_points - buttons.hint_cost
    assert buttons.points(elapsed=20, hints_seen=9) == 1
    typed = GameSettings(mode=Mode.TYPED)
    assert typed.points(elapsed=0, hints_seen=0) == typed.points(elapsed=19, hints_seen=0) == 10


# --- typed ------------------------------------------------------------------------------------


def test_typed_first_correct_answer_wins_even_in_the_same_instant() -> None:
    game = started(Mode.TYPED)
    assert game.answer(7, "A", 3.0) is AnswerOutcome.WINNER
    assert game.answer(8, "A", 3.0) is AnswerOutcome.TOO_LATE
    [result] = game.results
    assert (result.reason, result.closed_at) == (CloseReason.ANSWERED, 3.0)
    assert [(a.player_id, a.points, a.correct) for a in result.awards] == [(7, 10, True)]
    assert game.scores == {7: 10}


def test_typed_wrong_and_close_guesses_may_be_repeated() -> None:
    game = started(Mode.TYPED)
    assert game.answer(7, "nope", 1.0) is AnswerOutcome.WRONG
    assert game.answer(7, "close", 2.0) is AnswerOutcome.CLOSE
    assert game.answer(8, "close", 2.5) is AnswerOutcome.CLOSE
    assert game.answer(7, "nope", 3.0) is AnswerOutcome.WRONG
    assert game.phase is Phase.ASKING
    assert game.answer(7, "A", 4.0) is AnswerOutcome.WINNER
    awards = {a.player_id: a for a in game.results[0].awards}
    assert (awards[7].value, awards[7].points, awards[7].response_time) == ("A", 10, 4.0)
    # CLOSE earns no partial credit; the award keeps the last guess and its verdict.
    assert (awards[8].value, awards[8].verdict, awards[8].points) == ("close", Verdict.CLOSE, 0)


def test_typed_timeout_records_last_guesses_without_points() -> None:
    game = started(Mode.TYPED)
    game.answer(7, "close", 1.0)
    game.answer(7, "nope", 2.0)
    [event] = closed_events(game.tick(20.5))
    [award] = event.result.awards
    assert (award.value, award.verdict, award.correct, award.points) == (
        "nope",
        Verdict.WRONG,
        False,
        0,
    )
    assert game.scores == {7: 0}
    assert event.result.scorers == ()


def test_typed_points_do_not_depend_on_speed() -> None:
    game = started(Mode.TYPED, rounds=2)
    game.answer(7, "A", 19.0)
    game.advance(20.0)
    game.answer(8, "A", 20.5)
    assert game.scores == {7: 10, 8: 10}


# --- duplicate events -------------------------------------------------------------------------


def test_a_redelivered_event_changes_nothing() -> None:
    game = started()
    assert game.answer(5, "A", 1.0, event_id=100) is AnswerOutcome.LOCKED_IN
    assert game.answer(5, "A", 2.0, event_id=100) is AnswerOutcome.DUPLICATE_EVENT
    assert game.answer(6, "B", 2.0, event_id=100) is AnswerOutcome.DUPLICATE_EVENT
    assert game.last_activity == 1.0
    assert len(game.locked_in) == 1


def test_a_redelivered_winning_message_is_a_duplicate_not_a_second_win() -> None:
    game = started(Mode.TYPED, rounds=2)
    assert game.answer(5, "A", 1.0, event_id=7) is AnswerOutcome.WINNER
    game.advance(2.0)
    assert game.answer(5, "A", 3.0, event_id=7) is AnswerOutcome.DUPLICATE_EVENT
    assert game.phase is Phase.ASKING and game.scores == {5: 10}


def test_a_duplicate_late_event_is_still_a_duplicate() -> None:
    game = started()
    assert game.answer(5, "A", 30.0, event_id=1) is AnswerOutcome.TOO_LATE
    assert game.answer(5, "A", 31.0, event_id=1) is AnswerOutcome.DUPLICATE_EVENT


# --- hints ------------------------------------------------------------------------------------


def test_hints_are_revealed_in_order_then_run_out() -> None:
    game = started(rounds=2)
    assert game.hint(5, 1.0) == "hint one"  # anyone may ask
    assert game.hint(6, 2.0) == "hint two"
    assert game.hints_used == 2
    with pytest.raises(NoMoreHints):
        game.hint(5, 3.0)
    game.tick(21.0)
    assert game.results[0].hints_used == 2
    with pytest.raises(NotAsking):
        game.hint(5, 21.5)
    game.advance(22.0)
    assert game.hints_used == 0 and game.hint(5, 23.0) == "hint one"


def test_hints_lower_button_points_for_answers_given_after_them() -> None:
    game = started(hint_cost=3)
    game.answer(11, "A", 0.0)  # before any hint: full 10
    game.hint(9, 0.0)
    game.answer(12, "A", 0.0)  # one hint: 10 - 3
    game.hint(9, 0.0)
    game.answer(13, "A", 0.0)  # two hints: 10 - 6
    game.answer(14, "A", 20.0)  # 5 - 6 -> never below 1
    game.tick(21.0)
    assert game.scores == {11: 10, 12: 7, 13: 4, 14: 1}
    assert [a.hints_seen for a in game.results[0].awards] == [0, 1, 2, 2]


def test_hints_lower_typed_points() -> None:
    game = started(Mode.TYPED, rounds=2, hint_cost=4)
    game.hint(5, 1.0)
    game.answer(5, "A", 2.0)
    assert game.scores == {5: 6}
    game.advance(3.0)
    game.hint(5, 4.0)
    game.hint(5, 4.0)
    game.answer(6, "A", 5.0)
    assert game.scores == {5: 6, 6: 2}


def test_typed_points_floor_at_one() -> None:
    game = started(Mode.TYPED, hint_cost=6)
    game.hint(5, 1.0)
    game.hint(5, 1.0)
    game.answer(5, "A", 2.0)
    assert game.scores == {5: 1}


# --- skip and stop permissions ----------------------------------------------------------------


def test_only_the_starter_or_a_moderator_may_skip() -> None:
    game = started(rounds=5)
    with pytest.raises(NotAllowed):
        game.skip(2, 1.0)
    assert game.phase is Phase.ASKING
    game.answer(5, "A", 1.0)
    result = game.skip(STARTER, 2.0)
    assert (result.reason, result.closed_at, result.number) == (CloseReason.SKIPPED, 2.0, 1)
    [award] = result.awards  # a locked-in answer scores as if time had run out
    assert (award.correct, award.points) == (True, 10)
    assert game.scores == {5: 10}
    game.advance(3.0)
    assert game.skip(MOD, 4.0, moderator=True).reason is CloseReason.SKIPPED
    with pytest.raises(NotAsking):
        game.skip(STARTER, 5.0)


def test_skipping_the_last_round_completes_the_game() -> None:
    game = started(rounds=1)
    game.skip(STARTER, 1.0)
    assert game.result is not None and game.result.reason is EndReason.COMPLETED


def test_only_the_starter_or_a_moderator_may_stop() -> None:
    game = started()
    with pytest.raises(NotAllowed):
        game.stop(2, 1.0)
    with pytest.raises(NotAllowed):
        game.stop(MOD, 1.0)  # not flagged as a moderator
    assert game.phase is Phase.ASKING
    result = game.stop(MOD, 1.0, moderator=True)
    assert result.reason is EndReason.STOPPED and phase_of(game) is Phase.FINISHED


def test_stop_scores_the_answers_locked_in_to_the_open_question() -> None:
    game = started()
    game.answer(5, "A", 1.0)
    events = game.drain_events()
    assert events == []
    result = game.stop(STARTER, 2.0)
    assert [r.reason for r in game.results] == [CloseReason.STOPPED]
    assert game.results[0].awards[0].points == 10  # locked in: scored as at a timeout
    assert (result.scores, result.winner, result.ended_at) == ({5: 10}, 5, 2.0)
    events = game.drain_events()
    assert [type(e) for e in events] == [QuestionClosed, GameEnded]


def test_stop_between_questions() -> None:
    game = started(Mode.TYPED)
    game.answer(5, "A", 1.0)
    result = game.stop(STARTER, 2.0)
    assert (result.reason, result.winner, result.questions_asked) == (EndReason.STOPPED, 5, 1)
    assert [r.reason for r in game.results] == [CloseReason.ANSWERED]


# --- score target -----------------------------------------------------------------------------


def test_a_score_target_ends_a_buttons_game_early() -> None:
    game = started(rounds=10, score_target=15)
    game.answer(5, "A", 0.0)
    game.tick(21.0)
    assert game.phase is Phase.BETWEEN
    game.advance(22.0)
    game.answer(5, "A", 22.0)
    game.answer(6, "A", 22.0)
    events = game.tick(43.0)
    assert [type(e) for e in events] == [QuestionClosed, GameEnded]
    result = game.result
    assert result is not None
    assert (result.reason, result.winner, result.ended_at) == (EndReason.TARGET_REACHED, 5, 42.0)
    assert result.questions_asked == 2 and phase_of(game) is Phase.FINISHED


def test_a_score_target_ends_a_typed_game_on_the_winning_answer() -> None:
    game = started(Mode.TYPED, rounds=10, score_target=10)
    assert game.answer(5, "A", 2.0) is AnswerOutcome.WINNER
    assert game.result is not None and game.result.reason is EndReason.TARGET_REACHED


def test_the_target_outranks_completion_on_the_last_round() -> None:
    game = started(Mode.TYPED, rounds=1, score_target=1)
    game.answer(5, "A", 2.0)
    assert game.result is not None and game.result.reason is EndReason.TARGET_REACHED


# --- inactivity -------------------------------------------------------------------------------


def run_like_a_cog(
    game: Game,
    until: float,
    answers: dict[float, tuple[int, str]] | None = None,
    step: float = 1.0,
) -> list[GameEvent]:
    """Tick every ``step`` seconds and advance as soon as a question closes."""
    answers = answers or {}
    delivered: list[GameEvent] = []
    game.start(0.0)
    t = 0.0
    while game.phase is not Phase.FINISHED and t < until:
        t += step
        if t in answers:
            game.answer(*answers[t], t)
        delivered.extend(game.tick(t))
        if game.phase is Phase.BETWEEN:
            game.advance(t)
    delivered.extend(game.drain_events())
    return delivered


def test_a_silent_game_ends_at_the_inactivity_limit_while_questions_time_out() -> None:
    game = make_game(rounds=10)
    events = run_like_a_cog(game, until=1000.0)
    result = game.result
    assert result is not None
    assert (result.reason, result.ended_at, result.winner) == (EndReason.INACTIVE, 120.0, None)
    reasons = [r.reason for r in game.results]
    assert reasons == [CloseReason.TIMEOUT] * 5 + [CloseReason.INACTIVE]
    assert game.results[-1].closed_at == 120.0
    assert [e.result for e in closed_events(events)] == game.results
    assert [e for e in events if isinstance(e, GameEnded)] == [GameEnded(result)]


def test_an_answer_resets_the_inactivity_timer() -> None:
    game = make_game(Mode.TYPED, rounds=20)
    run_like_a_cog(game, until=1000.0, answers={30.0: (5, "wrong")})
    result = game.result
    assert result is not None
    assert (result.reason, result.ended_at) == (EndReason.INACTIVE, 150.0)
    assert result.scores == {5: 0}


def test_inactivity_between_questions() -> None:
    game = started(seconds_per_question=20, inactivity_seconds=30)
    game.tick(21.0)
    assert game.tick(29.999) == []
    [ended] = game.tick(30.0)
    assert isinstance(ended, GameEnded)
    assert (ended.result.reason, ended.result.ended_at) == (EndReason.INACTIVE, 30.0)
    assert ended.result.questions_asked == 1


def test_advance_past_the_inactivity_limit_ends_the_game() -> None:
    game = started(seconds_per_question=20, inactivity_seconds=30)
    game.tick(21.0)
    assert game.advance(45.0) is None
    assert game.result is not None and game.result.reason is EndReason.INACTIVE
    assert game.result.ended_at == 30.0


def test_the_inactivity_limit_wins_a_tie_with_the_deadline() -> None:
    game = started(seconds_per_question=20, inactivity_seconds=20)
    assert game.answer(5, "A", 20.0) is AnswerOutcome.TOO_LATE
    assert game.results[0].reason is CloseReason.INACTIVE
    assert game.result is not None and game.result.reason is EndReason.INACTIVE


def test_the_inactive_close_scores_what_was_locked_in() -> None:
    game = started(seconds_per_question=20, inactivity_seconds=20)
    game.answer(5, "A", 0.0)  # inactive_at == deadline == 20
    game.tick(20.0)
    assert game.results[0].reason is CloseReason.INACTIVE
    [award] = game.results[0].awards
    assert (award.correct, award.points) == (True, 10)


def test_hints_and_skips_are_not_activity() -> None:
    game = started(rounds=10, inactivity_seconds=30)
    game.hint(5, 10.0)
    game.skip(STARTER, 11.0)
    game.advance(12.0)
    game.hint(5, 25.0)
    game.tick(30.0)
    assert game.result is not None and game.result.reason is EndReason.INACTIVE


def test_late_answers_between_questions_are_activity() -> None:
    game = started(rounds=10, inactivity_seconds=30)
    game.tick(21.0)
    assert game.answer(5, "A", 25.0) is AnswerOutcome.TOO_LATE
    game.tick(54.0)
    assert game.phase is Phase.BETWEEN
    game.tick(55.0)
    assert game.result is not None and game.result.ended_at == 55.0


# --- the question source ----------------------------------------------------------------------


def test_the_source_is_told_what_was_asked() -> None:
    source = Source(questions(3))
    game = Game(GameSettings(rounds=3), starter_id=1, next_question=source, judge=judge)
    game.start(0.0)
    game.advance(25.0)
    game.advance(50.0)
    assert source.calls == [frozenset(), frozenset({"s1"}), frozenset({"s1", "s2"})]


def test_a_repeated_subject_is_refused_and_the_source_asked_again() -> None:
    s1, s2 = make_question("s1"), make_question("s2")
    source = Source([s1, s1, s2])
    game = Game(GameSettings(rounds=2), starter_id=1, next_question=source, judge=judge)
    game.start(0.0)
    assert game.advance(25.0) == s2
    assert [r.question.subject_slug for r in game.results] == ["s1"]
    assert len(source.calls) == 3


def test_a_source_that_only_repeats_exhausts_the_game() -> None:
    s1 = make_question("s1")
    source = Source([s1] * (MAX_DRAWS + 1))
    game = Game(GameSettings(rounds=5), starter_id=1, next_question=source, judge=judge)
    game.start(0.0)
    assert game.advance(25.0) is None
    assert game.result is not None and game.result.reason is EndReason.EXHAUSTED
    assert len(source.calls) == 1 + MAX_DRAWS


def test_questions_of_other_kinds_or_without_choices_are_refused() -> None:
    wrong_kind = make_question("w", kind=QuestionKind.YEAR)
    no_choices = make_question("n", choices=())
    good = make_question("g")
    kinds = frozenset({QuestionKind.ORIGIN_COUNTRY})
    game = make_game(items=[wrong_kind, no_choices, good], kinds=kinds)
    assert game.start(0.0) == good
    typed = make_game(Mode.TYPED, items=[no_choices], kinds=kinds)
    assert typed.start(0.0) == no_choices  # typed questions need no buttons


def test_an_empty_source_exhausts_the_game_at_the_start() -> None:
    game = make_game(items=[])
    assert game.start(0.0) is None
    result = game.result
    assert result is not None
    assert (result.reason, result.questions_asked, result.winner) == (EndReason.EXHAUSTED, 0, None)
    assert game.phase is Phase.FINISHED


def test_exhaustion_mid_game_keeps_the_scores() -> None:
    game = make_game(Mode.TYPED, items=questions(1), rounds=5)
    game.start(0.0)
    game.answer(5, "A", 1.0)
    assert game.advance(2.0) is None
    result = game.result
    assert result is not None
    assert (result.reason, result.winner, result.ended_at) == (EndReason.EXHAUSTED, 5, 2.0)


# --- the winner -------------------------------------------------------------------------------


def _after_one_point_to_seven(**options: Any) -> Game:
    game = make_game(Mode.TYPED, items=questions(options.pop("n", 5)), **options)
    game.start(0.0)
    game.answer(8, "wrong", 0.5)
    game.answer(7, "A", 1.0)
    return game


ENDINGS: dict[EndReason, tuple[dict[str, Any], Callable[[Game], object]]] = {
    EndReason.COMPLETED: ({"rounds": 1}, lambda g: None),
    EndReason.TARGET_REACHED: ({"score_target": 5}, lambda g: None),
    EndReason.STOPPED: ({}, lambda g: g.stop(STARTER, 2.0)),
    EndReason.INACTIVE: ({}, lambda g: g.tick(121.0)),
    EndReason.EXHAUSTED: ({"n": 1}, lambda g: g.advance(2.0)),
    EndReason.INTERRUPTED: ({}, lambda g: g.interrupt(2.0)),
}


@pytest.mark.parametrize("reason", list(EndReason))
def test_every_ending_names_the_winner(reason: EndReason) -> None:
    options, finish = ENDINGS[reason]
    game = _after_one_point_to_seven(**options)
    finish(game)
    result = game.result
    assert result is not None and result.reason is reason
    assert result.winner == 7
    assert result.standings == ((7, 10), (8, 0))
    assert result.scores == {7: 10, 8: 0}


@pytest.mark.parametrize("reason", list(EndReason))
def test_every_ending_without_points_has_no_winner(reason: EndReason) -> None:
    options, finish = ENDINGS[reason]
    options = {k: v for k, v in options.items() if k != "score_target"}
    game = make_game(Mode.TYPED, items=questions(options.pop("n", 5)), **options)
    game.start(0.0)
    game.answer(8, "wrong", 0.5)
    if reason is EndReason.TARGET_REACHED:
        game.stop(STARTER, 2.0)  # nobody can reach a target without points
    else:
        game.tick(21.0)  # question 1 times out
        finish(game)
    result = game.result
    assert result is not None and result.winner is None
    assert result.standings == ((8, 0),)


def test_nobody_answering_means_empty_standings() -> None:
    game = started()
    result = game.stop(STARTER, 1.0)
    assert (result.scores, result.standings, result.winner) == ({}, (), None)


def test_a_tie_goes_to_who_reached_the_total_first_not_the_lowest_id() -> None:
    game = started(Mode.TYPED, rounds=2)
    game.answer(2, "A", 1.0)
    game.advance(2.0)
    game.answer(1, "A", 3.0)
    result = game.result
    assert result is not None
    assert result.standings == ((2, 10), (1, 10))
    assert result.winner == 2


def test_a_tie_is_decided_by_the_final_total_not_the_first_points() -> None:
    game = started(rounds=3)
    game.answer(1, "A", 20.0)  # 5 points at question 1
    game.advance(25.0)
    game.answer(2, "A", 25.0)  # 10 points at question 2
    game.advance(50.0)
    game.answer(1, "A", 70.0)  # 5 more at question 3: 10 each, but 1 got there last
    game.tick(71.0)
    result = game.result
    assert result is not None and result.reason is EndReason.COMPLETED
    assert result.standings == ((2, 10), (1, 10))
    assert result.winner == 2


def test_a_tie_in_the_same_question_goes_to_the_lowest_id() -> None:
    game = started(rounds=1)
    game.answer(5, "A", 1.0)
    game.answer(3, "A", 1.0)
    game.tick(21.0)
    assert game.result is not None
    assert game.result.standings == ((3, 10), (5, 10))
    assert game.result.winner == 3


# --- interrupt and description ---------------------------------------------------------------


@pytest.mark.parametrize("phase", [Phase.READY, Phase.ASKING, Phase.BETWEEN])
def test_interrupt_ends_any_running_game(phase: Phase) -> None:
    game = make_game()
    if phase is not Phase.READY:
        game.start(0.0)
        game.answer(5, "A", 1.0)
    if phase is Phase.BETWEEN:
        game.tick(21.0)
    assert game.phase is phase
    result = game.interrupt(22.0 if phase is Phase.BETWEEN else 2.0)
    assert result.reason is EndReason.INTERRUPTED and game.phase is Phase.FINISHED
    if phase is Phase.ASKING:
        [closed] = game.results
        assert closed.reason is CloseReason.INTERRUPTED
        assert closed.awards[0].points == 10  # locked in before: scored as at a timeout
        assert result.winner == 5
    if phase is Phase.BETWEEN:
        assert result.winner == 5


def test_interrupt_honours_what_the_clock_already_decided() -> None:
    game = started(rounds=1)
    game.answer(5, "A", 0.0)
    result = game.interrupt(50.0)  # the question had timed out and the game completed
    assert result.reason is EndReason.COMPLETED and result.winner == 5


def test_public_properties_describe_the_game() -> None:
    game = make_game(game_id="g-1")
    game.start(0.0)
    game.answer(5, "A", 2.0)
    game.hint(6, 3.0)
    game.tick(5.0)
    assert game.game_id == "g-1"
    assert game.phase is Phase.ASKING
    assert game.question_number == 1 and game.settings.rounds == 3
    assert game.deadline == 20.0
    assert game.locked_in == {5}
    assert game.hints_used == 1
    assert game.result is None
    game.tick(30.0)
    assert game.phase is Phase.BETWEEN and game.deadline is None
    assert game.standings() == ((5, 10),)


# --- properties -------------------------------------------------------------------------------

SLUGS = ("s1", "s2", "s3", "s4", "s5", "s6")
VALUES = ("A", "B", "a", "close", "nope", "E")
POOL = {slug: make_question(slug) for slug in SLUGS}


class GameMachine(RuleBasedStateMachine):
    """Random play with a non-decreasing clock; the invariants must hold after every step."""

    game: Game
    now: float

    @initialize(
        mode=st.sampled_from(Mode),
        rounds=st.integers(1, 5),
        score_target=st.none() | st.integers(1, 25),
        pool=st.lists(st.sampled_from(SLUGS), min_size=3, max_size=10),
        seconds=st.sampled_from([5.0, 10.0, 20.0]),
        extra=st.sampled_from([0.0, 7.5, 30.0]),
        hint_cost=st.integers(0, 6),
        start=st.sampled_from([True, True, True, False]),
    )
    def setup(
        self,
        mode: Mode,
        rounds: int,
        score_target: int | None,
        pool: list[str],
        seconds: float,
        extra: float,
        hint_cost: int,
        start: bool,
    ) -> None:
        self.settings = GameSettings(
            rounds=rounds,
            mode=mode,
            seconds_per_question=seconds,
            inactivity_seconds=seconds + extra,
            score_target=score_target,
            hint_cost=hint_cost,
        )
        self.source = Source(POOL[slug] for slug in pool)
        self.game = Game(self.settings, starter_id=STARTER, next_question=self.source, judge=judge)
        self.now = 0.0
        self.seen_events: set[int] = set()
        self.delivered: list[GameEvent] = []
        self.locks: dict[tuple[int, int], str] = {}  # (question number, player) -> first click
        if start:
            self.game.start(self.now)

    @rule(dt=st.sampled_from([0.0, 0.001, 0.5, 1.0, 4.999, 5.0, 10.0, 30.0]))
    def wait(self, dt: float) -> None:
        self.now += dt

    @precondition(lambda self: self.game.deadline is not None)
    @rule(past=st.sampled_from([0.0, 0.001]))
    def jump_to_deadline(self, past: float) -> None:
        deadline = self.game.deadline
        assert deadline is not None
        self.now = max(self.now, deadline + past)

    @rule()
    def start(self) -> None:
        if self.game.phase is Phase.READY:
            self.game.start(self.now)
        else:
            with pytest.raises(IllegalTransition):
                self.game.start(self.now)

    @rule()
    def advance(self) -> None:
        try:
            self.game.advance(self.now)
        except IllegalTransition:
            assert self.game.phase in (Phase.READY, Phase.ASKING)

    @rule(
        player=st.integers(1, 4),
        value=st.sampled_from(VALUES),
        event_id=st.none() | st.integers(0, 15),
    )
    def answer(self, player: int, value: str, event_id: int | None) -> None:
        self._answer(player, value, event_id)

    @rule(player=st.integers(1, 4), event_id=st.none() | st.integers(0, 15))
    def answer_right(self, player: int, event_id: int | None) -> None:
        self._answer(player, "A", event_id)

    def _answer(self, player: int, value: str, event_id: int | None) -> None:
        before = len(self.game.results)
        number = self.game.question_number
        players = self.game.players | {player}
        try:
            outcome = self.game.answer(player, value, self.now, event_id=event_id)
        except InvalidChoice:
            assert self.settings.mode is Mode.BUTTONS and value not in ("A", "B")
            return
        if event_id is not None and event_id in self.seen_events:
            assert outcome is AnswerOutcome.DUPLICATE_EVENT
            assert len(self.game.results) == before
            return
        assert outcome is not AnswerOutcome.DUPLICATE_EVENT
        if event_id is not None:
            self.seen_events.add(event_id)
        if outcome is AnswerOutcome.WINNER:
            last = self.game.results[-1]
            assert last.reason is CloseReason.ANSWERED and last.closed_at == self.now
            assert [a.player_id for a in last.scorers] == [player]
        if self.settings.mode is Mode.BUTTONS:
            if outcome is not AnswerOutcome.TOO_LATE:
                locked = (number, player) in self.locks
                expected = AnswerOutcome.ALREADY_ANSWERED if locked else AnswerOutcome.LOCKED_IN
                assert outcome is expected
                self.locks.setdefault((number, player), value)
            if outcome is AnswerOutcome.LOCKED_IN:
                # The last player to lock in closes the question (at once, or when its join
                # window ends), and only they do.
                everyone = players <= {p for (n, p) in self.locks if n == number}
                closed_now = len(self.game.results) > before
                assert everyone or not closed_now
                if everyone and not closed_now:
                    deadline = self.game.deadline
                    assert deadline is not None and self.now < deadline
                    assert deadline - self.now <= self.settings.join_window
                if closed_now:
                    last = self.game.results[-1]
                    assert last.reason is CloseReason.ALL_ANSWERED and last.closed_at == self.now
                    assert {a.player_id for a in last.awards} == players
        else:
            assert outcome not in (AnswerOutcome.LOCKED_IN, AnswerOutcome.ALREADY_ANSWERED)

    @rule(by=st.sampled_from([STARTER, 2]), moderator=st.booleans())
    def hint(self, by: int, moderator: bool) -> None:
        locked = by in self.game.locked_in
        try:
            self.game.hint(by, self.now, moderator=moderator)
        except AlreadyLockedIn:
            assert self.settings.mode is Mode.BUTTONS and locked
        except (NotAsking, NoMoreHints, GameOver):
            pass
        else:
            assert not (self.settings.mode is Mode.BUTTONS and locked)

    @rule(by=st.sampled_from([STARTER, 2]), moderator=st.booleans())
    def skip(self, by: int, moderator: bool) -> None:
        try:
            result = self.game.skip(by, self.now, moderator=moderator)
        except NotAllowed:
            assert by != STARTER and not moderator
        except (NotAsking, GameOver):
            pass
        else:
            assert result.reason is CloseReason.SKIPPED and result.closed_at == self.now

    @rule(by=st.sampled_from([STARTER, 2]), moderator=st.booleans(), patience=st.integers(0, 5))
    def stop(self, by: int, moderator: bool, patience: int) -> None:
        if patience:  # stopping ends the run: try it only now and then
            return
        try:
            result = self.game.stop(by, self.now, moderator=moderator)
        except NotAllowed:
            assert by != STARTER and not moderator
        except GameOver:
            pass
        else:
            assert result.reason is EndReason.STOPPED and result.ended_at == self.now

    @rule()
    def tick(self) -> None:
        self.delivered.extend(self.game.tick(self.now))

    @invariant()
    def phase_is_consistent(self) -> None:
        game = self.game
        assert game.phase in set(Phase)
        assert (game.current is not None) == (game.phase is Phase.ASKING)
        assert (game.deadline is not None) == (game.phase is Phase.ASKING)
        assert (game.result is not None) == (game.phase is Phase.FINISHED)
        asking = 1 if game.phase is Phase.ASKING else 0
        assert game.question_number == len(game.results) + asking
        assert len(game.results) <= self.settings.rounds

    @invariant()
    def questions_are_closed_once_and_never_repeated(self) -> None:
        game = self.game
        assert [r.number for r in game.results] == list(range(1, len(game.results) + 1))
        slugs = [r.question.subject_slug for r in game.results]
        if game.current is not None:
            slugs.append(game.current.subject_slug)
        assert len(slugs) == len(set(slugs))
        previous_close = -1.0
        for r in game.results:
            assert previous_close <= r.opened_at <= r.closed_at
            assert r.closed_at <= r.opened_at + self.settings.seconds_per_question
            previous_close = r.closed_at

    @invariant()
    def awards_are_sound(self) -> None:
        mode = self.settings.mode
        for r in self.game.results:
            players = [a.player_id for a in r.awards]
            assert len(players) == len(set(players))
            for a in r.awards:
                assert 0 <= a.points <= self.settings.base_points
                assert a.correct == (a.verdict is Verdict.CORRECT)
                assert a.hints_seen <= r.hints_used
                # However the question closed, a right answer scores as at a timeout.
                at_timeout = self.settings.points(elapsed=a.response_time, hints_seen=a.hints_seen)
                assert a.points == (at_timeout if a.correct else 0)
                assert a.points >= 1 or not a.correct
            if mode is Mode.TYPED:
                assert len(r.scorers) <= 1
                assert (len(r.scorers) == 1) == (r.reason is CloseReason.ANSWERED)
                assert r.reason is not CloseReason.ALL_ANSWERED
            else:
                assert r.reason is not CloseReason.ANSWERED

    @invariant()
    def an_open_question_waits_for_somebody(self) -> None:
        game = self.game
        buttons = game.phase is Phase.ASKING and self.settings.mode is Mode.BUTTONS
        # Everyone has answered: it only waits out what is left of its join window.
        if buttons and game.players <= game.locked_in:
            deadline = game.deadline
            assert deadline is not None
            assert deadline - self.now <= self.settings.join_window
        assert STARTER in game.players

    @invariant()
    def results_show_the_standings_of_their_moment(self) -> None:
        results = self.game.results
        for n, r in enumerate(results):
            assert sorted(r.standings) == sorted(totals_of(results[: n + 1]).items())
            points = [p for _, p in r.standings]
            assert points == sorted(points, reverse=True)

    @invariant()
    def a_click_is_final(self) -> None:
        if self.settings.mode is Mode.BUTTONS:
            for r in self.game.results:
                for a in r.awards:
                    assert a.value == self.locks[(r.number, a.player_id)]

    @invariant()
    def the_game_ends_when_its_outcome_is_known(self) -> None:
        game, target = self.game, self.settings.score_target
        best = max(game.scores.values(), default=0)
        if target is not None and best >= target:
            assert game.result is not None
            if game.result.reason is not EndReason.TARGET_REACHED:
                # Only the close that ended the game (its locked-in answers score) may have
                # reached the target: the ending is then named after what ended it.
                assert game.result.reason in (
                    EndReason.STOPPED,
                    EndReason.INACTIVE,
                    EndReason.INTERRUPTED,
                )
                before = totals_of(game.results[:-1])
                assert max(before.values(), default=0) < target
        if len(game.results) == self.settings.rounds:
            assert game.phase is Phase.FINISHED
        if game.result is not None and game.result.reason is EndReason.COMPLETED:
            assert len(game.results) == self.settings.rounds

    @invariant()
    def totals_are_the_sum_of_awards(self) -> None:
        totals = totals_of(self.game.results)
        assert self.game.scores == totals
        result = self.game.result
        if result is not None:
            assert result.scores == totals
            assert result.questions_asked == len(self.game.results)
            assert sorted(result.standings) == sorted(totals.items())
            best = max(totals.values(), default=0)
            assert result.winner == (result.standings[0][0] if best > 0 else None)
            if result.winner is not None:
                assert totals[result.winner] == best

    @invariant()
    def every_close_and_end_is_delivered_once(self) -> None:
        self.delivered.extend(self.game.drain_events())
        closed = [e.result for e in self.delivered if isinstance(e, QuestionClosed)]
        ended = [e.result for e in self.delivered if isinstance(e, GameEnded)]
        assert closed == self.game.results
        assert ended == ([self.game.result] if self.game.result is not None else [])


GameMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGameMachine = GameMachine.TestCase


# An action: (name, seconds to wait before it, player, value, moderator flag)
Action = tuple[str, float, int, str, bool]
ACTIONS = st.tuples(
    st.sampled_from(["answer", "answer", "answer", "advance", "hint", "skip", "stop", "tick"]),
    st.sampled_from([0.0, 0.001, 1.0, 5.0, 19.999, 20.0, 25.0, 60.0]),
    st.integers(1, 3),
    st.sampled_from(VALUES),
    st.booleans(),
)


def _play(
    mode: Mode, actions: Sequence[Action], extra_ticks: Sequence[float | None]
) -> tuple[list[object], Game]:
    game_settings = GameSettings(
        rounds=4, mode=mode, seconds_per_question=20, inactivity_seconds=45, score_target=25
    )
    game = Game(game_settings, starter_id=STARTER, next_question=Source(questions(6)), judge=judge)
    game.start(0.0)
    now = 0.0
    log: list[object] = []
    for (name, dt, player, value, moderator), fraction in zip(actions, extra_ticks, strict=True):
        if fraction is not None:
            game.tick(now + dt * fraction)  # a tick the other run does not make
        now += dt
        try:
            if name == "answer":
                log.append(game.answer(player, value, now))
            elif name == "advance":
                log.append(game.advance(now))
            elif name == "hint":
                log.append(game.hint(player, now))
            elif name == "skip":
                log.append(game.skip(player, now, moderator=moderator))
            elif name == "stop":
                log.append(game.stop(player, now, moderator=moderator))
            else:
                game.tick(now)
        except GameError as error:
            log.append(type(error))
    game.tick(now + 1000.0)
    return log, game


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    mode=st.sampled_from(Mode),
    steps=st.lists(st.tuples(ACTIONS, st.none() | st.sampled_from([0.0, 0.5, 1.0])), max_size=30),
)
def test_the_outcome_does_not_depend_on_how_often_tick_is_called(
    mode: Mode, steps: list[tuple[Action, float | None]]
) -> None:
    actions = [action for action, _ in steps]
    lazy_log, lazy = _play(mode, actions, [None] * len(actions))
    eager_log, eager = _play(mode, actions, [fraction for _, fraction in steps])
    assert lazy_log == eager_log
    assert lazy.results == eager.results
    assert lazy.result == eager.result
    assert lazy.scores == eager.scores


def test_results_are_frozen_records() -> None:
    game = started(Mode.TYPED)
    game.answer(5, "A", 1.0)
    result = game.results[0]
    with pytest.raises(AttributeError):
        result.reason = CloseReason.SKIPPED  # type: ignore[misc]
    assert replace(result.awards[0], points=3).points == 3
    assert isinstance(game.stop(STARTER, 2.0), GameResult)
