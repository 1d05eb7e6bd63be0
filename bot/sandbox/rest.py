"""The REST half of the local Discord: routing, auth, bodies, rate-limit headers, handlers.

Every route discord.py uses for a bot like ours; anything else answers 404 and is recorded as a
violation ("unknown route GET /api/v10/...").
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import logging
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from bot.sandbox.attachments import (
    ATTACHMENT_SIZE_LIMIT,
    FILE_FIELD,
    MAX_ATTACHMENTS,
    StoredFile,
    content_type_of,
)
from bot.sandbox.limits import (
    FormErrors,
    validate_autocomplete_result,
    validate_command,
    validate_command_list,
    validate_modal,
)
from bot.sandbox.model import (
    ADD_REACTIONS,
    CALLBACK_AUTOCOMPLETE_RESULT,
    CALLBACK_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_CHANNEL_MESSAGE,
    CALLBACK_DEFERRED_UPDATE_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_PONG,
    CALLBACK_UPDATE_MESSAGE,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    JSON,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    ApiError,
    Channel,
    Interaction,
    Message,
    RestCall,
    touched_messages,
)

if TYPE_CHECKING:
    from bot.sandbox.server import LocalDiscord

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
DAY = 86400.0
MESSAGE_TYPE_CHAT_INPUT_COMMAND = 20
CUSTOM_EMOJI = re.compile(r"^(a:)?[\w~-]{1,32}:\d{1,21}$")


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


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(pattern)


def _snowflake(req: Req, name: str) -> int:
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


def _flags(payload: JSON) -> int:
    flags = payload.get("flags")
    return flags if isinstance(flags, int) and not isinstance(flags, bool) else 0


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


class RestApi:
    def __init__(self, server: LocalDiscord) -> None:
        self.server = server
        self._channel_sends: dict[int, deque[float]] = {}
        self._global_sends: deque[float] = deque()
        self._signatures: dict[tuple[int | None, str], str] = {}
        self.routes: list[Route] = []
        s = self
        for method, template, handler, auth in (
            ("GET", "/users/@me", s.get_me, True),
            ("GET", "/users/{user_id}", s.get_user, True),
            ("GET", "/oauth2/applications/@me", s.get_application, True),
            ("GET", "/applications/@me", s.get_application, True),
            ("GET", "/gateway", s.get_gateway, False),
            ("GET", "/gateway/bot", s.get_gateway_bot, True),
            ("GET", "/applications/{app_id}/commands", s.get_commands, True),
            ("PUT", "/applications/{app_id}/commands", s.put_commands, True),
            ("POST", "/applications/{app_id}/commands", s.post_command, True),
            ("GET", "/applications/{app_id}/commands/{command_id}", s.get_command, True),
            ("PATCH", "/applications/{app_id}/commands/{command_id}", s.patch_command, True),
            ("DELETE", "/applications/{app_id}/commands/{command_id}", s.delete_command, True),
            (
                "GET",
                "/applications/{app_id}/guilds/{guild_id}/commands/permissions",
                s.get_command_permissions,
                True,
            ),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", s.get_commands, True),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", s.put_commands, True),
            ("POST", "/applications/{app_id}/guilds/{guild_id}/commands", s.post_command, True),
            (
                "GET",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                s.get_command,
                True,
            ),
            (
                "PATCH",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                s.patch_command,
                True,
            ),
            (
                "DELETE",
                "/applications/{app_id}/guilds/{guild_id}/commands/{command_id}",
                s.delete_command,
                True,
            ),
            ("POST", "/interactions/{interaction_id}/{token}/callback", s.post_callback, False),
            ("POST", "/webhooks/{app_id}/{token}", s.post_followup, False),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", s.get_webhook_msg, False),
            (
                "PATCH",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                s.patch_webhook_msg,
                False,
            ),
            (
                "DELETE",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                s.delete_webhook_msg,
                False,
            ),
            ("GET", "/channels/{channel_id}", s.get_channel, True),
            ("GET", "/channels/{channel_id}/messages", s.get_messages, True),
            ("POST", "/channels/{channel_id}/messages", s.post_message, True),
            ("GET", "/channels/{channel_id}/messages/{message_id}", s.get_message, True),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", s.patch_message, True),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", s.delete_message, True),
            (
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                s.put_reaction,
                True,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                s.delete_own_reaction,
                True,
            ),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}/reactions",
                s.clear_reactions,
                True,
            ),
            ("POST", "/channels/{channel_id}/typing", s.typing, True),
            ("GET", "/guilds/{guild_id}", s.get_guild, True),
            ("GET", "/guilds/{guild_id}/channels", s.get_guild_channels, True),
            ("GET", "/guilds/{guild_id}/roles", s.get_roles, True),
            ("GET", "/guilds/{guild_id}/members", s.get_members, True),
            ("GET", "/guilds/{guild_id}/members/{user_id}", s.get_member, True),
        ):
            self.routes.append(Route(method, template, _compile(template), handler, auth))

    # --- plumbing --------------------------------------------------------------------------
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
                return self._rate_limited(failure.retry_after, scope="user")
            return ApiError(failure.status, 0, f"{failure.status}: injected failure")
        return None

    @staticmethod
    def _rate_limited(retry_after: float, *, scope: str) -> ApiError:
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

    # --- users, application, gateway -------------------------------------------------------
    async def get_me(self, req: Req) -> Response:
        server = self.server
        user = server.user_payload(server.bot_user_id)
        user.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        return 200, user

    async def get_user(self, req: Req) -> Response:
        user_id = _snowflake(req, "user_id")
        if user_id not in self.server.users:
            raise ApiError(404, 10013, "Unknown User")
        return 200, self.server.user_payload(user_id)

    async def get_application(self, req: Req) -> Response:
        return 200, self.server.application_payload()

    async def get_gateway(self, req: Req) -> Response:
        return 200, {"url": self.server.gateway_url}

    async def get_gateway_bot(self, req: Req) -> Response:
        server = self.server
        return 200, {
            "url": server.gateway_url,
            "shards": server.shard_count,
            "session_start_limit": {
                "total": server.identify_limit,
                "remaining": max(0, server.identify_limit - server.gateway.identify_count),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    # --- application commands --------------------------------------------------------------
    def _scope(self, req: Req) -> int | None:
        app_id = _snowflake(req, "app_id")
        if app_id != self.server.application_id:
            raise ApiError(
                404,
                10002,
                "Unknown Application",
                violation=f"{req.label}: application id {app_id} is not this application's "
                f"({self.server.application_id})",
            )
        if "guild_id" not in req.params:
            return None
        guild_id = _snowflake(req, "guild_id")
        if guild_id not in self.server.guilds:
            raise ApiError(
                404, 10004, "Unknown Guild", violation=f"{req.label}: unknown guild {guild_id}"
            )
        return guild_id

    def _count_creates(self, scope: int | None, new: int, label: str) -> None:
        if new <= 0:
            return
        server = self.server
        now = server.now()
        creates = server.command_creates.setdefault(scope, deque())
        while creates and creates[0] <= now - DAY:
            creates.popleft()
        if len(creates) + new > server.command_create_limit:
            where = "globally" if scope is None else f"in guild {scope}"
            raise ApiError(
                400,
                30034,
                f"Max number of daily application command creates has been reached "
                f"({server.command_create_limit})",
                violation=f"{label}: more than {server.command_create_limit} command creates "
                f"per day {where} (sync only when the schema changed)",
            )
        creates.extend([now] * new)

    def _stored(self, raw: JSON, scope: int | None, existing: JSON | None) -> JSON:
        server = self.server
        signature = json.dumps(raw, sort_keys=True)
        if existing is not None:
            command_id = str(existing["id"])
            changed = self._signatures.get((scope, command_id)) != signature
            version = str(server.snowflake()) if changed else str(existing["version"])
        else:
            command_id = str(server.snowflake())
            version = str(server.snowflake())
        self._signatures[(scope, command_id)] = signature
        perms = raw.get("default_member_permissions")
        command: JSON = {
            "id": command_id,
            "application_id": str(server.application_id),
            "version": version,
            "type": raw.get("type", 1) or 1,
            "name": raw["name"],
            "description": raw.get("description", "") or "",
            "default_member_permissions": None if perms is None else str(int(perms)),
            "nsfw": bool(raw.get("nsfw", False)),
            "name_localizations": raw.get("name_localizations"),
            "description_localizations": raw.get("description_localizations"),
            "contexts": raw.get("contexts"),
            "integration_types": raw.get("integration_types") or [0],
        }
        if raw.get("options"):
            command["options"] = json.loads(json.dumps(raw["options"]))
        if scope is None:
            command["dm_permission"] = raw.get("dm_permission", True)
        else:
            command["guild_id"] = str(scope)
        return command

    async def get_commands(self, req: Req) -> Response:
        scope = self._scope(req)
        return 200, self.server.published_commands(scope)

    async def put_commands(self, req: Req) -> Response:
        server = self.server
        scope = self._scope(req)
        errors = FormErrors()
        validate_command_list(
            req.body,
            errors,
            is_global=scope is None,
            allow_subcommand_groups=server.allow_subcommand_groups,
        )
        if errors:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors=errors.to_errors(),
                violation=f"{req.label}: 400 invalid command schema — {errors.describe()}",
            )
        existing = {(c.get("type", 1), c["name"]): c for c in server.commands.get(scope, [])}
        new = [raw for raw in req.body if (raw.get("type", 1) or 1, raw["name"]) not in existing]
        self._count_creates(scope, len(new), req.label)
        stored = [
            self._stored(raw, scope, existing.get((raw.get("type", 1) or 1, raw["name"])))
            for raw in req.body
        ]
        server.commands[scope] = stored
        server.notify()
        return 200, stored

    async def post_command(self, req: Req) -> Response:
        server = self.server
        scope = self._scope(req)
        errors = FormErrors()
        validate_command(
            req.body, "", errors, allow_subcommand_groups=server.allow_subcommand_groups
        )
        if errors:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors=errors.to_errors(),
                violation=f"{req.label}: 400 invalid command schema — {errors.describe()}",
            )
        raw: JSON = req.body
        commands = server.commands.setdefault(scope, [])
        key = (raw.get("type", 1) or 1, raw["name"])
        index = next(
            (i for i, c in enumerate(commands) if (c.get("type", 1), c["name"]) == key), None
        )
        if index is None:
            if key[0] == 1 and sum(1 for c in commands if c.get("type", 1) == 1) >= 100:
                raise ApiError(
                    400,
                    30032,
                    "Maximum number of application commands reached (100)",
                    violation=f"{req.label}: more than 100 slash commands",
                )
            self._count_creates(scope, 1, req.label)
            command = self._stored(raw, scope, None)
            commands.append(command)
            server.notify()
            return 201, command
        command = self._stored(raw, scope, commands[index])
        commands[index] = command
        server.notify()
        return 200, command

    def _find_stored(self, req: Req, scope: int | None) -> int:
        command_id = str(_snowflake(req, "command_id"))
        for index, command in enumerate(self.server.commands.get(scope, [])):
            if command["id"] == command_id:
                return index
        raise ApiError(404, 10063, "Unknown application command")

    async def get_command(self, req: Req) -> Response:
        scope = self._scope(req)
        index = self._find_stored(req, scope)
        return 200, self.server.commands[scope][index]

    async def patch_command(self, req: Req) -> Response:
        server = self.server
        scope = self._scope(req)
        index = self._find_stored(req, scope)
        current = server.commands[scope][index]
        if not isinstance(req.body, dict):
            raise ApiError(400, 50035, "Invalid Form Body", violation=f"{req.label}: no body")
        merged = {k: v for k, v in current.items() if k not in ("id", "application_id", "version")}
        merged.update(req.body)
        errors = FormErrors()
        validate_command(merged, "", errors, allow_subcommand_groups=server.allow_subcommand_groups)
        if errors:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors=errors.to_errors(),
                violation=f"{req.label}: 400 invalid command schema — {errors.describe()}",
            )
        command = self._stored(merged, scope, current)
        server.commands[scope][index] = command
        server.notify()
        return 200, command

    async def delete_command(self, req: Req) -> Response:
        scope = self._scope(req)
        index = self._find_stored(req, scope)
        del self.server.commands[scope][index]
        self.server.notify()
        return 204, None

    async def get_command_permissions(self, req: Req) -> Response:
        self._scope(req)
        return 200, []

    # --- interaction callback --------------------------------------------------------------
    async def post_callback(self, req: Req) -> Response:
        server = self.server
        interaction_id = _snowflake(req, "interaction_id")
        interaction = server.interactions.get(interaction_id)
        if interaction is None or interaction.token != req.params["token"]:
            raise ApiError(
                404,
                10062,
                "Unknown interaction",
                violation=f"{req.label}: callback for an unknown interaction id/token",
            )
        body = req.body if isinstance(req.body, dict) else {}
        kind = body.get("type")
        record: JSON = {
            "type": kind,
            "data": body.get("data"),
            "accepted": False,
            "status": None,
            "error": None,
        }
        interaction.callbacks.append(record)
        try:
            result = await self._callback(req, interaction, body)
        except ApiError as error:
            record["status"] = error.status
            record["error"] = f"{error.status} {error.message} (code {error.code})"
            server.notify()
            raise
        record["accepted"] = True
        record["status"] = 200 if _truthy(req.query.get("with_response")) else 204
        interaction.acknowledged = True
        server.notify()
        if record["status"] == 204:
            return 204, None
        return 200, result

    async def _callback(self, req: Req, interaction: Interaction, body: JSON) -> JSON:
        server = self.server
        what = f"interaction {interaction.id} ({server.describe_interaction(interaction)})"
        kind = body.get("type")
        if interaction.acknowledged:
            raise ApiError(
                400,
                40060,
                "Interaction has already been acknowledged.",
                violation=f"{req.label}: {what} answered twice: 400 code 40060 "
                "Interaction has already been acknowledged",
            )
        elapsed = server.now() - interaction.dispatched_at
        if elapsed > server.ack_deadline or interaction.invalidated:
            raise ApiError(
                404,
                10062,
                "Unknown interaction",
                violation=f"{req.label}: {what} acknowledged after {elapsed:.2f}s "
                f"(limit {server.ack_deadline}s): 404 code 10062 Unknown interaction",
            )
        itype = interaction.type
        allowed: dict[int, tuple[int, ...]] = {
            CALLBACK_PONG: (INTERACTION_PING,),
            CALLBACK_CHANNEL_MESSAGE: (
                INTERACTION_APPLICATION_COMMAND,
                INTERACTION_MESSAGE_COMPONENT,
                INTERACTION_MODAL_SUBMIT,
            ),
            CALLBACK_DEFERRED_CHANNEL_MESSAGE: (
                INTERACTION_APPLICATION_COMMAND,
                INTERACTION_MESSAGE_COMPONENT,
                INTERACTION_MODAL_SUBMIT,
            ),
            CALLBACK_DEFERRED_UPDATE_MESSAGE: (
                INTERACTION_MESSAGE_COMPONENT,
                INTERACTION_MODAL_SUBMIT,
            ),
            CALLBACK_UPDATE_MESSAGE: (INTERACTION_MESSAGE_COMPONENT, INTERACTION_MODAL_SUBMIT),
            CALLBACK_AUTOCOMPLETE_RESULT: (INTERACTION_AUTOCOMPLETE,),
            CALLBACK_MODAL: (INTERACTION_APPLICATION_COMMAND, INTERACTION_MESSAGE_COMPONENT),
        }
        if not isinstance(kind, int) or itype not in allowed.get(kind, ()):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors={
                    "type": {
                        "_errors": [
                            {
                                "code": "INTERACTION_CALLBACK_TYPE_INVALID",
                                "message": "Invalid interaction callback type",
                            }
                        ]
                    }
                },
                violation=f"{req.label}: callback type {kind!r} is not valid for {what} "
                f"(interaction type {itype})",
            )
        if kind in (CALLBACK_UPDATE_MESSAGE, CALLBACK_DEFERRED_UPDATE_MESSAGE) and (
            interaction.message_id is None
        ):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                violation=f"{req.label}: callback type {kind} needs a component message",
            )
        data = body.get("data")
        channel = server.channels[interaction.channel_id]
        callback: JSON = {
            "id": str(interaction.id),
            "type": itype,
            "activity_instance_id": None,
            "response_message_id": None,
            "response_message_loading": False,
            "response_message_ephemeral": False,
        }
        resource: JSON = {"type": kind}
        if kind == CALLBACK_CHANNEL_MESSAGE:
            payload = data if isinstance(data, dict) else {}
            flags = _flags(payload)
            ephemeral = bool(flags & FLAG_EPHEMERAL)
            msg = server.build_bot_message(
                channel,
                payload,
                req.files,
                route=req.label,
                interaction=interaction,
                ephemeral_to=interaction.user_id if ephemeral else None,
                msg_type=(
                    MESSAGE_TYPE_CHAT_INPUT_COMMAND
                    if itype == INTERACTION_APPLICATION_COMMAND
                    else 0
                ),
            )
            interaction.ephemeral = ephemeral
            interaction.original = msg
            interaction.content_ready = True
            interaction.acknowledged = True
            await server.publish_message(msg)
            resource["message"] = server.message_payload(msg)
            callback.update(response_message_id=str(msg.id), response_message_ephemeral=ephemeral)
        elif kind == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            payload = data if isinstance(data, dict) else {}
            flags = _flags(payload)
            if flags & ~FLAG_EPHEMERAL:
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    violation=f"{req.label}: a deferred response may only set the EPHEMERAL "
                    f"flag (got {flags})",
                )
            ephemeral = bool(flags & FLAG_EPHEMERAL)
            msg = Message(
                id=server.snowflake(),
                channel_id=channel.id,
                guild_id=channel.guild_id,
                author_id=server.bot_user_id,
                flags=FLAG_LOADING | (FLAG_EPHEMERAL if ephemeral else 0),
                visible_to=interaction.user_id if ephemeral else None,
                interaction_id=interaction.id,
                webhook_id=server.application_id,
                type=(
                    MESSAGE_TYPE_CHAT_INPUT_COMMAND
                    if itype == INTERACTION_APPLICATION_COMMAND
                    else 0
                ),
            )
            interaction.ephemeral = ephemeral
            interaction.deferred = True
            interaction.original = msg
            interaction.acknowledged = True
            await server.publish_message(msg)
            callback.update(
                response_message_id=str(msg.id),
                response_message_loading=True,
                response_message_ephemeral=ephemeral,
            )
        elif kind == CALLBACK_DEFERRED_UPDATE_MESSAGE:
            target = self._component_message(interaction)
            interaction.deferred = True
            interaction.original = target
            interaction.acknowledged = True
        elif kind == CALLBACK_UPDATE_MESSAGE:
            target = self._component_message(interaction)
            server.apply_edit(
                target, data if isinstance(data, dict) else {}, req.files, route=req.label
            )
            interaction.original = target
            interaction.content_ready = True
            interaction.acknowledged = True
            await server.publish_edit(target)
            resource["message"] = server.message_payload(target)
            callback.update(
                response_message_id=str(target.id),
                response_message_ephemeral=target.ephemeral,
            )
        elif kind == CALLBACK_AUTOCOMPLETE_RESULT:
            errors = FormErrors()
            validate_autocomplete_result(data, errors)
            if errors:
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    errors=errors.to_errors(),
                    violation=f"{req.label}: autocomplete answer to {what} rejected — "
                    f"{errors.describe()}",
                )
        elif kind == CALLBACK_MODAL:
            errors = FormErrors()
            validate_modal(data, errors)
            if errors:
                raise ApiError(
                    400,
                    50035,
                    "Invalid Form Body",
                    errors=errors.to_errors(),
                    violation=f"{req.label}: modal for {what} rejected — {errors.describe()}",
                )
            interaction.modal = data if isinstance(data, dict) else None
        return {"interaction": callback, "resource": resource}

    def _component_message(self, interaction: Interaction) -> Message:
        msg = self.server.message(interaction.message_id or 0)
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    # --- interaction webhooks --------------------------------------------------------------
    def _webhook_interaction(self, req: Req) -> Interaction:
        server = self.server
        app_id = _snowflake(req, "app_id")
        interaction = server.interaction_by_token(req.params["token"])
        if app_id != server.application_id:
            raise ApiError(
                404,
                10015,
                "Unknown Webhook",
                violation=f"{req.label}: webhook id {app_id} is not the application id",
            )
        if interaction is None:
            raise ApiError(
                401,
                50027,
                "Invalid Webhook Token",
                violation=f"{req.label}: unknown interaction token",
            )
        what = f"interaction {interaction.id} ({server.describe_interaction(interaction)})"
        age = server.now() - interaction.dispatched_at
        if age > server.interaction_token_ttl:
            raise ApiError(
                401,
                50027,
                "Invalid Webhook Token",
                violation=f"{req.label}: token of {what} used after {age:.0f}s "
                f"(tokens live {server.interaction_token_ttl:.0f}s)",
            )
        if not interaction.acknowledged:
            if interaction.invalidated or age > server.ack_deadline:
                raise ApiError(
                    401,
                    50027,
                    "Invalid Webhook Token",
                    violation=f"{req.label}: {what} was never acknowledged in time; "
                    "its token is dead",
                )
            raise ApiError(
                404,
                10015,
                "Unknown Webhook",
                violation=f"{req.label}: {what} used before the interaction was acknowledged",
            )
        return interaction

    def _webhook_message(self, req: Req, interaction: Interaction) -> Message:
        raw = req.params["message_id"]
        if raw == "@original":
            msg = interaction.original
        else:
            message_id = _snowflake(req, "message_id")
            msg = next((m for m in interaction.followups if m.id == message_id), None)
            original = interaction.original
            if msg is None and original is not None and original.id == message_id:
                msg = original
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def post_followup(self, req: Req) -> Response:
        server = self.server
        interaction = self._webhook_interaction(req)
        body = req.body if isinstance(req.body, dict) else {}
        original = interaction.original
        if original is not None and original.loading and not interaction.content_ready:
            # Discord: right after a type-5 defer, a followup edits the loading message
            # (ephemeral state stays what the defer chose).
            server.apply_edit(original, body, req.files, route=req.label)
            interaction.content_ready = True
            await server.publish_edit(original)
            return 200, server.message_payload(original)
        channel: Channel = server.channels[interaction.channel_id]
        flags = _flags(body)
        ephemeral = bool(flags & FLAG_EPHEMERAL)
        msg = server.build_bot_message(
            channel,
            body,
            req.files,
            route=req.label,
            interaction=interaction,
            ephemeral_to=interaction.user_id if ephemeral else None,
        )
        interaction.followups.append(msg)
        await server.publish_message(msg)
        return 200, server.message_payload(msg)

    async def get_webhook_msg(self, req: Req) -> Response:
        interaction = self._webhook_interaction(req)
        msg = self._webhook_message(req, interaction)
        return 200, self.server.message_payload(msg)

    async def patch_webhook_msg(self, req: Req) -> Response:
        server = self.server
        interaction = self._webhook_interaction(req)
        msg = self._webhook_message(req, interaction)
        server.apply_edit(msg, req.body, req.files, route=req.label)
        if msg is interaction.original:
            interaction.content_ready = True
        await server.publish_edit(msg)
        return 200, server.message_payload(msg)

    async def delete_webhook_msg(self, req: Req) -> Response:
        interaction = self._webhook_interaction(req)
        msg = self._webhook_message(req, interaction)
        await self.server.publish_delete(msg)
        return 204, None

    # --- channels and messages -------------------------------------------------------------
    def _channel(self, req: Req) -> Channel:
        channel = self.server.channels.get(_snowflake(req, "channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _require(self, req: Req, channel: Channel, needed: int, what: str) -> None:
        server = self.server
        if channel.guild_id is None:
            return
        perms = server.member_permissions(server.guilds[channel.guild_id], server.bot_user_id)
        if perms & needed != needed:
            raise ApiError(
                403,
                50013,
                "Missing Permissions",
                violation=f"{req.label}: the bot lacks permission to {what} in #{channel.name}",
            )

    def _channel_message(self, req: Req, channel: Channel) -> Message:
        msg = self.server.message(_snowflake(req, "message_id"))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

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
            error = self._rate_limited(retry_after, scope="global")
            error.extra["global"] = True
            error.headers["X-RateLimit-Global"] = "true"
            raise error
        sends.append(now)

    def _check_channel_rate(self, req: Req, channel: Channel) -> None:
        rate = self.server.channel_message_rate
        if rate is None:
            return
        limit, window = rate
        now = time.monotonic()
        sends = self._channel_sends.setdefault(channel.id, deque())
        while sends and sends[0] <= now - window:
            sends.popleft()
        if len(sends) >= limit:
            retry_after = max(0.001, sends[0] + window - now)
            self.server.violation(
                f"{req.label}: more than {limit} messages in {window:g}s in #{channel.name} "
                f"(429, retry after {retry_after:.2f}s)"
            )
            raise self._rate_limited(retry_after, scope="shared")
        sends.append(now)

    async def get_channel(self, req: Req) -> Response:
        return 200, self.server.channel_payload(self._channel(req))

    async def get_messages(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY, "read history")
        try:
            limit = max(1, min(100, int(req.query.get("limit", "50"))))
            before = int(req.query["before"]) if "before" in req.query else None
            after = int(req.query["after"]) if "after" in req.query else None
            around = int(req.query["around"]) if "around" in req.query else None
        except ValueError:
            raise ApiError(400, 50035, "Invalid Form Body") from None
        visible = [m for m in server.messages(channel.id) if not m.ephemeral]
        if around is not None:
            older = [m for m in visible if m.id <= around][-(limit // 2 + 1) :]
            newer = [m for m in visible if m.id > around][: limit - len(older)]
            chosen = older + newer
        elif after is not None:
            chosen = [m for m in visible if m.id > after][:limit]
        else:
            if before is not None:
                visible = [m for m in visible if m.id < before]
            chosen = visible[-limit:]
        chosen.sort(key=lambda m: m.id, reverse=True)
        return 200, [server.message_payload(m, redact=server.redact_for_rest(m)) for m in chosen]

    async def post_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | SEND_MESSAGES, "send messages")
        body = req.body if req.body is not None else {}
        msg = server.build_bot_message(channel, body, req.files, route=req.label)
        self._check_channel_rate(req, channel)
        await server.publish_message(msg)
        return 200, server.message_payload(msg)

    async def get_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY, "read history")
        msg = self._channel_message(req, channel)
        return 200, server.message_payload(msg, redact=server.redact_for_rest(msg))

    async def patch_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        if msg.author_id != server.bot_user_id:
            raise ApiError(
                403,
                50005,
                "Cannot edit a message authored by another user",
                violation=f"{req.label}: tried to edit a message by user {msg.author_id}",
            )
        server.apply_edit(msg, req.body, req.files, route=req.label)
        await server.publish_edit(msg)
        return 200, server.message_payload(msg)

    async def delete_message(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        if msg.author_id != server.bot_user_id:
            self._require(req, channel, MANAGE_MESSAGES, "delete others' messages")
        await server.publish_delete(msg)
        return 204, None

    def _emoji(self, req: Req) -> str:
        emoji = req.params["emoji"]
        if not emoji or (emoji.isascii() and not CUSTOM_EMOJI.match(emoji)):
            raise ApiError(
                400, 10014, "Unknown Emoji", violation=f"{req.label}: unknown emoji {emoji!r}"
            )
        return emoji

    async def put_reaction(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        emoji = self._emoji(req)
        self._require(req, channel, ADD_REACTIONS | READ_MESSAGE_HISTORY, "add reactions")
        await server.add_reaction(msg, emoji, server.bot_user_id)
        return 204, None

    async def delete_own_reaction(self, req: Req) -> Response:
        server = self.server
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        emoji = self._emoji(req)
        if (emoji, server.bot_user_id) in msg.reactions:
            msg.reactions.remove((emoji, server.bot_user_id))
            server.notify()
        return 204, None

    async def clear_reactions(self, req: Req) -> Response:
        channel = self._channel(req)
        msg = self._channel_message(req, channel)
        self._require(req, channel, MANAGE_MESSAGES, "clear reactions")
        msg.reactions.clear()
        self.server.notify()
        return 204, None

    async def typing(self, req: Req) -> Response:
        channel = self._channel(req)
        self._require(req, channel, VIEW_CHANNEL | SEND_MESSAGES, "send messages")
        return 204, None

    # --- guilds ----------------------------------------------------------------------------
    def _guild_id(self, req: Req) -> int:
        guild_id = _snowflake(req, "guild_id")
        if guild_id not in self.server.guilds:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild_id

    async def get_guild(self, req: Req) -> Response:
        server = self.server
        guild_id = self._guild_id(req)
        payload = server.guild_create_payload(guild_id)
        for key in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "joined_at",
            "large",
            "member_count",
            "lazy",
            "unavailable",
        ):
            payload.pop(key, None)
        if _truthy(req.query.get("with_counts")):
            guild = server.guilds[guild_id]
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return 200, payload

    async def get_guild_channels(self, req: Req) -> Response:
        guild = self.server.guilds[self._guild_id(req)]
        return 200, [self.server.channel_payload(c) for c in guild.channels.values()]

    async def get_roles(self, req: Req) -> Response:
        guild = self.server.guilds[self._guild_id(req)]
        return 200, [self.server.role_payload(r) for r in guild.roles.values()]

    async def get_member(self, req: Req) -> Response:
        guild = self.server.guilds[self._guild_id(req)]
        user_id = _snowflake(req, "user_id")
        if user_id not in guild.members:
            raise ApiError(404, 10007, "Unknown Member")
        return 200, self.server.member_payload(guild, user_id)

    async def get_members(self, req: Req) -> Response:
        server = self.server
        guild = server.guilds[self._guild_id(req)]
        if not server.members_intent_allowed:
            raise ApiError(
                403,
                50001,
                "Missing Access",
                violation=f"{req.label}: listing members needs the GUILD_MEMBERS intent",
            )
        try:
            limit = max(1, min(1000, int(req.query.get("limit", "1"))))
            after = int(req.query.get("after", "0"))
        except ValueError:
            raise ApiError(400, 50035, "Invalid Form Body") from None
        ids = sorted(i for i in guild.members if i > after)[:limit]
        return 200, [server.member_payload(guild, i) for i in ids]
