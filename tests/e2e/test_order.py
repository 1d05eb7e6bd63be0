"""The chronology round through the local Discord: buttons clicked in order (with a start
over), orders typed in every form, partial credit by pairs, the reveal with years."""

from __future__ import annotations

from bot.quiz.model import Question, QuestionKind
from bot.quiz.order import pairs_right
from bot.services.clock import ManualClock
from tests.e2e.helpers import ADMIN, ALICE, BORIS, CHANNEL, GUILD, HOST, World
from tests.e2e.test_quiz import (
    field,
    final_message,
    game_in,
    press,
    question_message,
    result_message,
    start,
    tick,
)

START_OVER = 4
"""The fifth button of a chronology question."""


def current(world: World) -> Question:
    question = game_in(world).game.current
    assert question is not None and question.kind is QuestionKind.ORDER
    return question


def swapped(answer: str) -> str:
    """The answer with its last two swapped: 5 of 6 pairs right."""
    return answer[:2] + answer[3] + answer[2]


def ranked_lines(result_text: str) -> list[str]:
    return [line for line in result_text.splitlines() if line.startswith("<@")]


async def test_buttons_in_sequence_and_partial_credit(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "order", "mode": "buttons"}, user=HOST)
    message = await question_message(world, 1)
    question = current(world)
    labels = [b.label for b in message.buttons()]
    assert labels == [f"{m} · {n}" for m, n in zip("ABCD", question.choices, strict=True)] + [
        "↺ Start over"
    ]
    assert "Chronology" in message.embed_text() and "Click them in order" in message.embed_text()
    answer = str(question.answer)
    index = {m: i for i, m in enumerate("ABCD")}

    # Alice clicks the exact order; after three clicks the last one is placed for her.
    first = await press(world, message, index[answer[0]], ALICE)
    assert first.ephemeral and first.content == (f"So far: 1st {answer[0]}. Click who went 2nd.")
    again = await press(world, message, index[answer[0]], ALICE)  # placed already
    assert again.ephemeral and "already placed" in again.content
    await press(world, message, index[answer[1]], ALICE)
    done = await press(world, message, index[answer[2]], ALICE)
    assert done.ephemeral and done.content.startswith(f"Your order: {', '.join(answer)}. Locked in")

    # Boris starts wrong, starts over, then swaps the last two: 5 of 6 pairs.
    wrong_start = answer[3]
    await press(world, message, index[wrong_start], BORIS)
    cleared = await press(world, message, START_OVER, BORIS)
    assert cleared.content == "Your order is cleared: click who went first."
    boris = swapped(answer)
    for mark in boris[:3]:
        last = await press(world, message, index[mark], BORIS)
    assert last.content.startswith(f"Your order: {', '.join(boris)}.")
    # The admin gets it backwards: no pair right, no points.
    for mark in answer[::-1][:3]:
        await press(world, message, index[mark], ADMIN)
    late = await press(world, message, index[answer[0]], ALICE)
    assert "already answered" in late.content

    await tick(clock, 31)
    result = await result_message(world, 1)
    assert result.embeds[0]["title"] == f"Question 1: the order was {', '.join(answer)}"
    in_order = field(result, "In order").splitlines()
    for place, mark in enumerate(answer):
        i = index[mark]
        assert in_order[place] == (
            f"{place + 1}. **{mark}** {question.choices[i]}: {question.years[i]}"
        )
    assert sorted(question.years) == [question.years[index[m]] for m in answer]
    got = ranked_lines(field(result, "Scored"))
    assert got[0].startswith(f"<@{ALICE}> +10 ") and got[0].endswith(f"{answer}, 6 of 6 pairs")
    assert got[1].startswith(f"<@{BORIS}> +8 ") and got[1].endswith(f"{boris}, 5 of 6 pairs")
    assert not any(f"<@{ADMIN}>" in line for line in got)
    # The cards follow the list, earliest first, not the letters.
    in_years = [question.choices[index[mark]] for mark in answer]
    assert [b.label for b in result.buttons()][:4] == [f"Learn more: {n}" for n in in_years]
    await final_message(world)
    stats = await world.reply(await world.slash("quiz stats", {}, user=BORIS))
    assert "0/1 right" in stats.embed_text()  # partial credit is points, not a right answer


async def test_an_order_begun_is_waited_for(world: World, clock: ManualClock) -> None:
    """Alice's first pick makes her a player: the host locking in after the join window
    does not close the question on her half-made order (a play-tester lost one so)."""
    await start(world, {"rounds": 1, "seconds": 30, "kinds": "order", "mode": "buttons"}, user=HOST)
    message = await question_message(world, 1)
    answer = str(current(world).answer)
    index = {m: i for i, m in enumerate("ABCD")}
    await press(world, message, index[answer[0]], ALICE)
    await tick(clock, 6)  # past the join window (5 s)
    for mark in answer[:3]:
        await press(world, message, index[mark], HOST)
    second = await press(world, message, index[answer[1]], ALICE)
    assert second.content.startswith(f"So far: 1st {answer[0]}, 2nd {answer[1]}."), second.content
    done = await press(world, message, index[answer[2]], ALICE)
    assert done.content.startswith(f"Your order: {', '.join(answer)}. Locked in"), done.content
    result = await result_message(world, 1)
    assert "Closed early: everyone playing had answered." in result.embed_text()
    assert f"<@{ALICE}> · 9 points" in result.embed_text()  # her order scored


async def test_typed_orders_in_every_form(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 3, "seconds": 30, "kinds": "order", "mode": "typed"})
    for number, form in enumerate(
        [lambda a: a, lambda a: " ".join(a.lower()), lambda a: ", ".join(a)], start=1
    ):
        await question_message(world, number)
        question = current(world)
        answer = str(question.answer)
        chat = await world.server.user_message(GUILD, CHANNEL, BORIS, "hmm, tricky one")
        near = await world.server.user_message(GUILD, CHANNEL, BORIS, swapped(answer).lower())
        second = await world.server.user_message(GUILD, CHANNEL, BORIS, answer)  # one try each
        winner = await world.server.user_message(GUILD, CHANNEL, ALICE, form(answer))
        result = await result_message(world, number)
        bot = world.server.bot_user_id
        assert world.server.message(int(winner["id"])).reactions == [("✅", bot)]  # type: ignore[union-attr]
        assert world.server.message(int(near["id"])).reactions == [("🔒", bot)]  # type: ignore[union-attr]
        assert world.server.message(int(chat["id"])).reactions == []  # type: ignore[union-attr]
        assert world.server.message(int(second["id"])).reactions == []  # type: ignore[union-attr]
        # The channel line names the exact order's sender, not Boris's earlier partial one.
        assert (result.content or "").startswith(f"✅ <@{ALICE}> +10 ")
        got = ranked_lines(field(result, "Scored"))
        assert got[0].startswith(f"<@{ALICE}> +10 ") and got[1].startswith(f"<@{BORIS}> +8 ")
        assert pairs_right(swapped(answer), answer) == 5
        if number < 3:
            await tick(clock, 5)
    final = await final_message(world)
    assert f"🏆 <@{ALICE}>" in final.embed_text()
    assert "30 points" in final.embed_text() and "24 points" in final.embed_text()


async def test_order_is_opt_in_and_named_in_the_refusal(world: World) -> None:
    reply = await world.reply(
        await world.slash("quiz start", {"kinds": "chronology"}, user=ALICE, channel=CHANNEL)
    )
    assert reply.ephemeral and "year, country, method, who, order" in reply.content


async def test_the_daily_question_refuses_chronology(world: World) -> None:
    reply = await world.reply(
        await world.slash(
            "quizconfig daily", {"channel": CHANNEL, "time": "09:00", "kinds": "year, order"},
            user=ADMIN,
        )
    )  # fmt: skip
    assert reply.ephemeral and "/quiz start kinds: order" in reply.content
