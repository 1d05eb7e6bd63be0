"""Pictures through the local Discord: each reply's image arrives as a multipart upload whose
attachment the embed references, its bytes are the renderer's, and without a renderer the
same reply comes as text."""

from __future__ import annotations

import asyncio
import io

import aiohttp
from PIL import Image

from bot.pictures import Picture, Standings, build, render
from bot.sandbox.model import Message
from bot.services.clock import ManualClock
from bot.services.pictures import PictureService
from tests.e2e.helpers import ALICE, BORIS, ErrorLog, World
from tests.e2e.test_quiz import (
    asked_question,
    choice_index,
    final_message,
    press,
)
from tests.e2e.test_quiz import start as start_quiz


def fields(embed: dict[str, object]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed.get("fields", [])}  # type: ignore[attr-defined]


async def fetched(url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200 and response.content_type == "image/png"
        return await response.read()


async def the_picture(
    world: World, message: Message, filename: str, size: tuple[int, int]
) -> bytes:
    """The one attachment of ``message``: uploaded as ``filename``, shown as the embed's
    image, served by the local Discord at its url; returns its bytes. A picture drawn for
    the occasion is added by an edit just after the text reply: wait for it."""
    (attachment,) = await world.server.wait_for(lambda: message.attachments)
    assert attachment["filename"] == filename and attachment["content_type"] == "image/png"
    assert (attachment["width"], attachment["height"]) == size
    assert attachment["description"]  # alt text for screen readers
    (embed,) = message.embeds
    assert embed["image"]["url"] == attachment["url"]  # attachment:// resolved to the upload
    png = await fetched(attachment["url"])
    assert len(png) == attachment["size"]
    assert Image.open(io.BytesIO(png)).size == size
    return png


def uploads(world: World) -> list[dict[str, object]]:
    """The REST calls that carried files (their payload_json named the attachments)."""
    return [
        call.body
        for call in world.server.requests
        if isinstance(call.body, dict)
        and "attachments" in (call.body.get("data") or call.body)
        and (call.body.get("data") or call.body)["attachments"]
    ]


async def test_a_card_shows_the_timeline_and_who_else_left_that_year(world: World) -> None:
    assert world.bot is not None
    records = world.bot.services.lookup.index.records
    nureyev = next(r for r in records if r.name == "Rudolf Nureyev")
    message = await world.reply(await world.slash("defector lookup", {"name": "nureyev"}))
    png = await the_picture(world, message, "defector-timeline.png", (800, 260))
    assert png == render(build.timeline(nureyev, records))
    others = [r.name for r in records if r.year == 1961 and r is not nureyev]
    assert fields(message.embeds[0])["Also in 1961"] == ", ".join(others)
    # discord.py sent payload_json with attachments [{"id": 0, ...}] and files[0].
    (body,) = uploads(world)  # the edit that added the picture
    sent = body
    assert sent["attachments"][0]["id"] == 0  # type: ignore[index]
    assert sent["attachments"][0]["filename"] == "defector-timeline.png"  # type: ignore[index]


async def test_the_text_answers_first_and_a_new_picture_is_added_by_an_edit(
    world: World,
) -> None:
    first = await world.slash("defector lookup", {"name": "nureyev"})
    message = await world.reply(first)
    assert not first.deferred and first.callback_types == [4]  # the text card, at once
    await the_picture(world, message, "defector-timeline.png", (800, 260))
    assert message.edited  # the picture came by an edit of that reply
    # Now in the cache: it goes with the reply itself, no edit.
    again = await world.slash("defector lookup", {"name": "nureyev"})
    cached = await world.reply(again)
    assert cached.attachments and not cached.edited
    await the_picture(world, cached, "defector-timeline.png", (800, 260))


async def test_stats_chart_and_its_filters(world: World) -> None:
    everyone = await world.reply(await world.slash("defector stats", {}))
    assert everyone.embeds[0]["description"] == "165 people in the list."
    all_png = await the_picture(world, everyone, "defector-stats.png", (800, 660))
    hungary = await world.reply(
        await world.slash("defector stats", {"origin": "Hungary", "decade": 1950})
    )
    (embed,) = hungary.embeds
    assert embed["description"].startswith("Hungary · the 1950s: ")
    assert fields(embed)["Left"].strip("`\n").startswith("Hungary")
    assert await the_picture(world, hungary, "defector-stats.png", (800, 660)) != all_png


async def test_stats_filters_with_nobody_answer_privately(world: World) -> None:
    reply = await world.reply(
        await world.slash("defector stats", {"origin": "Albania", "decade": 1920})
    )
    assert reply.ephemeral and "No one" in reply.content and not reply.attachments


async def test_quiz_standings_and_profile_card(world: World, clock: ManualClock) -> None:
    await start_quiz(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"})
    message, question = await asked_question(world, 1)
    await press(world, message, choice_index(question, True), ALICE)
    await press(world, message, choice_index(question, False), BORIS)
    await clock.sleepers(1)
    await clock.advance(11)
    final = await final_message(world)
    png = await the_picture(world, final, "quiz-standings.png", (800, 450))
    standings = fields(final.embeds[0])["Standings"]
    assert standings.index(f"<@{ALICE}>") < standings.index(f"<@{BORIS}>")
    # The picture draws the same standings, with the names the server shows.
    points = [int(line.split(" · ")[1].split()[0]) for line in standings.splitlines()]
    expected = Standings(
        players=(("alice", points[0]), ("boris", points[1])),
        questions=1,
        ending="All rounds played.",
    )
    assert png == render(expected)

    stats = await world.reply(await world.slash("quiz stats", {}, user=ALICE))
    assert fields(stats.embeds[0])["Rank"] == "#1 of 2"
    await the_picture(world, stats, "quiz-profile.png", (800, 400))


async def test_no_podium_when_nobody_scored(world: World, clock: ManualClock) -> None:
    await start_quiz(world, {"rounds": 1, "seconds": 10, "kinds": "year", "mode": "buttons"})
    message, question = await asked_question(world, 1)
    await press(world, message, choice_index(question, False), ALICE)
    await press(world, message, choice_index(question, False), BORIS)
    await clock.sleepers(1)
    await clock.advance(11)
    final = await final_message(world)
    (embed,) = final.embeds
    assert not final.attachments and "image" not in embed
    assert fields(embed)["Standings"] == "Nobody scored." and "Winner" not in fields(embed)


async def test_text_alone_when_the_picture_cannot_be_drawn(
    world: World, error_log: ErrorLog
) -> None:
    assert world.bot is not None

    def broken(picture: Picture) -> bytes:
        raise RuntimeError("the renderer is broken")

    world.bot.services.pictures.close()
    service = world.bot.services.pictures = PictureService(broken)
    for tries, name in enumerate(("nureyev", "baryshnikov"), start=1):
        message = await world.reply(await world.slash("defector lookup", {"name": name}))
        await asyncio.wait_for(service.wait_settled(tries), 5)
        (embed,) = message.embeds
        assert not message.attachments and "image" not in embed
        assert fields(embed)["Year"] and "Also in" in "".join(fields(embed))
    stats = await world.reply(await world.slash("defector stats", {}))
    await asyncio.wait_for(service.wait_settled(3), 5)
    assert not stats.attachments and stats.embeds[0]["fields"] and not stats.edited
    # One error with its traceback per kind of picture, not one per reply.
    logged = [r.getMessage() for r in error_log.records]
    assert logged == [
        "could not draw the Timeline picture; replying with text only",
        "could not draw the StatsChart picture; replying with text only",
    ]
    error_log.records.clear()  # expected errors
