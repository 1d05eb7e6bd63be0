"""Running quiz games in channels: one game per channel, timers, answers, the score keeper.

No discord here: a ``Presenter`` (implemented by ``cogs/quiz.py``) shows questions, results
and standings; this module decides when. Every closed question is written to the answer
ledger (one transaction) *before* its result is announced, so a point a member saw is a
point stored. While the database refuses writes, the result is first kept in the journal
on local disk (fsync-ed; bot/services/journal.py) and the announcement says it is not on
the leaderboard yet; if even the journal cannot be written, the announcement says the
points are not saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.aio import cancel_and_wait
from bot.catalog.models import Defector
from bot.db.quiz import games as game_store
from bot.db.quiz import leaderboards as board_store
from bot.db.quiz import ledger as ledger_store
from bot.db.quiz import settings as settings_store
from bot.db.quiz import stats as stats_store
from bot.errors import InvalidInput, NotFound, NotPermitted, UserFacingError, quoted
from bot.quiz.game import (
    AnswerOutcome,
    EndReason,
    Game,
    GameEnded,
    GameError,
    GameEvent,
    GameResult,
    GameSettings,
    Mode,
    NotAllowed,
    Phase,
    QuestionClosed,
    QuestionResult,
)
from bot.quiz.judge import Judge
from bot.quiz.model import ONE_ANSWER_KINDS, Question, QuestionKind
from bot.quiz.order import letters
from bot.quiz.questions import NoQuestion, QuestionGenerator
from bot.records import (
    ChannelRuleChange,
    GameAlreadyRunning,
    GuildQuizSettings,
    InterruptedGame,
    LeaderboardPage,
    PlayerRank,
    PlayerStats,
)
from bot.services.clock import Clock
from bot.services.leaderboard import LeaderboardQuery, Viewer
from bot.services.ledger import Ledger, Saved
from bot.services.starting import StartRequest, already_running, settings_for

log = logging.getLogger(__name__)

TICK_AFTER = 0.01
"""Seconds after a deadline the driver looks again (the deadline itself still counts)."""

KIND_GROUPS: dict[str, frozenset[QuestionKind]] = {
    "year": frozenset({QuestionKind.YEAR}),
    "country": frozenset(
        {
            QuestionKind.ORIGIN_COUNTRY,
            QuestionKind.BIRTH_COUNTRY,
            QuestionKind.DESTINATION_COUNTRY,
        }
    ),
    "method": frozenset({QuestionKind.METHOD}),
    "who": frozenset({QuestionKind.WHO}),
    "order": frozenset({QuestionKind.ORDER}),
}
ALL_KINDS = ONE_ANSWER_KINDS
"""What "all" (and no choice) means: every kind answered with one choice. The chronology
round is played when named ("order", "year, order")."""
DIFFICULTY_NAMES = {1: "easy", 2: "medium", 3: "hard"}


def parse_kinds(text: str | None) -> frozenset[QuestionKind]:
    """``"year, who"`` → the question kinds; empty or ``all`` → every one-answer kind;
    ``all, order`` → those and chronology."""
    if text is None or not text.strip():
        return ALL_KINDS
    words = [w for w in text.replace(",", " ").replace("+", " ").lower().split() if w]
    unknown = [w for w in words if w != "all" and w not in KIND_GROUPS]
    if unknown or len(words) > len(KIND_GROUPS) + 1:
        shown = quoted(", ".join(unknown[:3]) or text)
        raise InvalidInput(
            f"“{shown}” is not a question kind; use any of: all, year, country, method, who, order."
        )
    return frozenset().union(*(ALL_KINDS if w == "all" else KIND_GROUPS[w] for w in words))


DISCORD_EPOCH_MS = 1_420_070_400_000
CLOCK_SKEW = timedelta(seconds=5)
"""How far this host's clock may be ahead of Discord's when a message's time is compared
with a question's opening (only before the question's own message id is known)."""


def snowflake_time(snowflake: int) -> datetime:
    """When a Discord id (message, interaction) was made: its top bits are milliseconds
    since Discord's epoch (2015-01-01 UTC)."""
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=UTC)


class TooManyGuesses(UserFacingError):
    """A member's first typed guess past the limit for one question (later ones are
    ignored without a word)."""


START_OVER = 9
"""The choice index of a chronology question's "Start over" button."""


def ordinal(n: int) -> str:
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n if n < 20 else n % 10, 'th') }"


@dataclass(frozen=True, slots=True)
class OrderPick:
    """Where a member's chronology order stands after a click."""

    picked: str
    """The letters placed so far (all of them once answered)."""
    outcome: AnswerOutcome | None
    """The game's answer once the order is complete (or already answered); None meanwhile."""


class Presenter(Protocol):
    """Shows a game to its channel (the cog). Each call may fail; the game goes on."""

    async def question(self, game: RunningGame, question: Question) -> None: ...

    async def closed(self, game: RunningGame, result: QuestionResult) -> None: ...

    async def ended(self, game: RunningGame, result: GameResult) -> None: ...

    async def interrupted(self, channel_id: int) -> None: ...


@dataclass
class RunningGame:
    id: int
    guild_id: int
    channel_id: int
    starter_id: int
    game: Game
    reveal: bool
    opened_wall: datetime | None = None
    """Wall-clock time the open question was shown (for the ledger and countdowns)."""
    deadline_wall: datetime | None = None
    question_message_id: int | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    pending: list[GameEvent] = field(default_factory=list)
    """Events ``tick`` returned that the driver has not handled yet."""
    announced: asyncio.Event = field(default_factory=asyncio.Event)
    """Set by whoever announces the game (the cog, once its announcement is posted): the
    first question waits for it, up to ``announce_within`` seconds."""
    announce_within: float = 0.0
    winning_message_id: int | None = None
    """Typed mode: the message that won the open (or just closed) question; it gets its ✅
    only once the point is saved."""
    saved: dict[int, Saved] = field(default_factory=dict)
    """Question number → where its points were when its result was announced."""
    guesses: dict[int, int] = field(default_factory=dict)
    """Typed mode: member → messages judged for the open question."""
    order_picks: dict[tuple[int, int], str] = field(default_factory=dict)
    """Chronology with buttons: (question number, member) → the letters clicked so far."""
    pick_events: set[int] = field(default_factory=set)
    """Clicks already applied to ``order_picks`` (a redelivered one places nobody twice)."""

    @property
    def settings(self) -> GameSettings:
        return self.game.settings


RECENT_SUBJECTS = 60
"""A channel's next quizzes avoid the people its last this-many questions were about."""
RECENT_CHANNELS = 10_000
"""Channels whose recent questions are remembered (least recently played forgotten first)."""


@dataclass
class QuizService:
    sessions: async_sessionmaker[AsyncSession]
    records: Sequence[Defector]
    judge: Judge
    clock: Clock
    ledger: Ledger
    """Where closed questions' answers and games' ends are written (the score keeper, the
    journal, the SQLite worker thread). Built by whoever builds the service, which hands it
    over: :meth:`close` closes it."""
    rng: random.Random = field(default_factory=random.Random)
    reveal_pause: float = 4.0
    """Seconds between a question's result and the next question."""
    presenter: Presenter | None = None
    games: dict[int, RunningGame] = field(default_factory=dict)
    """Running games by channel id."""
    games_per_member: int = 3
    """Games one member may have running at once in one server."""
    guesses_per_question: int = 5
    """Typed messages judged per member and question; the rest are ignored."""
    before_start: Callable[[], Awaitable[None]] | None = None
    """Awaited before a game's first question is drawn (the reports service reads the
    withheld questions there); must not raise."""

    def __post_init__(self) -> None:
        self._recent: OrderedDict[int, deque[str]] = OrderedDict()
        """Channel → the people its last quizzes asked about, newest last (a few channels'
        worth: the least recently played channel is forgotten first)."""
        self._starting: dict[tuple[int, int], int] = {}
        """(guild, member) → their ``/quiz start``s waiting on the database."""
        self.generator = QuestionGenerator(self.records, self.rng)

    # -- starting ----------------------------------------------------------------------------

    async def start_requested(
        self, request: StartRequest, *, announce_within: float = 0.0
    ) -> RunningGame:
        """Start the game a member asked for, by this server's rules (``settings_for``)."""
        config = await self.guild_settings(request.guild_id)
        settings = settings_for(request, config)
        try:
            return await self.start(
                guild_id=request.guild_id, channel_id=request.channel_id,
                starter_id=request.starter_id, settings=settings, reveal=config.reveal_answers,
                difficulty=request.difficulty, announce_within=announce_within,
            )  # fmt: skip
        except GameAlreadyRunning:
            running = self.games.get(request.channel_id)
            shown = running.question_message_id if running is not None else None
            raise already_running(request, shown) from None

    async def start(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        settings: GameSettings,
        reveal: bool = True,
        difficulty: int | None = None,
        announce_within: float = 0.0,
    ) -> RunningGame:
        """Start a game in ``channel_id``. With ``announce_within``, its first question waits
        (that long at most) for ``RunningGame.announced``, so that the announcement with the
        rules comes before the question in the channel."""
        if channel_id in self.games:
            raise GameAlreadyRunning()
        self.require_questions(settings.kinds, difficulty)
        mine = [
            g.channel_id
            for g in self.games.values()
            if g.guild_id == guild_id
            and g.starter_id == starter_id
            and g.game.phase is not Phase.FINISHED
        ]
        member = (guild_id, starter_id)
        starting = self._starting.get(member, 0)  # starts awaiting the database: they count
        if len(mine) + starting >= self.games_per_member:
            where = ", ".join(f"<#{c}>" for c in sorted(mine)[:5]) or "starting now"
            count = len(mine) + starting
            how_many = "1 quiz" if count == 1 else f"{count} quizzes"
            raise InvalidInput(
                f"You already have {how_many} running on this server ({where}); "
                "end one with `/quiz stop` first."
            )
        self._starting[member] = starting + 1
        try:
            return await self._start(
                guild_id=guild_id,
                channel_id=channel_id,
                starter_id=starter_id,
                settings=settings,
                reveal=reveal,
                difficulty=difficulty,
                announce_within=announce_within,
            )
        finally:
            self._starting[member] -= 1
            if not self._starting[member]:
                del self._starting[member]

    async def _start(
        self,
        *,
        guild_id: int,
        channel_id: int,
        starter_id: int,
        settings: GameSettings,
        reveal: bool,
        difficulty: int | None,
        announce_within: float,
    ) -> RunningGame:
        if self.before_start is not None:
            await self.before_start()
        game_id = await game_store.create_game(
            self.sessions,
            guild_id=guild_id,
            channel_id=channel_id,
            starter_id=starter_id,
            mode=settings.mode,
            kinds=sorted(settings.kinds),
            rounds=settings.rounds,
            started_at=self.clock.wall(),
        )

        recent = self._recent_in(channel_id)

        def next_question(asked: frozenset[str]) -> Question | None:
            # Nobody asked about in this channel's last quizzes, while there are others left.
            for exclude in (asked | frozenset(recent), asked):
                try:
                    return self.generator.generate(
                        settings.kinds, exclude=exclude, difficulty=difficulty
                    )
                except NoQuestion:
                    continue
            return None

        game = Game(
            settings,
            starter_id=starter_id,
            next_question=next_question,
            judge=self.judge.judge,
            game_id=str(game_id),
        )
        running = RunningGame(game_id, guild_id, channel_id, starter_id, game, reveal)
        running.announce_within = announce_within
        self.games[channel_id] = running
        running.task = asyncio.create_task(self._drive(running), name=f"quiz-{game_id}")
        return running

    def require_questions(
        self, kinds: frozenset[QuestionKind], difficulty: int | None = None
    ) -> None:
        """Refuse, before anything is announced, a game whose kinds and difficulty no question
        fits; say which difficulties those kinds do have."""
        if self.generator.available(kinds, difficulty):
            return
        groups = ", ".join(name for name, group in KIND_GROUPS.items() if group & kinds)
        if difficulty is None:
            raise InvalidInput(f"No questions about {groups} can be asked; choose other kinds.")
        generator = self.generator
        served = [name for d, name in DIFFICULTY_NAMES.items() if generator.available(kinds, d)]
        there = f" (there are {' and '.join(served)} ones)" if served else ""
        raise InvalidInput(
            f"There are no {DIFFICULTY_NAMES[difficulty]} questions about {groups}{there}: "
            "choose another difficulty or other kinds."
        )

    async def _drive(self, running: RunningGame) -> None:
        game = running.game
        try:
            if running.announce_within > 0:
                await self.clock.sleep_until(
                    self.clock.now() + running.announce_within, running.announced
                )
            question = game.start(self.clock.now())
            while question is not None:
                await self._show(running, question)
                while game.phase is Phase.ASKING:
                    # An answer at the deadline still counts: wake just after it.
                    until = min(game.deadline or self.clock.now(), self._silence_ends(running))
                    await self.clock.sleep_until(until + TICK_AFTER, running.wake)
                    running.wake.clear()
                    running.pending.extend(game.tick(self.clock.now()))
                await self._handle_events(running)
                if game.phase is Phase.FINISHED:
                    break
                await self.clock.sleep_until(self.clock.now() + self.reveal_pause, running.wake)
                running.wake.clear()
                if game.result is not None:  # stopped during the pause
                    await self._handle_events(running)
                    break
                question = game.advance(self.clock.now())
            await self._handle_events(running)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quiz game %s crashed; closing it", running.id)
            if game.phase is not Phase.FINISHED:
                game.interrupt(self.clock.now())
            await self._handle_events(running)
        finally:
            if self.games.get(running.channel_id) is running:
                del self.games[running.channel_id]

    def _silence_ends(self, running: RunningGame) -> float:
        return running.game.last_activity + running.settings.inactivity_seconds

    def _recent_in(self, channel_id: int) -> deque[str]:
        recent = self._recent.pop(channel_id, None)
        if recent is None:
            recent = deque(maxlen=RECENT_SUBJECTS)
        self._recent[channel_id] = recent
        while len(self._recent) > RECENT_CHANNELS:
            self._recent.popitem(last=False)
        return recent

    async def _show(self, running: RunningGame, question: Question) -> None:
        self._recent_in(running.channel_id).append(question.subject_slug)
        wall = self.clock.wall()
        running.opened_wall = wall
        deadline = running.game.deadline
        if deadline is not None:
            running.deadline_wall = wall + timedelta(seconds=deadline - self.clock.now())
        running.question_message_id = None
        running.winning_message_id = None
        running.guesses.clear()
        if self.presenter is not None:
            with self._presenting(f"question {running.game.question_number}", running):
                await self.presenter.question(running, question)

    async def _handle_events(self, running: RunningGame) -> None:
        # tick() hands out the events it caused; drain_events() the ones other calls caused.
        events, running.pending = [*running.pending, *running.game.drain_events()], []
        for event in events:
            if isinstance(event, QuestionClosed):
                running.saved[event.result.number] = await self._record(running, event.result)
                if self.presenter is not None:
                    with self._presenting(f"the result of question {event.result.number}", running):
                        await self.presenter.closed(running, event.result)
            elif isinstance(event, GameEnded):
                await self._finish(running, event.result)

    async def _record(self, running: RunningGame, result: QuestionResult) -> Saved:
        if not result.awards:
            return Saved.WRITTEN
        answers = ledger_store.answers_from_result(
            game_id=running.id,
            guild_id=running.guild_id,
            channel_id=running.channel_id,
            result=result,
            opened_at=running.opened_wall or self.clock.wall(),
        )
        return await self.ledger.record(answers, what=f"game {running.id} question {result.number}")

    async def _finish(self, running: RunningGame, result: GameResult) -> None:
        await self.ledger.finish_game(
            game_id=running.id,
            reason=result.reason,
            winner_id=result.winner,
            ended_at=self.clock.wall(),
        )
        if self.presenter is not None:
            with self._presenting("the end", running):
                await self.presenter.ended(running, result)

    @contextlib.contextmanager
    def _presenting(self, what: str, running: RunningGame) -> Iterator[None]:
        """Showing a game may fail (Discord refuses, a channel is gone): logged, and the
        game goes on."""
        try:
            yield
        except Exception:
            log.exception("could not show %s of game %s", what, running.id)

    # -- members act -----------------------------------------------------------------------------

    def running(self, channel_id: int) -> RunningGame:
        running = self.games.get(channel_id)
        if running is None or running.game.phase is Phase.FINISHED:
            raise NotFound("No quiz is running in this channel. Start one with `/quiz start`.")
        return running

    def quiz_running(self, channel_id: int | None) -> bool:
        """Whether a quiz is under way in the channel (a question open, or the next one
        coming). Lookups there answer only the member who asked, so no card spoils it."""
        running = self.games.get(channel_id) if channel_id is not None else None
        return running is not None and running.game.phase is not Phase.FINISHED

    def channels_with_quiz(self, guild_id: int) -> list[int]:
        """The guild's channels where a quiz runs now (this process's games)."""
        return [c for c, g in self.games.items() if g.guild_id == guild_id and self.quiz_running(c)]

    def typed_answer(
        self, channel_id: int, user_id: int, text: str, *, event_id: int | None = None
    ) -> AnswerOutcome | None:
        """A message posted in a channel: an answer only if a typed-mode game runs there
        (in a buttons game, chat is chat, and a choice's text is not a click)."""
        running = self.games.get(channel_id)
        if running is None or running.settings.mode is not Mode.TYPED:
            return None
        if event_id is not None and self._sent_before_question(running, event_id):
            # A message from before the question was shown (Discord redelivering an old
            # event, e.g. after a RESUME) never answers it: it answered something else.
            log.info("ignoring message %s: sent before the open question", event_id)
            return None
        if running.game.phase is Phase.ASKING:
            count = running.guesses[user_id] = running.guesses.get(user_id, 0) + 1
            if count > self.guesses_per_question:
                if count == self.guesses_per_question + 1:
                    raise TooManyGuesses(
                        f"{self.guesses_per_question} guesses per question; the rest are ignored."
                    )
                return None
        outcome = self.answer(channel_id, user_id, text, event_id=event_id)
        if outcome is AnswerOutcome.WINNER:
            running.winning_message_id = event_id
        return outcome

    @staticmethod
    def _sent_before_question(running: RunningGame, message_id: int) -> bool:
        """Snowflakes grow with time: a message whose id is below the question's message
        was sent before the question was shown. Before that message exists, the time in the
        id is compared with when the question opened."""
        if running.question_message_id is not None:
            return message_id < running.question_message_id
        opened = running.opened_wall
        return opened is not None and snowflake_time(message_id) < opened - CLOCK_SKEW

    def answer(
        self, channel_id: int, user_id: int, value: str, *, event_id: int | None = None
    ) -> AnswerOutcome | None:
        """An answer in a channel (typed text, or a button's choice); None if no game runs."""
        running = self.games.get(channel_id)
        if running is None:
            return None
        deadline = running.game.deadline
        try:
            outcome = running.game.answer(user_id, value, self.clock.now(), event_id=event_id)
        except GameError as error:
            raise UserFacingError(error.message or "That answer cannot be taken.") from None
        # Closed, or closing sooner (everyone has answered): the driver sleeps on the old time.
        if running.game.phase is not Phase.ASKING or running.game.deadline != deadline:
            running.wake.set()
        return outcome

    def click(
        self,
        *,
        channel_id: int | None,
        game_id: int,
        number: int,
        user_id: int,
        choice: int,
        event_id: int | None,
    ) -> AnswerOutcome:
        """A button of a question message: ``choice`` is the index into its choices. The
        button must belong to the game running in the channel it was clicked in."""
        running = self._clicked(channel_id, game_id, number)
        assert running.game.current is not None  # _clicked checked it
        choices = running.game.current.choices
        if not 0 <= choice < len(choices):
            raise NotFound("That question has closed.")
        outcome = self.answer(running.channel_id, user_id, str(choices[choice]), event_id=event_id)
        assert outcome is not None
        if outcome is AnswerOutcome.TOO_LATE:
            raise NotFound("That question has closed.")
        return outcome

    def order_pick(
        self,
        *,
        channel_id: int | None,
        game_id: int,
        number: int,
        user_id: int,
        choice: int,
        event_id: int | None,
    ) -> OrderPick | None:
        """A button of a chronology question: place person ``choice`` next in the member's
        order (``START_OVER``: clear it). Once all but one are placed, the last one goes last
        and the order is answered. None if the open question is not a chronology one."""
        running = self._clicked(channel_id, game_id, number)
        question = running.game.current
        assert question is not None
        if question.kind is not QuestionKind.ORDER:
            return None
        marks = letters(len(question.choices))
        key = (number, user_id)
        if user_id in running.game.locked_in:
            return OrderPick("", AnswerOutcome.ALREADY_ANSWERED)
        if event_id is not None and event_id in running.pick_events:
            return OrderPick(running.order_picks.get(key, ""), AnswerOutcome.DUPLICATE_EVENT)
        if event_id is not None:
            running.pick_events.add(event_id)
        if choice == START_OVER:
            running.order_picks.pop(key, None)
            return OrderPick("", None)
        if not 0 <= choice < len(marks):
            raise NotFound("That question has closed.")
        picked = running.order_picks.get(key, "")
        if marks[choice] in picked:
            raise InvalidInput(
                f"{marks[choice]} is already placed ({ordinal(picked.index(marks[choice]) + 1)}); "
                "pick another, or start over."
            )
        picked += marks[choice]
        running.game.begin_answer(user_id, self.clock.now())  # the early close waits for them
        if len(picked) < len(marks) - 1:
            running.order_picks[key] = picked
            return OrderPick(picked, None)
        picked += next(m for m in marks if m not in picked)
        running.order_picks.pop(key, None)
        outcome = self.answer(running.channel_id, user_id, picked, event_id=event_id)
        assert outcome is not None
        if outcome is AnswerOutcome.TOO_LATE:
            raise NotFound("That question has closed.")
        return OrderPick(picked, outcome)

    def _clicked(self, channel_id: int | None, game_id: int, number: int) -> RunningGame:
        """The game whose open question ``number`` a button belongs to, or NotFound."""
        running = self.games.get(channel_id) if channel_id is not None else None
        if (
            running is None
            or running.id != game_id
            or running.game.phase is not Phase.ASKING
            or running.game.question_number != number
            or running.game.current is None
        ):
            raise NotFound("That question has closed.")
        return running

    def is_open(self, channel_id: int | None, game_id: int, number: int) -> bool:
        """Whether question ``number`` of game ``game_id`` still takes answers there."""
        running = self.games.get(channel_id) if channel_id is not None else None
        return (
            running is not None
            and running.id == game_id
            and running.game.phase is Phase.ASKING
            and running.game.question_number == number
        )

    def waits_only_for_newcomers(self, channel_id: int | None, game_id: int, number: int) -> bool:
        """Whether that open question has an answer from everyone playing and only waits out
        its join window for members who have not played yet."""
        if not self.is_open(channel_id, game_id, number):
            return False
        game = self.games[channel_id].game  # type: ignore[index]  # is_open checked it
        return game.players <= game.locked_in

    def _control(self, channel_id: int, user_id: int, moderator: bool) -> RunningGame:
        running = self.running(channel_id)
        try:
            running.game.require_control(user_id, moderator=moderator)
        except NotAllowed as error:
            raise NotPermitted(error.message) from None
        return running

    def hint(self, channel_id: int, user_id: int, *, moderator: bool) -> str:
        running = self._control(channel_id, user_id, moderator)
        try:
            return running.game.hint(user_id, self.clock.now(), moderator=moderator)
        except GameError as error:
            raise UserFacingError(error.message or "No hint now.") from None

    def skip(self, channel_id: int, user_id: int, *, moderator: bool) -> None:
        running = self._control(channel_id, user_id, moderator)
        try:
            running.game.skip(user_id, self.clock.now(), moderator=moderator)
        except GameError as error:
            raise UserFacingError(error.message or "Nothing to skip now.") from None
        running.wake.set()

    def stop(self, channel_id: int, user_id: int, *, moderator: bool) -> None:
        running = self._control(channel_id, user_id, moderator)
        try:
            running.game.stop(user_id, self.clock.now(), moderator=moderator)
        except GameError as error:
            raise UserFacingError(error.message or "The quiz is already over.") from None
        running.wake.set()

    # -- leaderboards and stats ------------------------------------------------------------

    async def board(
        self, query: LeaderboardQuery, viewer: Viewer
    ) -> tuple[LeaderboardPage, PlayerRank | None]:
        """A leaderboard page and the viewer's own rank on that board."""
        guild_id, period, kind = query.guild_id(viewer), query.period, query.kind
        now = self.clock.wall()
        board = await board_store.leaderboard(
            self.sessions, guild_id=guild_id, period=period, kind=kind, now=now, page=query.page
        )
        rank = await board_store.player_rank(
            self.sessions, guild_id=guild_id, period=period, kind=kind, now=now,
            user_id=viewer.user_id,
        )  # fmt: skip
        return board, rank

    async def stats(self, *, user_id: int, guild_id: int | None) -> PlayerStats:
        return await stats_store.player_stats(
            self.sessions, user_id=user_id, guild_id=guild_id, now=self.clock.wall()
        )

    async def guild_settings(self, guild_id: int) -> GuildQuizSettings:
        return await settings_store.get_guild_settings(self.sessions, guild_id=guild_id)

    async def update_guild_settings(self, guild_id: int, **changes: object) -> GuildQuizSettings:
        return await settings_store.update_guild_settings(
            self.sessions,
            guild_id=guild_id,
            now=self.clock.wall(),
            **changes,  # type: ignore[arg-type]
        )

    async def set_channel_rule(
        self, guild_id: int, channel_id: int, *, allowed: bool
    ) -> ChannelRuleChange:
        """Let quizzes run in a channel or keep them out (see ``set_channel_rule``)."""
        return await settings_store.set_channel_rule(
            self.sessions,
            guild_id=guild_id,
            channel_id=channel_id,
            allowed=allowed,
            now=self.clock.wall(),
        )

    async def reset_guild_settings(self, guild_id: int) -> GuildQuizSettings:
        return await settings_store.reset_guild_settings(self.sessions, guild_id=guild_id)

    async def reset_scores(self, guild_id: int, *, user_id: int | None = None) -> int:
        """Forget the answers given in ``guild_id`` (one member's, or everyone's)."""
        deleted = await ledger_store.forget_answers(
            self.sessions, guild_id=guild_id, user_id=user_id
        )
        log.info(
            "forgot %d answers in guild %s%s",
            deleted,
            guild_id,
            "" if user_id is None else f" by user {user_id}",
        )
        return deleted

    # -- lifecycle -----------------------------------------------------------------------------

    async def recover(
        self, *, shard_count: int = 1, shard_ids: Sequence[int] | None = None
    ) -> list[InterruptedGame]:
        """At start-up, before any new game: close the games a restart interrupted (their
        points stay) and return them, so their channels can be told once connected."""
        closed = await game_store.close_interrupted_games(
            self.sessions, now=self.clock.wall(), shard_count=shard_count, shard_ids=shard_ids
        )
        for game in closed:
            log.info("closed quiz %s (interrupted by a restart)", game.id)
        return closed

    async def announce_interrupted(self, games: Sequence[InterruptedGame]) -> None:
        if self.presenter is None:
            return
        for game in games:
            try:
                await self.presenter.interrupted(game.channel_id)
            except Exception:
                log.exception("could not tell channel %s of game %s", game.channel_id, game.id)

    async def close(self) -> None:
        """Stop driving games (their rows stay open: the next start closes them), then close
        the ledger (it writes what it still holds). Games first, so that nothing they hand
        the ledger arrives after it has closed."""
        await cancel_and_wait(*(g.task for g in self.games.values() if g.task is not None))
        self.games.clear()
        await self.ledger.close()  # a cancelled game's question may still be being written


__all__ = [
    "KIND_GROUPS",
    "START_OVER",
    "EndReason",
    "Mode",
    "OrderPick",
    "Presenter",
    "QuizService",
    "RunningGame",
    "Saved",
    "ordinal",
    "parse_kinds",
]
