"""The REST half of the local Discord: routing, auth, bodies, rate-limit headers.

Every route discord.py uses for a bot like ours, from the areas' route tables (channels and
guilds, application commands, interactions); anything else answers 404 and is recorded as a
violation ("unknown route GET /api/v10/...").
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import logging
import time
from collections import deque
from typing import Any

from aiohttp import BodyPartReader, web

from bot.sandbox.attachments import (
    ATTACHMENT_SIZE_LIMIT,
    FILE_FIELD,
    MAX_ATTACHMENTS,
    StoredFile,
    content_type_of,
)
from bot.sandbox.model import JSON, ApiError, Message, RestCall, touched_messages
from bot.sandbox.rest.base import (
    API_PREFIX,
    Req,
    Route,
    compile_template,
    rate_limited,
)
from bot.sandbox.rest.channels import ChannelRoutes
from bot.sandbox.rest.commands import CommandRoutes
from bot.sandbox.rest.interactions import InteractionRoutes
from bot.sandbox.state import SandboxState

_log = logging.getLogger(__name__)


class RestApi(ChannelRoutes, CommandRoutes, InteractionRoutes):
    """``handle`` serves every REST request; subclasses may wrap a handler (benchmarks time
    ``post_callback``): routes are bound by name."""

    def __init__(self, server: SandboxState) -> None:
        self.server = server
        self._channel_sends = {}
        self._global_sends: deque[float] = deque()
        self._signatures = {}
        self.routes: list[Route] = []
        for area in (ChannelRoutes, CommandRoutes, InteractionRoutes):
            for method, template, name, auth in area.ROUTES:
                handler = getattr(self, name)
                self.routes.append(
                    Route(method, template, compile_template(template), handler, auth)
                )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        server = self.server
        method = request.method.upper()
        full = request.path
        label = f"{method} {full}"
        rel = full[len(API_PREFIX) :] if full.startswith(API_PREFIX + "/") else None
        query = {k: v for k, v in request.query.items()}
        status = 500
        payload: Any = None
        headers: dict[str, str] = {}
        body: Any = None
        template = rel or full
        touched: list[Message] = []
        context_token = touched_messages.set(touched)
        try:
            if rel is None:
                raise ApiError(404, 0, "404: Not Found", violation=f"unknown route {label}")
            failure = self._take_failure(method, rel)
            if failure is not None:
                raise failure
            route, params = self._match(method, rel, label)
            template = route.template
            if route.auth and request.headers.get("Authorization") != f"Bot {server.token}":
                raise ApiError(
                    401,
                    0,
                    "401: Unauthorized",
                    violation=f"{label}: missing or wrong 'Authorization: Bot <token>' header",
                )
            if route.auth and not rel.startswith(("/interactions/", "/webhooks/")):
                self._check_global_rate(label)
            body, files = await self._read_body(request, label)
            req = Req(method, rel, label, params, query, body, files)
            status, payload = await route.handler(req)
        except ApiError as error:
            if error.violation:
                server.violation(error.violation)
            status, payload, headers = error.status, error.body(), dict(error.headers)
        except Exception as error:  # a sandbox bug or a body shape it did not expect
            _log.exception("local Discord failed on %s", label)
            server.violation(f"{label}: sandbox could not process the request: {error!r}")
            # 400, not 500: discord.py retries 5xx answers for ~16 s.
            status, payload = 400, {"message": f"Sandbox error: {error!r}", "code": 50035}
        server.requests.append(
            RestCall(method, rel if rel is not None else full, status, body, query)
        )
        server.notify()
        if status != 429:
            headers.update(self._ratelimit_headers(method, template))
        if payload is None and status == 204:
            response = web.Response(status=204, headers=headers)
        else:
            headers["Content-Type"] = "application/json"
            response = web.Response(
                status=status, body=json.dumps(payload).encode(), headers=headers
            )
        try:
            await response.prepare(request)
            await response.write_eof()
        finally:
            touched_messages.reset(context_token)
            if touched:
                ready = asyncio.get_running_loop().time() + server.click_grace
                for message in touched:
                    message.clickable_at = ready
                server.notify()
        return response

    def _match(self, method: str, rel: str, label: str) -> tuple[Route, dict[str, str]]:
        methods: list[str] = []
        for route in self.routes:
            found = route.regex.fullmatch(rel)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            methods.append(route.method)
        if methods:
            raise ApiError(
                405,
                0,
                "405: Method Not Allowed",
                violation=f"unknown route {label} (method not allowed; known: {methods})",
            )
        raise ApiError(404, 0, "404: Not Found", violation=f"unknown route {label}")

    async def _read_body(self, request: web.Request, label: str) -> tuple[Any, list[JSON]]:
        if not request.body_exists:
            return None, []
        if request.content_type == "multipart/form-data":
            return await self._read_multipart(request, label)
        text = await request.text()
        if not text:
            return None, []
        return self._parse_json(text, label), []

    async def _read_multipart(self, request: web.Request, label: str) -> tuple[Any, list[JSON]]:
        """``payload_json`` and ``files[n]`` parts, as Discord reads them: each file's bytes
        are kept (served at its attachment's url) under a new id, and ``index`` is the ``n``
        that the JSON's ``attachments`` entries refer to."""
        body: Any = None
        files: list[JSON] = []
        seen: set[int] = set()
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                raise self._bad_upload(label, "nested multipart bodies are not accepted")
            if part.name == "payload_json":
                body = self._parse_json(await part.text(), label)
                continue
            field_match = FILE_FIELD.fullmatch(part.name or "")
            if field_match is None:
                raise self._bad_upload(label, f"unexpected form field {part.name!r}")
            index = int(field_match[1])
            if index in seen:
                raise self._bad_upload(label, f"form field {part.name!r} appears twice")
            seen.add(index)
            if not part.filename:
                raise self._bad_upload(label, f"{part.name} has no filename")
            if len(seen) > MAX_ATTACHMENTS:
                raise self._bad_upload(label, f"more than {MAX_ATTACHMENTS} files")
            data = await part.read(decode=False)
            if len(data) > ATTACHMENT_SIZE_LIMIT:
                raise ApiError(
                    413,
                    40005,
                    "Request entity too large",
                    violation=f"{label}: {part.filename} is {len(data):,} bytes "
                    f"(at most {ATTACHMENT_SIZE_LIMIT:,} per file)",
                )
            attachment_id = self.server.snowflake()
            self.server.files[attachment_id] = StoredFile(
                part.filename, content_type_of(part.filename), bytes(data)
            )
            files.append({"id": attachment_id, "index": index, "field": part.name})
        return body, files

    @staticmethod
    def _bad_upload(label: str, problem: str) -> ApiError:
        return ApiError(
            400, 50035, "Invalid Form Body", violation=f"{label}: bad upload: {problem}"
        )

    @staticmethod
    def _parse_json(text: str, label: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise ApiError(
                400,
                50109,
                "The request body contains invalid JSON.",
                violation=f"{label}: invalid JSON body",
            ) from None

    def _take_failure(self, method: str, rel: str) -> ApiError | None:
        for failure in self.server.failures:
            if failure.remaining <= 0:
                continue
            if failure.method not in ("*", method):
                continue
            if not fnmatch.fnmatchcase(rel, failure.pattern):
                continue
            failure.remaining -= 1
            if failure.status == 429:
                return rate_limited(failure.retry_after, scope="user")
            return ApiError(failure.status, 0, f"{failure.status}: injected failure")
        return None

    @staticmethod
    def _ratelimit_headers(method: str, template: str) -> dict[str, str]:
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
        return {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1.0:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
        }

    def _check_global_rate(self, label: str) -> None:
        """Discord's global limit: ``global_rate`` = (requests, seconds) a bot may make in all,
        interaction responses and followups (``/interactions``, ``/webhooks``) aside."""
        rate = self.server.global_rate
        if rate is None:
            return
        limit, window = rate
        now = time.monotonic()
        sends = self._global_sends
        while sends and sends[0] <= now - window:
            sends.popleft()
        if len(sends) >= limit:
            retry_after = max(0.001, sends[0] + window - now)
            self.server.global_429s += 1
            self.server.violation(
                f"{label}: more than {limit} requests in {window:g}s in all "
                f"(global 429, retry after {retry_after:.2f}s)"
            )
            error = rate_limited(retry_after, scope="global")
            error.extra["global"] = True
            error.headers["X-RateLimit-Global"] = "true"
            raise error
        sends.append(now)
