"""Uploads to the local Discord, as Discord reads them: ``payload_json`` + ``files[n]``, the
attachment ids, the per-file size limit, at most 10 files, ``attachment://`` in embeds."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
from PIL import Image

from bot.sandbox import LocalDiscord
from bot.sandbox.attachments import ATTACHMENT_SIZE_LIMIT, image_size
from tests.sandbox.conftest import CHANNEL_A


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, format="PNG")
    return out.getvalue()


async def upload(
    server: LocalDiscord, payload: dict[str, Any], files: list[tuple[str, str, bytes]]
) -> tuple[int, Any]:
    """POST a message as multipart: ``files`` are (field name, filename, bytes)."""
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for name, filename, data in files:
        form.add_field(name, data, filename=filename, content_type="application/octet-stream")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{server.api_base}/channels/{CHANNEL_A}/messages",
            data=form,
            headers={"Authorization": f"Bot {server.token}"},
        ) as response,
    ):
        return response.status, await response.json()


async def test_files_n_match_their_attachment_entries_and_are_served(
    server: LocalDiscord,
) -> None:
    image = png(40, 20)
    status, body = await upload(
        server,
        {
            "embeds": [{"title": "chart", "image": {"url": "attachment://chart.png"}}],
            "attachments": [
                {"id": 3, "filename": "chart.png", "description": "a chart"},
                {"id": 0, "filename": "notes.txt"},
            ],
        },
        [("files[0]", "notes.txt", b"hello"), ("files[3]", "chart.png", image)],
    )
    assert status == 200, body
    notes, chart = body["attachments"]
    assert (notes["filename"], notes["size"], notes["content_type"]) == (
        "notes.txt", 5, "text/plain",
    )  # fmt: skip
    assert "width" not in notes
    assert (chart["filename"], chart["description"], chart["content_type"]) == (
        "chart.png", "a chart", "image/png",
    )  # fmt: skip
    assert (chart["width"], chart["height"], chart["size"]) == (40, 20, len(image))
    assert body["embeds"][0]["image"] == {
        "url": chart["url"], "proxy_url": chart["proxy_url"], "width": 40, "height": 20,
    }  # fmt: skip
    async with aiohttp.ClientSession() as session, session.get(chart["url"]) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert await response.read() == image
    async with aiohttp.ClientSession() as session, session.get(chart["url"] + "x") as response:
        assert response.status == 404
    assert server.violations == []


async def test_a_file_over_the_size_limit_is_refused(server: LocalDiscord) -> None:
    big = b"\0" * (ATTACHMENT_SIZE_LIMIT + 1)
    status, body = await upload(
        server, {"attachments": [{"id": 0, "filename": "big.bin"}]}, [("files[0]", "big.bin", big)]
    )
    assert (status, body["code"]) == (413, 40005)
    assert "big.bin" in server.violations[-1] and "per file" in server.violations[-1]


async def test_malformed_uploads_are_refused(server: LocalDiscord) -> None:
    cases: list[tuple[list[tuple[str, str, bytes]], str]] = [
        ([("files[0]", "a.txt", b"a"), ("files[0]", "b.txt", b"b")], "appears twice"),
        ([("file", "a.txt", b"a")], "unexpected form field 'file'"),
        ([(f"files[{i}]", f"{i}.txt", b"x") for i in range(11)], "more than 10 files"),
    ]
    for files, problem in cases:
        status, body = await upload(server, {"content": "x"}, files)
        assert (status, body["code"]) == (400, 50035)
        assert problem in server.violations[-1]


async def test_an_embed_naming_no_upload_is_a_violation(server: LocalDiscord) -> None:
    status, _ = await upload(
        server,
        {
            "embeds": [{"title": "t", "image": {"url": "attachment://other.png"}}],
            "attachments": [{"id": 0, "filename": "chart.png"}],
        },
        [("files[0]", "chart.png", png(2, 2))],
    )
    assert status == 200
    assert server.violations == [
        f"POST /api/v10/channels/{CHANNEL_A}/messages: embed image attachment://other.png "
        "names no attachment of the message"
    ]
    server.violations.clear()


def test_image_size_reads_png_and_gif_headers() -> None:
    assert image_size(png(800, 450)) == (800, 450)
    gif = io.BytesIO()
    Image.new("P", (7, 9)).save(gif, format="GIF")
    assert image_size(gif.getvalue()) == (7, 9)
    assert image_size(b"not an image") is None
