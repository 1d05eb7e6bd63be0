"""The rules of ``/quiz start``: what a member asked for, checked and completed by the
server's settings, becomes a game's settings (``QuizService.start_requested`` applies them)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InvalidInput
from bot.quiz.game import GameSettings, InvalidSettings, Mode
from bot.quiz.model import ONE_ANSWER_KINDS, QuestionKind
from bot.records import GuildQuizSettings

MIN_INACTIVITY = 120
"""Seconds of silence a game always tolerates; longer questions get three questions' time."""


@dataclass(frozen=True, slots=True)
class StartRequest:
    """What a member asked ``/quiz start`` for; None: the server's default."""

    guild_id: int
    channel_id: int
    starter_id: int
    rounds: int | None = None
    kinds: frozenset[QuestionKind] | None = None
    mode: Mode | None = None
    seconds: int | None = None
    difficulty: int | None = None
    target: int | None = None
    typed_answers: bool = True
    """Whether the bot may read messages (Discord's Message Content intent)."""


class ChannelRefused(InvalidInput):
    """This server's channel rules keep quizzes out of the channel."""

    def __init__(self, settings: GuildQuizSettings, channel_id: int) -> None:
        super().__init__("Quizzes can't run in this channel on this server.")
        self.settings = settings
        self.channel_id = channel_id


def settings_for(request: StartRequest, config: GuildQuizSettings) -> GameSettings:
    """The game ``request`` asks for in a server with ``config``: its channel rules, its
    defaults for what was left out; typed answers only if the bot reads messages; a game
    ends after ``max(120, 3 × seconds)`` without an answer."""
    if not config.allows_channel(request.channel_id):
        raise ChannelRefused(config, request.channel_id)
    mode = request.mode or config.mode
    if mode is Mode.TYPED and not request.typed_answers:
        raise InvalidInput(
            "Typed answers need Discord's Message Content intent, which this bot has not "
            "been given. Use `mode: buttons` (it works everywhere)."
        )
    seconds = request.seconds or config.seconds_per_question
    try:
        return GameSettings(
            rounds=request.rounds or config.default_rounds,
            kinds=request.kinds or ONE_ANSWER_KINDS,
            mode=mode,
            seconds_per_question=float(seconds),
            inactivity_seconds=float(max(MIN_INACTIVITY, 3 * seconds)),
            score_target=request.target,
        )
    except InvalidSettings as error:
        raise InvalidInput(error.message or "Those settings do not make a game.") from None


def already_running(request: StartRequest, question_message_id: int | None) -> InvalidInput:
    """The refusal for a second game in a channel, with a link to the running one's
    question when it is known."""
    where = "its question above"
    if question_message_id is not None:
        link = (
            f"https://discord.com/channels/{request.guild_id}/"
            f"{request.channel_id}/{question_message_id}"
        )
        where = f"[its current question]({link})"
    return InvalidInput(
        f"A quiz is already running in this channel: answer {where}, or see `/quiz status`."
    )
