"""No spoilers: while a quiz runs in a channel, /defector lookup, random and search (and the
cards opened from their buttons) answer only the member who asked; "Learn more" on a quiz
result always does. Other channels, and the channel after the quiz, get public cards."""

from __future__ import annotations

from bot.sandbox.model import Message
from bot.services.clock import ManualClock
from tests.e2e.helpers import ALICE, BORIS, CHANNEL, SECOND_CHANNEL, World
from tests.e2e.test_quiz import (
    asked_question,
    final_message,
    question_message,
    result_message,
    start,
    tick,
)

NOTE = "A quiz is running in this channel, so only you can see this."


def private_to(message: Message, member: int) -> bool:
    return message.ephemeral and message.visible_to == member


async def test_lookups_during_a_quiz_are_private_and_public_again_after(
    world: World, clock: ManualClock
) -> None:
    await start(world, {"rounds": 1, "seconds": 30})
    _, question = await asked_question(world, 1)
    public_before = len(world.server.messages(CHANNEL, viewer=BORIS))

    # The answer's own card, asked for by name: only Alice sees it.
    card = await world.reply(
        await world.slash("defector lookup", {"name": question.subject_slug}, user=ALICE)
    )
    assert private_to(card, ALICE) and card.content == NOTE
    assert card.embeds[0]["title"] == question.subject

    # Random and search too; a search's pages still turn, its select opens a private card.
    drawn = await world.reply(await world.slash("defector random", {}, user=ALICE))
    assert private_to(drawn, ALICE) and drawn.embeds[0]["title"]
    listing = await world.reply(
        await world.slash("defector search", {"origin": "Soviet Union"}, user=ALICE)
    )
    assert private_to(listing, ALICE) and "Page 1 of" in listing.embeds[0]["footer"]["text"]
    await world.click(listing, "Next ▶")
    turned = world.server.message(listing.id)
    assert turned is not None and "Page 2 of" in turned.embeds[0]["footer"]["text"]
    (menu,) = turned.select_menus()
    opened = await world.server.select(turned.id, menu.custom_id, [menu.options[0][1]], ALICE)
    assert private_to(await opened.wait_for_original(timeout=5), ALICE)

    # "Did you mean": the list was always private; the card picked from it is now too.
    suggestions = await world.reply(await world.slash("defector lookup", {"name": "mikhail b"}))
    picked = await world.reply(await world.click(suggestions, "Mikhail Baryshnikov"))
    assert private_to(picked, ALICE) and picked.content == NOTE

    # Nothing reached Boris, who plays in the channel.
    assert len(world.server.messages(CHANNEL, viewer=BORIS)) == public_before

    # In a channel with no quiz, a lookup is public as ever.
    elsewhere = await world.reply(
        await world.slash(
            "defector lookup", {"name": question.subject_slug}, channel=SECOND_CHANNEL
        )
    )
    assert not elsewhere.ephemeral and elsewhere.content == ""

    await tick(clock, 30.5)  # the question closes; it was the last one
    await result_message(world, 1)
    await final_message(world)
    after = await world.reply(
        await world.slash("defector lookup", {"name": question.subject_slug}, user=ALICE)
    )
    assert not after.ephemeral and after.embeds[0]["title"] == question.subject
    again = await world.reply(await world.click(suggestions, "Mikhail Baryshnikov"))
    assert not again.ephemeral
    assert len(world.server.messages(CHANNEL, viewer=BORIS)) > public_before


async def test_learn_more_is_always_private(world: World, clock: ManualClock) -> None:
    await start(world, {"rounds": 2, "seconds": 10})
    _, question = await asked_question(world, 1)
    await tick(clock, 10.5)
    result = await result_message(world, 1)
    learn = f"Learn more: {question.subject}"
    assert any(b.label == learn for b in result.buttons())

    # Between questions (the quiz still runs) and after the quiz: only the clicker sees it.
    during = await world.reply(await world.click(result, learn, user=BORIS))
    assert private_to(during, BORIS) and during.embeds[0]["title"] == question.subject
    await tick(clock, 4)
    await question_message(world, 2)
    await tick(clock, 10.5)
    await final_message(world)
    after = await world.reply(await world.click(result, learn, user=BORIS))
    assert private_to(after, BORIS) and after.embeds[0]["title"] == question.subject
    assert question.subject not in [
        m.embeds[0].get("title") for m in world.server.messages(CHANNEL, viewer=ALICE) if m.embeds
    ]
