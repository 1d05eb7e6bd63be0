"""What every part of the REST API shares: the request as handlers see it, the route table's
rows, path parameters, and Discord's 429."""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.limits import FormErrors
from bot.sandbox.model import JSON, ApiError
from bot.sandbox.state import SandboxState

API_PREFIX = "/api/v10"


@dataclass
class Req:
    method: str
    path: str
    """Path relative to the API base."""
    label: str
    """"METHOD /api/v10/path" for messages and violations."""
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[JSON] = field(default_factory=list)


Response = tuple[int, Any]
Handler = Callable[[Req], Awaitable[Response]]


@dataclass
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    auth: bool


RouteRow = tuple[str, str, str, bool]
"""(METHOD, template, name of the handler method, needs the bot token)."""


def compile_template(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern)


def snowflake_param(req: Req, name: str) -> int:
    raw = req.params[name]
    if not raw.isdigit():
        errors = FormErrors()
        errors.add(name, f"Value {raw!r} is not snowflake.")
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            errors=errors.to_errors(),
            violation=f"{req.label}: {name} {raw!r} is not a snowflake",
        )
    return int(raw)


def flags_of(payload: JSON) -> int:
    flags = payload.get("flags")
    return flags if isinstance(flags, int) and not isinstance(flags, bool) else 0


def truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def rate_limited(retry_after: float, *, scope: str) -> ApiError:
    """Discord's 429: JSON body, a ``Via`` header (else discord.py takes it for a Cloudflare
    ban) and X-RateLimit headers."""
    bucket = hashlib.sha1(b"sandbox-429").hexdigest()[:16]
    return ApiError(
        429,
        0,
        "You are being rate limited.",
        extra={"retry_after": retry_after, "global": False},
        headers={
            "Via": "1.1 google",
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": scope,
        },
    )


class RestArea:
    """A group of route handlers; :class:`~bot.sandbox.rest.api.RestApi` combines them."""

    server: SandboxState
    ROUTES: tuple[RouteRow, ...] = ()
