"""The /quiz start rules, in the service: channel rules, the intent, defaults, inactivity."""

from __future__ import annotations

from typing import Any

import pytest

from bot.catalog.models import Defector
from bot.errors import InvalidInput
from bot.quiz.game import GameSettings, Mode
from bot.quiz.judge import Judge
from bot.quiz.model import QuestionKind
from bot.services.clock import ManualClock
from bot.services.ledger import Ledger
from bot.services.quiz import (
    ALL_KINDS,
    GameAlreadyRunning,
    GuildQuizSettings,
    QuizService,
    RunningGame,
    parse_kinds,
)
from bot.services.starting import ChannelRefused, StartRequest

GUILD, CHANNEL, MEMBER = 1, 2, 3


class Recorded(QuizService):
    """A service whose server settings are given and whose ``start`` records its call."""

    config = GuildQuizSettings()
    started: dict[str, Any]

    async def guild_settings(self, guild_id: int) -> GuildQuizSettings:
        return self.config

    async def start(self, **kwargs: Any) -> RunningGame:  # type: ignore[override]
        if kwargs["channel_id"] in self.games:
            raise GameAlreadyRunning()
        self.started = kwargs
        return None  # type: ignore[return-value]  # the rules are done before a game exists


def service(records: tuple[Defector, ...], config: GuildQuizSettings) -> Recorded:
    quiz = Recorded(
        sessions=None,  # type: ignore[arg-type]  # the start rules read no database
        ledger=Ledger(None),  # type: ignore[arg-type]
        records=records,
        judge=Judge(records),
        clock=ManualClock(),
    )
    quiz.config = config
    return quiz


def request(**changes: Any) -> StartRequest:
    return StartRequest(guild_id=GUILD, channel_id=CHANNEL, starter_id=MEMBER, **changes)


async def test_what_is_left_out_comes_from_the_server(records: tuple[Defector, ...]) -> None:
    config = GuildQuizSettings(default_rounds=7, seconds_per_question=60, reveal_answers=False)
    quiz = service(records, config)
    await quiz.start_requested(request(target=30), announce_within=5.0)
    settings: GameSettings = quiz.started["settings"]
    assert (settings.rounds, settings.seconds_per_question, settings.mode) == (
        7,
        60.0,
        Mode.BUTTONS,
    )
    assert settings.inactivity_seconds == 180.0  # three questions' time, as that is over 120 s
    assert settings.score_target == 30
    assert quiz.started["reveal"] is False and quiz.started["announce_within"] == 5.0


@pytest.mark.parametrize(("seconds", "inactive"), [(5, 120.0), (40, 120.0), (41, 123.0)])
async def test_a_game_tolerates_at_least_two_minutes_of_silence(
    records: tuple[Defector, ...], seconds: int, inactive: float
) -> None:
    quiz = service(records, GuildQuizSettings())
    await quiz.start_requested(request(seconds=seconds))
    assert quiz.started["settings"].inactivity_seconds == inactive


async def test_a_refused_channel_is_named_with_the_rules(records: tuple[Defector, ...]) -> None:
    quiz = service(records, GuildQuizSettings(denied_channel_ids=(CHANNEL,)))
    with pytest.raises(ChannelRefused) as refused:
        await quiz.start_requested(request())
    assert refused.value.channel_id == CHANNEL and refused.value.settings is quiz.config


async def test_typed_answers_need_the_intent(records: tuple[Defector, ...]) -> None:
    quiz = service(records, GuildQuizSettings(mode=Mode.TYPED))
    with pytest.raises(InvalidInput, match="Message Content intent"):
        await quiz.start_requested(request(typed_answers=False))
    await quiz.start_requested(request(typed_answers=False, mode=Mode.BUTTONS))
    assert quiz.started["settings"].mode is Mode.BUTTONS


async def test_a_running_game_is_linked(records: tuple[Defector, ...]) -> None:
    quiz = service(records, GuildQuizSettings())
    quiz.games[CHANNEL] = RunningGame(
        id=1, guild_id=GUILD, channel_id=CHANNEL, starter_id=MEMBER, game=None, reveal=True,  # type: ignore[arg-type]
        question_message_id=99,
    )  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        await quiz.start_requested(request())
    assert "(https://discord.com/channels/1/2/99)" in refused.value.message


def test_all_combines_with_order() -> None:
    """``all`` alone means the one-answer kinds; named with ``order`` it adds chronology,
    as the README says ("played when named")."""
    assert parse_kinds("all") == ALL_KINDS and QuestionKind.ORDER not in ALL_KINDS
    for text in ("all, order", "order all", "ALL + order"):
        assert parse_kinds(text) == ALL_KINDS | {QuestionKind.ORDER}, text
    assert parse_kinds("all, year") == ALL_KINDS
    with pytest.raises(InvalidInput, match="“bogus” is not a question kind"):
        parse_kinds("all, bogus")
