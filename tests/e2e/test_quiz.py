"""Quizzes through the local Discord: full games, simultaneous answers, permissions,
two channels at once, a stale button after a restart, leaderboards and stats.

The quiz service's clock is a ManualClock: the test moves time; nothing sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.db.models import DailyPost, DailyStreak
from bot.db.quiz.games import create_game, running_game_in_channel
from bot.db.quiz.ledger import record_answers
from bot.errors import NotFound
from bot.quiz.game import GameSettings
from bot.quiz.model import Question, QuestionKind
from bot.quiz.questions import QuestionGenerator
from bot.records import AnswerRecord
from bot.sandbox import CommandNotPermitted
from bot.sandbox.model import Message
from bot.services.clock import ManualClock
from bot.services.quiz import QuizService, RunningGame
from tests.e2e.helpers import (
    ADMIN,
    ALICE,
    BORIS,
    CHANNEL,
    GUILD,
    HOST,
    OTHER_CHANNEL,
    OTHER_GUILD,
    SECOND_CHANNEL,
    World,
)


def service(world: World) -> QuizService:
    assert world.bot is not None
    return world.bot.services.quiz


def game_in(world: World, channel: int = CHANNEL) -> RunningGame:
    return service(world).games[channel]


def current_question(world: World, channel: int = CHANNEL) -> Question:
    """The question open in the channel's game; a test fails here if none is open."""
    question = game_in(world, channel).game.current
    assert question is not None
    return question


async def titled(world: World, channel: int, title: Callable[[str], bool]) -> Message:
    """The channel's first message whose embed has a title that passes ``title``."""
    return await world.wait_for(
        lambda m: m.channel_id == channel and bool(m.embeds) and title(m.embeds[0].get("title", ""))
    )


async def question_message(world: World, number: int, channel: int = CHANNEL) -> Message:
    return await titled(world, channel, lambda t: t.startswith(f"Question {number} of"))


async def asked_question(
    world: World, number: int, channel: int = CHANNEL
) -> tuple[Message, Question]:
    """Question ``number``'s message once it is posted, and the question it asks."""
    message = await question_message(world, number, channel)
    return message, current_question(world, channel)


async def result_message(world: World, number: int, channel: int = CHANNEL) -> Message:
    return await titled(world, channel, lambda t: t.startswith(f"Question {number}:"))


async def final_message(world: World, channel: int = CHANNEL) -> Message:
    return await titled(world, channel, lambda t: t == "Quiz over")


def scorers(result: Message) -> list[str]:
    """The "Got it" lines of a result embed: "<@id> +points (time)"."""
    got = next(f for f in result.embeds[0]["fields"] if f["name"] == "Got it")
    return [line for line in str(got["value"]).splitlines() if line.startswith("<@")]


def field(message: Message, name: str) -> str:
    return str(next(f for f in message.embeds[0]["fields"] if f["name"] == name)["value"])


async def tick(clock: ManualClock, seconds: float, *, sleepers: int = 1) -> None:
    """Let ``seconds`` pass once the game drivers are asleep on the clock."""
    await clock.sleepers(sleepers)
    await clock.advance(seconds)


def choice_index(question: Question, right: bool) -> int:
    return next(i for i, c in enumerate(question.choices) if (c == question.answer) == right)


async def start(world: World, options: dict[str, object], *, user: int = ALICE,
                guild: int = GUILD, channel: int = CHANNEL) -> Message:  # fmt: skip
    reply = await world.reply(
        await world.slash("quiz start", options, user=user, guild=guild, channel=channel)
    )
    assert not reply.ephemeral and reply.content.startswith("Quiz #"), reply.content
    return reply


async def press(world: World, message: Message, index: int, user: int) -> Message:
    button = message.buttons()[index]
    assert button.custom_id is not None
    interaction = await world.server.click(message.id, button.custom_id, user)
    return await interaction.wait_for_original(timeout=5)


async def test_a_buttons_game_with_several_members(world: World, clock: ManualClock) -> None:
    # The host starts it and does not answer: the questions run their full time.
    await start(world, {"rounds": 2, "seconds": 10, "kinds": "year", "mode": "buttons"}, user=HOST)
    first = await question_message(world, 1)
    question = game_in(world).game.current
    assert question is not None and len(first.buttons()) == 4
    assert "Closes <t:" in first.embed_text()  # a Discord timestamp, not per-second edits
    right, wrong = choice_index(question, True), choice_index(question, False)

    # Alice and Boris click at the same instant, Alice twice: exactly one answer each.
    replies = await asyncio.gather(
        press(world, first, right, ALICE),
        press(world, first, right, ALICE),
        press(world, first, wrong, BORIS),
    )
    texts = sorted(r.content for r in replies)
    assert sum("Locked in" in t for t in texts) == 2
    assert sum("already answered" in t for t in texts) == 1
    assert all(r.ephemeral for r in replies)
    await tick(clock, 6)
    await press(world, first, right, ADMIN)  # slower: fewer points

    await tick(clock, 4.5)  # the question closes
    result = await result_message(world, 1)
    text = "\n".join(scorers(result))
    assert f"<@{ALICE}> +10 (0.0 s)" in text and f"<@{ADMIN}> +7 (6.0 s)" in text
    assert f"<@{BORIS}>" not in text  # wrong: not among those who got it...
    assert field(result, "Standings").splitlines() == [  # ...but playing, so ranked
        f"1. <@{ALICE}> · 10 points",
        f"2. <@{ADMIN}> · 7 points",
        f"3. <@{BORIS}> · 0 points",
    ]
    assert any(b.label and b.label.startswith("Learn more") for b in result.buttons())
    closed = await world.wait_for(
        lambda m: m.id == first.id and all(b.disabled for b in m.buttons())
    )
    assert closed.edited

    await tick(clock, 4)  # the reveal pause, then question 2: nobody answers
    await question_message(world, 2)
    await tick(clock, 10.5)
    await result_message(world, 2)
    final = await final_message(world)  # the last round ends the game: no pause
    assert f"🏆 <@{ALICE}>" in final.embed_text()

    board = await world.reply(await world.slash("leaderboard", {}, user=BORIS))
    ranking = board.embed_text()
    assert ranking.index(f"<@{ALICE}>") < ranking.index(f"<@{ADMIN}>")
    assert "You have no answers" not in ranking  # Boris answered (wrongly): he is ranked
    stats = await world.reply(await world.slash("quiz stats", {}, user=ALICE))
    assert "1/1 right" in stats.embed_text() and "1 won" in stats.embed_text()


async def test_a_typed_game_first_correct_message_wins(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "year", "mode": "typed"})
    card = await question_message(world, 1)
    assert "Closes <t:" in card.embed_text()
    question = current_question(world)
    wrong = await world.server.user_message(GUILD, CHANNEL, BORIS, "1700")
    winner = await world.server.user_message(GUILD, CHANNEL, ALICE, f"in {question.answer}.")
    late = await world.server.user_message(GUILD, CHANNEL, BORIS, str(question.answer))
    await result_message(world, 1)
    assert world.server.message(int(winner["id"])).reactions == [("✅", world.server.bot_user_id)]  # type: ignore[union-attr]
    assert world.server.message(int(wrong["id"])).reactions == []  # type: ignore[union-attr]
    assert world.server.message(int(late["id"])).reactions == []  # type: ignore[union-attr]
    # The card no longer counts down: it says the question closed (before the result came).
    edited = world.server.message(card.id)
    assert edited is not None and edited.edited
    assert "Closed: the answer is below." in edited.embed_text()
    assert (
        "Closes <t:" not in edited.embed_text()
        and edited.embeds[0]["title"] == card.embeds[0]["title"]
    )
    # No "wrong!" replies were posted: only the question, the result and the standings.
    await final_message(world)
    bot_posts = [
        m for m in world.server.messages(CHANNEL) if m.author_id == world.server.bot_user_id
    ]
    assert len([m for m in bot_posts if not m.interaction_id]) == 3


async def test_one_game_per_channel_and_channels_do_not_interfere(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "year"}, user=HOST)
    second = await world.reply(await world.slash("quiz start", {"rounds": 1}, user=BORIS))
    assert second.ephemeral and "already running" in second.content
    await start(world, {"rounds": 1, "seconds": 10, "kinds": "who"}, user=BORIS,
                guild=OTHER_GUILD, channel=OTHER_CHANNEL)  # fmt: skip
    here, there = await question_message(world, 1), await question_message(world, 1, OTHER_CHANNEL)
    q_here, q_there = game_in(world).game.current, game_in(world, OTHER_CHANNEL).game.current
    assert q_here is not None and q_there is not None
    await press(world, here, choice_index(q_here, True), ALICE)
    await press(world, there, choice_index(q_there, False), ALICE)
    await tick(clock, 10.5, sleepers=2)
    assert scorers(await result_message(world, 1))[0].startswith(f"<@{ALICE}> +")
    assert scorers(await result_message(world, 1, OTHER_CHANNEL)) == []


async def test_stop_skip_hint_belong_to_the_starter_or_moderators(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 3, "seconds": 30, "kinds": "year"})
    await question_message(world, 1)
    for command in ("quiz hint", "quiz skip", "quiz stop"):
        refused = await world.reply(await world.slash(command, {}, user=BORIS))
        assert refused.ephemeral and "Only the member who started" in refused.content
    hint = await world.reply(await world.slash("quiz hint", {}, user=ALICE))
    assert hint.content.startswith("💡 Hint:")
    await world.reply(await world.slash("quiz skip", {}, user=ADMIN))  # a moderator
    assert "Skipped" in (await result_message(world, 1)).embed_text()
    status = await world.reply(await world.slash("quiz status", {}, user=BORIS))
    assert status.ephemeral and f"started by <@{ALICE}>" in status.content
    assert "Leading" not in status.content  # nobody has a point to lead with
    assert "You have not answered in this quiz yet." in status.content
    # Boris locks in his first answer: his status no longer says he has not answered.
    await tick(clock, 5)
    await press(world, await question_message(world, 2), 0, BORIS)
    locked = await world.reply(await world.slash("quiz status", {}, user=BORIS))
    assert "Your answer to this question is locked in" in locked.content, locked.content
    await world.reply(await world.slash("quiz stop", {}, user=ALICE))
    final = await final_message(world)
    assert "stopped" in final.embed_text()


async def test_a_stale_button_after_a_restart_is_answered(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 5, "seconds": 30, "kinds": "year"})
    first = await question_message(world, 1)
    await world.restart_bot()
    told = await world.wait_for(lambda m: "interrupted by a restart" in m.content)
    assert told.channel_id == CHANNEL
    reply = await press(world, first, 0, ALICE)
    assert reply.ephemeral and "That question has closed" in reply.content
    again = await world.reply(await world.slash("quiz start", {"rounds": 1}))
    assert not again.ephemeral  # the interrupted game no longer blocks the channel


async def test_quizconfig_needs_manage_server(world: World) -> None:
    with pytest.raises(CommandNotPermitted):  # Discord hides it from plain members
        await world.server.slash(GUILD, CHANNEL, BORIS, "quizconfig set", {"rounds": 5})
    saved = await world.reply(
        await world.slash("quizconfig set", {"rounds": 5, "mode": "typed"}, user=ADMIN)
    )
    assert saved.ephemeral and "Rounds: 5" in saved.embed_text()
    shown = await world.reply(await world.slash("quizconfig show", {}, user=ADMIN))
    assert "Mode: typed" in shown.embed_text()


async def test_typed_mode_is_refused_without_the_intent(world: World) -> None:
    # A bot run without the privileged intent (MESSAGE_CONTENT_INTENT=false, the default).
    world.settings = world.settings.model_copy(update={"message_content_intent": False})
    bot = await world.restart_bot()
    assert not bot.intents.message_content
    refused = await world.reply(await world.slash("quiz start", {"mode": "typed"}))
    assert refused.ephemeral and "Message Content intent" in refused.content
    works = await world.reply(await world.slash("quiz start", {"mode": "buttons", "rounds": 1}))
    assert not works.ephemeral


async def test_a_silent_game_ends_itself(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 20, "seconds": 30, "kinds": "year"})
    # 30 s questions with 4 s pauses, nobody answering: the 120 s silence limit ends it
    # during the fourth question.
    for number in range(1, 5):
        await question_message(world, number)
        await tick(clock, 30.5 if number < 4 else 20)
        if number < 4:
            await result_message(world, number)
            await tick(clock, 4)
    final = await final_message(world)
    assert "nobody answered for a while" in final.embed_text()
    assert "Nobody scored." in final.embed_text()


async def test_quiz_channels_can_be_limited(world: World) -> None:
    await world.reply(
        await world.slash(
            "quizconfig channel", {"channel": SECOND_CHANNEL, "allowed": True}, user=ADMIN
        )
    )
    refused = await world.reply(await world.slash("quiz start", {"rounds": 1}))
    assert refused.ephemeral and f"<#{SECOND_CHANNEL}>" in refused.content


async def test_a_button_cannot_act_on_another_channels_game(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "year"})
    here = await question_message(world, 1)
    other = await start(world, {"rounds": 1, "seconds": 30, "kinds": "year"}, user=BORIS,
                        guild=OTHER_GUILD, channel=OTHER_CHANNEL)  # fmt: skip
    await question_message(world, 1, OTHER_CHANNEL)
    # A forged click in the other server carrying this server's game id.
    forged = await world.server.click(
        other.id, here.buttons()[0].custom_id or "", ALICE, forge=True
    )
    assert forged.callbacks == [] or "closed" in (await forged.wait_for_original(5)).content
    assert game_in(world).game.scores == {}
    assert game_in(world, OTHER_CHANNEL).game.scores == {}
    # And the service itself refuses a game id from another channel.
    with pytest.raises(NotFound):
        service(world).click(
            channel_id=OTHER_CHANNEL, game_id=game_in(world).id, number=1, user_id=ALICE,
            choice=0, event_id=None,
        )  # fmt: skip


def slow_database(world: World) -> None:
    """/quiz start acts as if its database work took longer than its 2 s budget."""
    assert world.bot is not None
    cog = world.bot.get_cog("Quiz")
    assert cog is not None
    cog.defer_after = 0  # type: ignore[attr-defined]


async def test_a_slow_start_is_acknowledged_first_and_errors_stay_private(
    world: World, clock: ManualClock
) -> None:
    slow_database(world)
    interaction = await world.slash("quiz start", {"rounds": 1, "kinds": "year"})
    assert interaction.callbacks[0]["type"] == 5  # deferred, "thinking"
    told = await world.reply(interaction)
    assert told.ephemeral and told.content == "Started."
    announced = await world.wait_for(
        lambda m: m.channel_id == CHANNEL and m.content.startswith("Quiz #")
    )
    assert f"Started by <@{ALICE}>" in announced.content and not announced.ephemeral
    await question_message(world, 1)
    again = await world.slash("quiz start", {"rounds": 1}, user=BORIS)
    refused = await world.reply(again)
    assert refused.ephemeral and "already running" in refused.content


async def test_a_start_whose_defer_fails_still_announces_its_game(
    world: World, clock: ManualClock
) -> None:
    slow_database(world)
    # Discord refuses the acknowledgement (as when it has given up on the interaction).
    world.server.inject_rest_failure("POST", "/interactions/*/*/callback", status=404)
    await world.server.slash(GUILD, CHANNEL, ALICE, "quiz start", {"rounds": 1, "kinds": "year"})
    announced = await world.wait_for(
        lambda m: m.channel_id == CHANNEL and m.content.startswith("Quiz #")
    )
    assert f"Started by <@{ALICE}>" in announced.content
    await question_message(world, 1)  # the game runs
    world.server.violations.clear()  # the unanswered interaction is what this test injected


# -- the quiz as played: pace, one scoring rule, wording --------------------------------------


async def test_a_lone_players_click_closes_the_question_once_others_could_join(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "year", "mode": "buttons"})
    first, question = await asked_question(world, 1)
    locked = await press(world, first, choice_index(question, True), ALICE)
    assert locked.ephemeral
    assert locked.content == (
        "Locked in. Everyone playing has answered: the results come in a few seconds, "
        "once others have had a chance to join."
    )
    # The only player has answered: the question waits out its join window (5 s), not 30 s.
    await tick(clock, 5.5)
    result = await result_message(world, 1)
    assert "Closed early: everyone playing had answered." in result.embed_text()
    assert scorers(result) == [f"<@{ALICE}> +10 (0.0 s)"]
    assert field(result, "Standings") == f"1. <@{ALICE}> · 10 points"
    final = await final_message(world)
    assert "1 question ·" in final.embed_text()  # not "1 questions"


async def test_a_question_waits_for_everyone_playing_then_closes_early(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 2, "seconds": 30, "kinds": "year", "mode": "buttons"})
    first, question = await asked_question(world, 1)
    await tick(clock, 3)
    waiting = await press(world, first, choice_index(question, True), BORIS)
    assert waiting.content == "Locked in. Results when the question closes."
    assert game_in(world).game.question_number == 1 and game_in(world).game.current is not None
    await press(world, first, choice_index(question, False), ALICE)  # the starter, last
    await tick(clock, 2.5)  # the join window (5 s) ends
    result = await result_message(world, 1)
    assert "Closed early" in result.embed_text()
    assert scorers(result) == [f"<@{BORIS}> +10 (3.0 s)"]  # 10 × (1 − 0.5 × 3/30) = 9.5 → 10
    assert field(result, "Standings").splitlines() == [
        f"1. <@{BORIS}> · 10 points",
        f"2. <@{ALICE}> · 0 points",
    ]

    # Question 2: Boris played question 1, so Alice alone no longer closes it.
    await tick(clock, 4)
    second, question = await asked_question(world, 2)
    await press(world, second, choice_index(question, True), ALICE)
    status = await world.reply(await world.slash("quiz status", {}, user=BORIS))
    assert status.ephemeral and "Question 2 of 2" in status.content
    assert "You are #1 of 2 with 10 points." in status.content  # the reader's own place
    await tick(clock, 30.5)  # Boris never answers: the timer closes it
    result = await result_message(world, 2)
    assert "Closed early" not in result.embed_text()
    assert scorers(result) == [f"<@{ALICE}> +10 (0.0 s)"]


async def test_skip_or_stop_after_a_lock_in_scores_it_and_the_ledger_agrees(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 3, "seconds": 10, "kinds": "year", "mode": "buttons"})
    first, question = await asked_question(world, 1)
    await tick(clock, 6)
    await press(world, first, choice_index(question, True), BORIS)  # Alice has not answered
    await world.reply(await world.slash("quiz skip", {}, user=ALICE))
    result = await result_message(world, 1)
    assert "Skipped. Answers locked in before it count." in result.embed_text()
    assert scorers(result) == [f"<@{BORIS}> +7 (6.0 s)"]  # as if the time had run out

    await tick(clock, 4)
    second, question = await asked_question(world, 2)
    await press(world, second, choice_index(question, True), BORIS)
    await world.reply(await world.slash("quiz stop", {}, user=ALICE))
    result = await result_message(world, 2)
    assert "The quiz was stopped. Answers locked in before it count." in result.embed_text()
    assert scorers(result) == [f"<@{BORIS}> +10 (0.0 s)"]
    final = await final_message(world)
    assert f"1. <@{BORIS}> · 17 points" in final.embed_text()
    assert f"🏆 <@{BORIS}>" in final.embed_text()

    # What the channel was told is what the ledger holds and the stats show.
    figures = await service(world).stats(user_id=BORIS, guild_id=GUILD)
    assert (figures.answers, figures.correct, figures.points) == (2, 2, 17)
    stats = await world.reply(await world.slash("quiz stats", {}, user=BORIS))
    assert "2/2 right" in stats.embed_text() and "Points: 17" in stats.embed_text()
    # No kind has 5 answers yet: no "Hardest" that another kind's accuracy contradicts.
    assert "Hardest" not in stats.embed_text()


async def test_an_impossible_kind_and_difficulty_is_refused_before_anything_is_announced(
    world: World, clock: ManualClock
) -> None:
    quiz = service(world)
    real = quiz.generator
    # A one-person catalogue: a "who is this?" question needs four people to choose from.
    quiz.generator = QuestionGenerator(real.records[:1], quiz.rng)
    before = len(world.server.messages(CHANNEL))
    refused = await world.reply(
        await world.slash("quiz start", {"kinds": "who", "difficulty": "hard"})
    )
    assert refused.ephemeral
    assert refused.content.startswith("There are no hard questions about who")
    assert world.server.messages(CHANNEL)[before:] == [refused]  # nothing public
    assert CHANNEL not in quiz.games
    assert await running_game_in_channel(quiz.sessions, channel_id=CHANNEL) is None

    quiz.generator = real  # the channel is free: the full catalogue has hard "who" questions
    await start(world, {"kinds": "who", "difficulty": "hard", "rounds": 1})
    await question_message(world, 1)


async def test_typed_mode_says_who_got_it_in_the_channel(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "year", "mode": "typed"})
    card = await question_message(world, 1)
    assert "Closes <t:" in card.embed_text()
    question = current_question(world)
    await tick(clock, 2.5)
    await world.server.user_message(GUILD, CHANNEL, BORIS, f"{question.answer}")
    result = await result_message(world, 1)
    assert result.content == f"✅ <@{BORIS}> +10 (2.5 s)"
    assert result.allowed_mentions is not None and result.allowed_mentions.get("parse") == []
    assert field(result, "Standings") == f"1. <@{BORIS}> · 10 points"
    await final_message(world)


async def test_the_rules_and_a_hints_cost_are_shown_before_they_matter(
    world: World, clock: ManualClock
) -> None:
    rules = GameSettings()
    cost = f"−{rules.hint_cost} points on every answer given after it"
    fastest = rules.points(elapsed=0, hints_seen=0)
    slowest = rules.points(elapsed=rules.seconds_per_question, hints_seen=0)
    shown = (await world.reply(await world.slash("help"))).embed_text()
    assert f"{fastest} points at once down to {slowest} points at the last second" in shown
    assert f"/quiz hint: A hint for the open question ({cost})" in shown
    announced = await start(world, {"rounds": 1, "seconds": 30, "kinds": "year"})
    assert "Scoring: Buttons: one click each" in announced.content
    assert f"takes {rules.hint_cost} points off every answer given after it" in announced.content
    asked = await question_message(world, 1)
    assert f"Hint: /quiz hint ({cost})" in asked.embed_text()
    posted = [m.id for m in world.server.messages(CHANNEL)]
    assert posted.index(announced.id) < posted.index(asked.id)  # the rules come first

    # The admin (a moderator) plays: once locked in, no hint for them.
    question = current_question(world)
    await press(world, asked, choice_index(question, False), ADMIN)
    refused = await world.reply(await world.slash("quiz hint", {}, user=ADMIN))
    assert refused.ephemeral and "already locked in" in refused.content
    assert game_in(world).game.hints_used == 0
    hint = await world.reply(await world.slash("quiz hint", {}, user=ALICE))  # still thinking
    assert not hint.ephemeral and hint.content.startswith("💡 Hint:") and cost in hint.content


async def test_leaderboard_wording_for_one_player_and_an_unplayed_kind(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "year", "mode": "buttons"})
    asked, question = await asked_question(world, 1)
    await press(world, asked, choice_index(question, True), ALICE)
    await tick(clock, 5.5)  # the join window
    await final_message(world)

    board = (await world.reply(await world.slash("leaderboard", {}, user=ALICE))).embed_text()
    assert f"Ranking: 1. <@{ALICE}> · **10 points** · 1/1 right" in board
    assert "Your rank: #1 with 10 points." in board
    assert "· 1 player ·" in board  # not "1 players"
    assert "`" not in board
    who = (
        await world.reply(await world.slash("leaderboard", {"kind": "who"}, user=ALICE))
    ).embed_text()
    assert "Nobody has answered a “Who did this?” question on this server yet." in who
    assert "Your rank: You have not answered a “Who did this?” question on this server yet." in who
    week = (
        await world.reply(await world.slash("leaderboard", {"period": "week"}, user=BORIS))
    ).embed_text()
    assert "Your rank: You have not answered a quiz question on this server this week yet." in week


async def test_the_next_quizzes_in_a_channel_ask_about_other_people(
    world: World, clock: ManualClock
) -> None:
    """A play-tester met the same "KGB agent, 1978" question in three quizzes in a row."""
    quiz = service(world)
    quiz.rng.seed(3)  # the generator's source: the same draws every run
    subjects = []
    for _ in range(30):  # without the memory, 30 draws from the "who" pool repeat someone
        await start(world, {"rounds": 1, "seconds": 30, "kinds": "who", "mode": "buttons"})
        await wait_for_question(quiz)
        question = current_question(world)
        subjects.append(question.subject_slug)
        await world.reply(await world.slash("quiz stop", {}, user=ALICE))
        await wait_for_end(quiz)
    assert len(set(subjects)) == len(subjects), subjects
    # Another channel has its own memory: nothing there is held back by this one's.
    assert set(quiz._recent_in(CHANNEL)) == set(subjects)
    assert not quiz._recent_in(CHANNEL + 1)


async def wait_for_question(quiz: QuizService) -> None:
    async with asyncio.timeout(5):
        while CHANNEL not in quiz.games or quiz.games[CHANNEL].game.current is None:
            await asyncio.sleep(0)


async def wait_for_end(quiz: QuizService) -> None:
    async with asyncio.timeout(5):
        while CHANNEL in quiz.games:
            await asyncio.sleep(0)


async def test_typed_mode_speaks_typed_hints_and_no_lock_in(
    world: World, clock: ManualClock
) -> None:
    """Typed mode shows no choices: its hints narrow the answer itself, and a skip does not
    speak of answers "locked in" (play-test, issue 10)."""
    await start(world, {"rounds": 2, "seconds": 30, "kinds": "method", "mode": "typed"})
    await question_message(world, 1)
    question = game_in(world).game.current
    assert question is not None and question.typed_hints != question.hints
    hint = await world.reply(await world.slash("quiz hint", {}, user=ALICE))
    assert question.typed_hints[0] in hint.content
    await world.server.user_message(GUILD, CHANNEL, BORIS, "by hot air balloon to mars")
    await world.reply(await world.slash("quiz skip", {}, user=ALICE))
    result = await result_message(world, 1)
    text = result.embed_text()
    assert "Skipped." in text and "locked in" not in text and "no choice offered" not in text
    # A method mid-sentence is lower case: "the answer was during a tour…".
    title = result.embeds[0]["title"]
    answer = title.split("the answer was ", 1)[1]
    assert answer[0].islower(), title
    await world.reply(await world.slash("quiz stop", {}, user=ALICE))
    await final_message(world)


async def test_leaderboard_pages_turn_with_their_buttons(world: World, clock: ManualClock) -> None:
    """Twelve players fill two pages; ▶ shows the second and ◀ comes back, for anyone."""
    quiz = service(world)
    game_id = await create_game(
        quiz.sessions, guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, mode="buttons",
        kinds=["year"], rounds=1, started_at=clock.wall(),
    )  # fmt: skip
    answers = [
        AnswerRecord(
            game_id=game_id,
            question_number=1,
            guild_id=GUILD,
            channel_id=CHANNEL,
            user_id=1000 + n,
            kind=QuestionKind.YEAR,
            record_slug="x",
            correct=True,
            points=100 - n,
            response_ms=1000,
            answered_at=clock.wall(),
        )
        for n in range(12)
    ]
    await record_answers(quiz.sessions, answers=answers)
    first = await world.reply(await world.slash("leaderboard", {"kind": "year"}, user=ALICE))
    assert "Page 1 of 2 · 12 players" in first.embed_text()
    assert {b.label: b.disabled for b in first.buttons()} == {"◀ Previous": True, "Next ▶": False}
    second = await world.reply(await world.click(first, "Next ▶", user=BORIS))
    text = second.embed_text()
    assert "Page 2 of 2" in text and "Kind: Year" in text
    assert f"11. <@{1010}>" in text and f"12. <@{1011}>" in text
    assert {b.label: b.disabled for b in second.buttons()} == {"◀ Previous": False, "Next ▶": True}
    back = await world.reply(await world.click(second, "◀ Previous", user=BORIS))
    assert "Page 1 of 2" in back.embed_text() and f"1. <@{1000}>" in back.embed_text()


async def test_a_page_turn_on_someone_elses_leaderboard_answers_the_clicker_alone(
    world: World, clock: ManualClock
) -> None:
    """Boris turning a page of Alice's /leaderboard used to rewrite her message into his
    view ("Your rank" his). The shared message stays hers; he gets the page he asked for,
    with his own rank, as a message only he sees, and turns his own copy in place."""
    quiz = service(world)
    game_id = await create_game(
        quiz.sessions, guild_id=GUILD, channel_id=CHANNEL, starter_id=ALICE, mode="buttons",
        kinds=["year"], rounds=1, started_at=clock.wall(),
    )  # fmt: skip
    players = [ALICE, BORIS, *(1000 + n for n in range(10))]  # Alice 1st, Boris 2nd
    answers = [
        AnswerRecord(
            game_id=game_id,
            question_number=1,
            guild_id=GUILD,
            channel_id=CHANNEL,
            user_id=user,
            kind=QuestionKind.YEAR,
            record_slug="x",
            correct=True,
            points=100 - n,
            response_ms=1000,
            answered_at=clock.wall(),
        )
        for n, user in enumerate(players)
    ]
    await record_answers(quiz.sessions, answers=answers)
    shared = await world.reply(await world.slash("leaderboard", {}, user=ALICE))
    assert not shared.ephemeral and "Your rank: #1 with 100 points." in shared.embed_text()

    theirs = await world.reply(await world.click(shared, "Next ▶", user=BORIS))
    assert theirs.id != shared.id and theirs.ephemeral and theirs.visible_to == BORIS
    assert "Page 2 of 2" in theirs.embed_text()
    assert "Your rank: #2 with 99 points." in theirs.embed_text()
    still = world.server.message(shared.id)
    assert still is not None and "Page 1 of 2" in still.embed_text()
    assert "Your rank: #1 with 100 points." in still.embed_text()

    back = await world.reply(await world.click(theirs, "◀ Previous", user=BORIS))
    assert back.id == theirs.id and "Page 1 of 2" in back.embed_text()
    assert "Your rank: #2 with 99 points." in back.embed_text()

    turned = await world.reply(await world.click(shared, "Next ▶", user=ALICE))
    assert turned.id == shared.id and "Page 2 of 2" in turned.embed_text()
    assert "Your rank: #1 with 100 points." in turned.embed_text()


async def test_a_short_quiz_announces_its_own_join_window(world: World, clock: ManualClock) -> None:
    """The opening message gives the number for this quiz's length (a quarter of 10 s);
    /help, which knows no length, gives the rule (tests/e2e/test_lookup.py)."""
    announced = await start(world, {"rounds": 1, "seconds": 10, "kinds": "year"})
    assert "not in its first 2.5 s, so others can join" in announced.content
    await world.reply(await world.slash("quiz stop", {}, user=ALICE))
    await final_message(world)


async def test_a_score_target_is_announced_and_ends_the_quiz(
    world: World, clock: ManualClock
) -> None:
    """``target:`` ends a quiz early: the players learn of it from the opening message."""
    announced = await start(
        world, {"rounds": 3, "seconds": 30, "kinds": "year", "mode": "typed", "target": 5}
    )
    assert "3 questions, 30 s each; it ends once someone has 5 points;" in announced.content
    await question_message(world, 1)
    question = game_in(world).game.current
    assert question is not None
    await world.server.user_message(GUILD, CHANNEL, BORIS, f"{question.answer}")
    final = await final_message(world)
    assert "The score target was reached." in final.embed_text()


async def test_a_page_turn_on_someone_elses_streak_board_answers_the_clicker_alone(
    world: World, clock: ManualClock
) -> None:
    """The streak board shows its viewer's own line too: the same rule as the points board."""
    assert world.bot is not None and world.bot.services.daily is not None
    day = clock.wall().date()
    async with world.bot.services.daily.sessions() as session:
        session.add(
            DailyPost(
                guild_id=GUILD, day=day, channel_id=CHANNEL, claimed_by="test",
                claimed_at=clock.wall(), posted_at=clock.wall(), closed_at=clock.wall(),
            )
        )  # fmt: skip
        streakers = [ALICE, BORIS, *(1000 + n for n in range(10))]  # Alice 1st, Boris 2nd
        for n, user in enumerate(streakers):
            session.add(
                DailyStreak(guild_id=GUILD, user_id=user, current=20 - n, best=20, last_day=day)
            )
        await session.commit()
    shared = await world.reply(
        await world.slash("leaderboard", {"ranking": "daily streaks"}, user=ALICE)
    )
    assert "Page 1 of 2" in shared.embed_text() and "You are #1 with 20" in shared.embed_text()
    theirs = await world.reply(await world.click(shared, "Next ▶", user=BORIS))
    assert theirs.id != shared.id and theirs.ephemeral and theirs.visible_to == BORIS
    assert "Page 2 of 2" in theirs.embed_text() and "You are #2 with 19" in theirs.embed_text()
    still = world.server.message(shared.id)
    assert still is not None and "Page 1 of 2" in still.embed_text()
    assert "You are #1 with 20" in still.embed_text()
    turned = await world.reply(await world.click(shared, "Next ▶", user=ALICE))
    assert turned.id == shared.id and "Page 2 of 2" in turned.embed_text()
