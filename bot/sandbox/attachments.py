"""Uploaded files in the local Discord: the multipart fields Discord accepts, its limits,
the stored bytes (served back at each attachment's ``url``), and ``attachment://`` embeds.

Discord's reference ("Uploading Files"): a ``multipart/form-data`` body holds the JSON body
as ``payload_json`` and each file as ``files[n]`` with a filename; ``n`` is the placeholder
id that the JSON's ``attachments`` list uses, and an embed shows an uploaded image with the
URL ``attachment://filename``. Each file is limited to ``attachment_size_limit`` bytes (the
value the local Discord puts in interactions) and a message holds at most 10 attachments.
"""

from __future__ import annotations

import mimetypes
import re
import struct
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
FILE_FIELD = re.compile(r"files\[(\d{1,20})\]")
EMBED_MEDIA = ("image", "thumbnail")


@dataclass(frozen=True, slots=True)
class StoredFile:
    filename: str
    content_type: str
    data: bytes


def content_type_of(filename: str) -> str:
    """Discord names a file's type by its extension, whatever the part's header said
    (discord.py sends every file as application/octet-stream)."""
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or GIF, read from its header; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return None


def attachment_payload(
    attachment_id: int, stored: StoredFile, *, base_url: str, description: str | None
) -> JSON:
    """An attachment object as Discord returns it on a message."""
    url = f"{base_url}/attachments/{attachment_id}/{stored.filename}"
    payload: JSON = {
        "id": str(attachment_id),
        "filename": stored.filename,
        "size": len(stored.data),
        "url": url,
        "proxy_url": url,
        "content_type": stored.content_type,
    }
    size = image_size(stored.data)
    if size is not None:
        payload["width"], payload["height"] = size
    if description is not None:
        payload["description"] = description
    return payload


def resolve_embed_media(embeds: list[JSON], attachments: list[JSON]) -> list[str]:
    """Point each embed's ``attachment://name`` image or thumbnail at the uploaded file, as
    Discord does; returns the names that match no attachment of the message."""
    by_name = {a["filename"]: a for a in attachments}
    missing = []
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        for key in EMBED_MEDIA:
            media = embed.get(key)
            if not isinstance(media, dict) or not isinstance(media.get("url"), str):
                continue
            url = media["url"]
            if not url.startswith("attachment://"):
                continue
            found = by_name.get(url.removeprefix("attachment://"))
            if found is None:
                missing.append(url)
                continue
            resolved = {"url": found["url"], "proxy_url": found["proxy_url"]}
            if "width" in found:
                resolved |= {"width": found["width"], "height": found["height"]}
            embed[key] = resolved
    return missing
