"""One quiz game as a pure state machine: phases, timers, answers, hints, scores and the winner.

No discord, no database, no asyncio, no clock, no randomness. Every method whose outcome depends
on time takes ``now`` (seconds, any monotonic origin). Questions come from an injected
``next_question`` callable and typed answers are judged by an injected ``judge``.

Rules worth knowing (each is tested in ``tests/quiz/test_game.py``):

* **Lazy clock.** Each time-aware method first *catches up* to ``now``: a question whose
  deadline passed is closed by ``TIMEOUT`` (``closed_at`` = its deadline) and a game silent for
  ``inactivity_seconds`` ends ``INACTIVE`` (at the moment the limit was hit). Timestamps are the
  logical moments, so the outcome never depends on how often :meth:`Game.tick` is called.
* **Deadline.** An answer at exactly ``deadline`` counts; any later one is ``TOO_LATE``.
  If the inactivity limit falls on or before the deadline, it wins (``now - last >= limit``).
* **Activity** is any answer that reaches a running game (right, wrong, repeated or late) except
  a redelivered event. Hints, skips and advances are not activity: a game nobody answers ends.
* **Events.** Every question close and game end is appended to an outbox exactly once, whichever
  call caused it; :meth:`Game.tick` (or :meth:`Game.drain_events`) hands them out. Return values
  of the other methods are for the caller's immediate reply.
* **Buttons** mode: one locked answer per player, checked against ``question.accepted``
  (the judge is for typed text only); every correct player scores when the question closes,
  faster more (:meth:`GameSettings.points`).
* **Early close** (buttons): the players of a game are the starter, everyone who has
  answered any of its questions, and whoever has begun a chronology order on the open one.
  Once all of them have locked in an answer, the question closes (``ALL_ANSWERED``), but
  never before its *join window* (:meth:`GameSettings.join_window`, a quarter of its time, at
  most :data:`JOIN_WINDOW`) has passed: a fast starter must not shut out the members who are
  about to click. A lone player who clicks after the window closes the question at once. The
  timer is the fallback for a player who went quiet.
* **Typed** mode: the judge decides; the first ``CORRECT`` guess wins and closes the question.
  ``CLOSE`` earns no partial credit: it only lets the bot say "close!".
* **Hints** may be asked by anyone who has not locked in an answer to the open question
  (:class:`AlreadyLockedIn`). A hint costs ``hint_cost`` points to answers given *after* it
  was revealed (an answer locked before a hint keeps its value), never below 1 point.
* **Every close scores.** However a question closes (time, early, skipped, stopped, the game
  going silent or interrupted), the answers locked in by then are judged and scored as if
  its time had run out: one :class:`Award` per player who answered. What a player saw locked
  in is what the ledger, the stats and the result all count.
* **Chronology** (``order``): the answer is an order of the letters ("BDAC"), one per player
  in both modes (typed: a second order is not taken, so no one can try all 24); text that
  is no order of the letters is chat. Typed, the exact order wins and closes the question;
  any other is locked in, and the question closes early as in buttons mode.
  At any close every order scores by its pairs in the right order
  (:func:`bot.quiz.order.order_points`): full points only for the exact order.
* **Repeats.** The game refuses a question whose subject was already asked, whose kind is not in
  the settings, or (buttons) that has no choices; it asks the source again, at most
  :data:`MAX_DRAWS` times per question, then the game ends ``EXHAUSTED``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

from bot.quiz import limits
from bot.quiz.limits import is_int, is_number
from bot.quiz.model import Question, QuestionKind, Verdict
from bot.quiz.order import order_points, order_verdict, parse_order

MAX_DRAWS = 3
"""How many times the game asks its source for an acceptable question before giving up."""
BASE_POINTS = 10
"""What a right answer is worth: typed, or the fastest click."""
HINT_COST = 3
"""Points a hint takes off every answer given after it."""
SLOWEST_SHARE = 0.5
"""Buttons: the share of ``base_points`` a right click at the very deadline earns (the value
falls evenly from ``base_points`` at the opening)."""
JOIN_WINDOW = 5.0
"""Buttons: the longest a question waits for newcomers once everyone playing has answered."""

NextQuestion: TypeAlias = Callable[[frozenset[str]], Question | None]
Judge: TypeAlias = Callable[[Question, str], Verdict]


class Mode(StrEnum):
    BUTTONS = "buttons"
    TYPED = "typed"


class Phase(StrEnum):
    READY = "ready"
    """Created, not started."""
    ASKING = "asking"
    """A question is open."""
    BETWEEN = "between"
    """The last question is closed and its result known; waiting for :meth:`Game.advance`."""
    FINISHED = "finished"


class EndReason(StrEnum):
    COMPLETED = "completed"
    TARGET_REACHED = "target_reached"
    STOPPED = "stopped"
    INACTIVE = "inactive"
    EXHAUSTED = "exhausted"
    INTERRUPTED = "interrupted"


class CloseReason(StrEnum):
    TIMEOUT = "timeout"
    ANSWERED = "answered"
    """Typed: someone got it."""
    ALL_ANSWERED = "all_answered"
    """Buttons: every player of the game has locked in an answer before the deadline."""
    SKIPPED = "skipped"
    STOPPED = "stopped"
    INACTIVE = "inactive"
    INTERRUPTED = "interrupted"


class AnswerOutcome(StrEnum):
    LOCKED_IN = "locked_in"
    """Buttons: the player's answer is locked; correctness is revealed at close."""
    ALREADY_ANSWERED = "already_answered"
    """Buttons: the player had already locked an answer; nothing changed."""
    WINNER = "winner"
    """Typed: the first correct answer; the question is closed."""
    CLOSE = "close"
    """Typed: nearly right; no points, the player may guess again."""
    WRONG = "wrong"
    """Typed: wrong; no points, the player may guess again."""
    TOO_LATE = "too_late"
    """No question is open (any more); nothing was recorded."""
    DUPLICATE_EVENT = "duplicate_event"
    """This event id was already handled; nothing changed."""


# --- errors -----------------------------------------------------------------------------------


class GameError(Exception):
    """A move the rules refuse; ``message`` can be shown to the user as is."""

    default_message = "That can't be done in this game right now."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidSettings(GameError):
    default_message = "Those game settings are not valid."


class NotAsking(GameError):
    default_message = "There is no open question right now."


class GameOver(GameError):
    default_message = "This game is already over."


class NotAllowed(GameError):
    default_message = (
        "Only the member who started this quiz, or someone with Manage Messages, can do that."
    )


class InvalidChoice(GameError):
    default_message = "That is not one of this question's choices."


class NoMoreHints(GameError):
    default_message = "There are no more hints for this question."


class AlreadyLockedIn(GameError):
    default_message = (
        "You have already locked in your answer to this question, so you can't take a hint on it."
    )


class IllegalTransition(GameError):
    default_message = "The game can't do that in its current phase."


# --- settings and records ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GameSettings:
    rounds: int = 10
    kinds: frozenset[QuestionKind] = frozenset(QuestionKind)
    mode: Mode = Mode.BUTTONS
    seconds_per_question: float = 20.0
    inactivity_seconds: float = 120.0
    """The game ends when nobody has answered anything for this long (>= a question's time)."""
    score_target: int | None = None
    base_points: int = BASE_POINTS
    hint_cost: int = HINT_COST

    def __post_init__(self) -> None:
        if problem := limits.rounds_problem(self.rounds):
            raise InvalidSettings(problem)
        if (
            not isinstance(self.kinds, frozenset)
            or not self.kinds
            or not all(isinstance(kind, QuestionKind) for kind in self.kinds)
        ):
            raise InvalidSettings("Choose at least one kind of question.")
        if not isinstance(self.mode, Mode):
            raise InvalidSettings(f"Unknown answer mode {self.mode!r}.")
        if problem := limits.seconds_problem(self.seconds_per_question):
            raise InvalidSettings(problem)
        if (
            not is_number(self.inactivity_seconds)
            or self.inactivity_seconds < self.seconds_per_question
        ):
            raise InvalidSettings(
                "The inactivity limit must be at least as long as a question stays open "
                f"({self.seconds_per_question:g} s), not {self.inactivity_seconds!r}."
            )
        if self.score_target is not None and (
            not is_int(self.score_target) or self.score_target < 1
        ):
            raise InvalidSettings(f"The score target must be 1 or more, not {self.score_target!r}.")
        if not is_int(self.base_points) or self.base_points < 1:
            raise InvalidSettings(f"A question is worth 1 point or more, not {self.base_points!r}.")
        if not is_int(self.hint_cost) or self.hint_cost < 0:
            raise InvalidSettings(f"A hint can't cost {self.hint_cost!r} points.")

    @property
    def join_window(self) -> float:
        """Seconds a buttons question stays open for newcomers even when everyone playing has
        already answered."""
        return min(JOIN_WINDOW, self.seconds_per_question / 4)

    def points(self, *, elapsed: float, hints_seen: int) -> int:
        """What a right answer given ``elapsed`` seconds after the question opened, with
        ``hints_seen`` hints revealed, is worth: the one scoring rule (rule texts derive from
        it too). Typed: ``base_points``. Buttons: from ``base_points`` at once down to
        ``SLOWEST_SHARE`` of it at the deadline, rounded half up. Each hint takes off
        ``hint_cost``; never below 1."""
        penalty = self.hint_cost * hints_seen
        if self.mode is Mode.TYPED:
            return max(1, self.base_points - penalty)
        elapsed = min(max(elapsed, 0.0), self.seconds_per_question)
        share = 1 - (1 - SLOWEST_SHARE) * elapsed / self.seconds_per_question
        return max(1, math.floor(self.base_points * share + 0.5) - penalty)


@dataclass(frozen=True, slots=True)
class Award:
    """One player's record for one question: what they answered and what it earned."""

    player_id: int
    value: str
    """Buttons: the locked answer. Typed: the winning guess, else the player's last guess."""
    correct: bool
    verdict: Verdict
    points: int
    response_time: float
    """Seconds from the question opening to this answer."""
    hints_seen: int
    """Hints revealed when this answer was given (each lowers its points by ``hint_cost``)."""


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    number: int
    """1-based position in the game."""
    reason: CloseReason
    opened_at: float
    closed_at: float
    hints_used: int
    awards: tuple[Award, ...]
    """Exactly one per player who answered, in the order they first answered."""
    standings: tuple[tuple[int, int], ...] = ()
    """The game's standings once this question's points were added (as :meth:`Game.standings`)."""

    @property
    def scorers(self) -> tuple[Award, ...]:
        return tuple(award for award in self.awards if award.points > 0)


@dataclass(frozen=True, slots=True)
class GameResult:
    reason: EndReason
    scores: dict[int, int]
    """Every player who answered anything, with their total (possibly 0)."""
    standings: tuple[tuple[int, int], ...]
    """(player_id, points), best first; ties go to whoever reached their total first."""
    winner: int | None
    """The top of the standings, or None when nobody scored."""
    ended_at: float
    questions_asked: int


@dataclass(frozen=True, slots=True)
class QuestionClosed:
    result: QuestionResult


@dataclass(frozen=True, slots=True)
class GameEnded:
    result: GameResult


GameEvent: TypeAlias = QuestionClosed | GameEnded


# --- the game ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    value: str
    verdict: Verdict
    at: float
    hints_seen: int


@dataclass(slots=True)
class _OpenQuestion:
    question: Question
    number: int
    opened_at: float
    deadline: float
    hints_used: int = 0
    entries: dict[int, _Entry] = field(default_factory=dict)
    closes_early_at: float | None = None
    """Set once everyone playing has locked in: when the join window ends."""
    begun: set[int] = field(default_factory=set)
    """Buttons: who has begun an answer made of several clicks (a chronology order)."""


class Game:
    """One game in one channel. Refuses illegal moves with a :class:`GameError`."""

    def __init__(
        self,
        settings: GameSettings,
        *,
        starter_id: int,
        next_question: NextQuestion,
        judge: Judge,
        game_id: str = "",
    ) -> None:
        self.settings = settings
        self.starter_id = starter_id
        self.game_id = game_id
        self._next_question = next_question
        self._judge = judge
        self._phase = Phase.READY
        self._open: _OpenQuestion | None = None
        self._number = 0
        self._asked: set[str] = set()
        self._results: list[QuestionResult] = []
        self._scores: dict[int, int] = {}
        self._reached_at: dict[int, tuple[float, int]] = {}
        self._seen_events: set[int] = set()
        self._last_activity = 0.0
        self._started_at: float | None = None
        self._result: GameResult | None = None
        self._events: list[GameEvent] = []

    # -- read-only state --

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def current(self) -> Question | None:
        """The open question, or None."""
        return self._open.question if self._open is not None else None

    @property
    def deadline(self) -> float | None:
        """When the open question stops accepting answers (inclusive), or None."""
        open_ = self._open
        if open_ is None:
            return None
        if open_.closes_early_at is not None:
            return min(open_.deadline, open_.closes_early_at)
        return open_.deadline

    @property
    def question_number(self) -> int:
        """1-based number of the open or last question; 0 before the first."""
        return self._number

    @property
    def players(self) -> frozenset[int]:
        """Who plays this game: the starter, everyone who has answered any question, and
        whoever has begun an answer to the open one."""
        players = {self.starter_id, *self._scores}
        if self._open is not None:
            players.update(self._open.entries)
            players.update(self._open.begun)
        return frozenset(players)

    def begin_answer(self, player_id: int, now: float) -> None:
        """``player_id`` has begun an answer they lock in with a later click (the first pick of
        a chronology order): they play, so the question no longer closes early without them."""
        self._catch_up(now)
        open_ = self._open
        if open_ is None or self.settings.mode is not Mode.BUTTONS or player_id in open_.entries:
            return
        open_.begun.add(player_id)
        open_.closes_early_at = None
        self._touch(now)

    @property
    def locked_in(self) -> frozenset[int]:
        """Buttons: who has locked in an answer to the open question (typed: who has guessed)."""
        return frozenset(self._open.entries) if self._open is not None else frozenset()

    @property
    def hints_used(self) -> int:
        return self._open.hints_used if self._open is not None else 0

    @property
    def results(self) -> list[QuestionResult]:
        return list(self._results)

    @property
    def scores(self) -> dict[int, int]:
        return dict(self._scores)

    @property
    def asked_subjects(self) -> frozenset[str]:
        return frozenset(self._asked)

    @property
    def last_activity(self) -> float:
        return self._last_activity

    @property
    def result(self) -> GameResult | None:
        return self._result

    def standings(self) -> tuple[tuple[int, int], ...]:
        def key(item: tuple[int, int]) -> tuple[int, float, int, int]:
            player_id, points = item
            reached_at, number = self._reached_at.get(player_id, (math.inf, 0))
            return (-points, reached_at, number, player_id)

        return tuple(sorted(self._scores.items(), key=key))

    def require_control(self, by: int, *, moderator: bool) -> None:
        """Who steers a game (skip, stop; the service adds hints): the member who started it
        or a moderator. The one statement of that rule; raises ``NotAllowed``."""
        if not moderator and by != self.starter_id:
            raise NotAllowed()

    # -- moves --

    def start(self, now: float) -> Question | None:
        """READY → ASKING with the first question; None (game over, EXHAUSTED) if there is none."""
        if self._phase is not Phase.READY:
            raise IllegalTransition("This game has already started.")
        self._started_at = now
        self._last_activity = now
        return self._open_next(now)

    def advance(self, now: float) -> Question | None:
        """BETWEEN → ASKING with the next question; None once the game is over (for any reason)."""
        self._catch_up(now)
        if self._phase is Phase.FINISHED:
            return None
        if self._phase is Phase.READY:
            raise IllegalTransition("The game hasn't started yet.")
        if self._phase is Phase.ASKING:
            raise IllegalTransition("A question is still open.")
        return self._open_next(now)

    def answer(
        self, player_id: int, value: str, now: float, *, event_id: int | None = None
    ) -> AnswerOutcome:
        if event_id is not None and event_id in self._seen_events:
            return AnswerOutcome.DUPLICATE_EVENT
        self._catch_up(now)
        open_ = self._open
        if open_ is None:
            if event_id is not None:
                self._seen_events.add(event_id)
            if self._phase is Phase.BETWEEN:
                self._touch(now)
            return AnswerOutcome.TOO_LATE
        question = open_.question
        if question.kind is QuestionKind.ORDER:
            outcome = self._order(open_, player_id, value, now)
            if outcome is None:  # not an order: chat, or a forged click
                if self.settings.mode is Mode.BUTTONS:
                    raise InvalidChoice("That is not an order of this question's letters.")
                return AnswerOutcome.WRONG
        elif self.settings.mode is Mode.BUTTONS:
            if value not in {str(choice) for choice in question.choices}:
                raise InvalidChoice()
            outcome = self._lock(open_, player_id, value, now)
        else:
            verdict = self._judge(question, value)
            open_.entries[player_id] = _Entry(value, verdict, now, open_.hints_used)
            outcome = _TYPED_OUTCOMES[verdict]
        if event_id is not None:
            self._seen_events.add(event_id)
        self._touch(now)
        if outcome is AnswerOutcome.WINNER:
            self._close(CloseReason.ANSWERED, now)
            self._settle(now)
        elif (
            outcome is AnswerOutcome.LOCKED_IN
            and self.settings.mode is Mode.BUTTONS  # typed: others may guess until the time
            and self.players <= open_.entries.keys()
        ):
            open_.closes_early_at = max(now, open_.opened_at + self.settings.join_window)
            if now >= open_.closes_early_at:
                self._close(CloseReason.ALL_ANSWERED, now)
                self._settle(now)
        return outcome

    def hint(self, by: int, now: float, *, moderator: bool = False) -> str:
        """Reveal the open question's next hint. Anyone who has not locked in an answer may
        ask (buttons: a hint after one's own click could only cost the others)."""
        del moderator  # accepted for a uniform signature; the rule is the same for all
        self._catch_up(now)
        open_ = self._require_open()
        if self.settings.mode is Mode.BUTTONS and by in open_.entries:
            raise AlreadyLockedIn()
        hints = self._hints(open_.question)
        if open_.hints_used >= len(hints):
            raise NoMoreHints()
        text = hints[open_.hints_used]
        open_.hints_used += 1
        return text

    def _hints(self, question: Question) -> tuple[str, ...]:
        """Typed mode shows no choices, so it has its own hints (a buttons hint such as
        "It is not “Bulgaria”" would rule out something the player never saw)."""
        return question.hints_for(typed=self.settings.mode is Mode.TYPED)

    def skip(self, by: int, now: float, *, moderator: bool = False) -> QuestionResult:
        """Close the open question now; answers locked in score as at a timeout. Starter or
        moderator only."""
        self._catch_up(now)
        self._require_control(by, moderator)
        self._require_open()
        result = self._close(CloseReason.SKIPPED, now)
        self._settle(now)
        return result

    def stop(self, by: int, now: float, *, moderator: bool = False) -> GameResult:
        """End the game; answers locked in to an open question score as at a timeout.
        Starter or moderator only."""
        self._catch_up(now)
        self._require_control(by, moderator)
        return self._end(EndReason.STOPPED, CloseReason.STOPPED, now)

    def interrupt(self, now: float) -> GameResult:
        """End the game because the bot is going away. Safe on any game: a finished game
        (including one that finishes by catching up to ``now``) keeps its result."""
        self._catch_up(now)
        if self._result is not None:
            return self._result
        return self._end(EndReason.INTERRUPTED, CloseReason.INTERRUPTED, now)

    def tick(self, now: float) -> list[GameEvent]:
        """Apply timeouts and the inactivity limit up to ``now``; return all pending events."""
        self._catch_up(now)
        return self.drain_events()

    def drain_events(self) -> list[GameEvent]:
        """Question closes and game ends not yet handed out, oldest first (each exactly once)."""
        events, self._events = self._events, []
        return events

    # -- internals --

    def _touch(self, now: float) -> None:
        self._last_activity = max(self._last_activity, now)

    def _require_control(self, by: int, moderator: bool) -> None:
        if self._phase is Phase.FINISHED:
            raise GameOver()
        self.require_control(by, moderator=moderator)

    def _require_open(self) -> _OpenQuestion:
        if self._phase is Phase.FINISHED:
            raise GameOver()
        if self._open is None:
            raise NotAsking()
        return self._open

    def _order(
        self, open_: _OpenQuestion, player_id: int, value: str, now: float
    ) -> AnswerOutcome | None:
        """A chronology answer: None if ``value`` is no order of the question's letters."""
        given = parse_order(value, len(open_.question.choices))
        if given is None:
            return None
        if player_id in open_.entries:
            return AnswerOutcome.ALREADY_ANSWERED
        verdict = order_verdict(given, str(open_.question.answer))
        open_.entries[player_id] = _Entry(given, verdict, now, open_.hints_used)
        if self.settings.mode is Mode.TYPED and verdict is Verdict.CORRECT:
            return AnswerOutcome.WINNER
        return AnswerOutcome.LOCKED_IN

    def _lock(self, open_: _OpenQuestion, player_id: int, value: str, now: float) -> AnswerOutcome:
        if player_id in open_.entries:
            return AnswerOutcome.ALREADY_ANSWERED
        question = open_.question
        accepted = {str(question.answer), *(str(a) for a in question.accepted)}
        verdict = Verdict.CORRECT if value in accepted else Verdict.WRONG
        open_.entries[player_id] = _Entry(value, verdict, now, open_.hints_used)
        return AnswerOutcome.LOCKED_IN

    def _catch_up(self, now: float) -> None:
        """Apply what the clock decided since the last call, at the moments it happened."""
        open_ = self._open
        if open_ is not None:
            inactive_at = self._last_activity + self.settings.inactivity_seconds
            if inactive_at <= open_.deadline:
                if now >= inactive_at:
                    self._end(EndReason.INACTIVE, CloseReason.INACTIVE, inactive_at)
                return
            early = open_.closes_early_at
            if early is not None and early < open_.deadline and now >= early:
                self._close(CloseReason.ALL_ANSWERED, early)
                self._settle(early)
            elif now > open_.deadline:
                self._close(CloseReason.TIMEOUT, open_.deadline)
                self._settle(open_.deadline)
        if self._phase is Phase.BETWEEN:
            inactive_at = self._last_activity + self.settings.inactivity_seconds
            if now >= inactive_at:
                self._end(EndReason.INACTIVE, CloseReason.INACTIVE, inactive_at)

    def _draw(self) -> Question | None:
        asked = frozenset(self._asked)
        for _ in range(MAX_DRAWS):
            question = self._next_question(asked)
            if question is None:
                return None
            if self._acceptable(question):
                return question
        return None

    def _acceptable(self, question: Question) -> bool:
        if not self._asked.isdisjoint(question.slugs) or question.kind not in self.settings.kinds:
            return False
        return self.settings.mode is Mode.TYPED or bool(question.choices)

    def _open_next(self, now: float) -> Question | None:
        question = self._draw()
        if question is None:
            self._finish(EndReason.EXHAUSTED, now)
            return None
        self._number += 1
        self._asked.update(question.slugs)
        self._open = _OpenQuestion(
            question=question,
            number=self._number,
            opened_at=now,
            deadline=now + self.settings.seconds_per_question,
        )
        self._phase = Phase.ASKING
        return question

    def _close(self, reason: CloseReason, at: float) -> QuestionResult:
        open_ = self._open
        assert open_ is not None
        awards = []
        for player_id, entry in open_.entries.items():
            correct = entry.verdict is Verdict.CORRECT
            elapsed = entry.at - open_.opened_at
            full = self.settings.points(elapsed=elapsed, hints_seen=entry.hints_seen)
            if open_.question.kind is QuestionKind.ORDER:
                points = order_points(full, entry.value, str(open_.question.answer))
            else:
                points = full if correct else 0
            awards.append(
                Award(
                    player_id=player_id,
                    value=entry.value,
                    correct=correct,
                    verdict=entry.verdict,
                    points=points,
                    response_time=max(entry.at - open_.opened_at, 0.0),
                    hints_seen=entry.hints_seen,
                )
            )
            self._scores[player_id] = self._scores.get(player_id, 0) + points
            if points > 0:
                self._reached_at[player_id] = (at, open_.number)
        result = QuestionResult(
            question=open_.question,
            number=open_.number,
            reason=reason,
            opened_at=open_.opened_at,
            closed_at=at,
            hints_used=open_.hints_used,
            awards=tuple(awards),
            standings=self.standings(),
        )
        self._results.append(result)
        self._open = None
        self._phase = Phase.BETWEEN
        self._events.append(QuestionClosed(result))
        return result

    def _settle(self, at: float) -> None:
        """After a close: end the game if the target is reached or the rounds are done."""
        target = self.settings.score_target
        if target is not None and any(points >= target for points in self._scores.values()):
            self._finish(EndReason.TARGET_REACHED, at)
        elif self._number >= self.settings.rounds:
            self._finish(EndReason.COMPLETED, at)

    def _end(self, reason: EndReason, close_reason: CloseReason, at: float) -> GameResult:
        if self._open is not None:
            self._close(close_reason, at)
        return self._finish(reason, at)

    def _finish(self, reason: EndReason, at: float) -> GameResult:
        standings = self.standings()
        winner = standings[0][0] if standings and standings[0][1] > 0 else None
        result = GameResult(
            reason=reason,
            scores=dict(self._scores),
            standings=standings,
            winner=winner,
            ended_at=at,
            questions_asked=len(self._results),
        )
        self._open = None
        self._phase = Phase.FINISHED
        self._result = result
        self._events.append(GameEnded(result))
        return result


_TYPED_OUTCOMES = {
    Verdict.CORRECT: AnswerOutcome.WINNER,
    Verdict.CLOSE: AnswerOutcome.CLOSE,
    Verdict.WRONG: AnswerOutcome.WRONG,
}
