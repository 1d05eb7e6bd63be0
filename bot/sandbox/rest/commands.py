"""Application commands: the global and per-guild command lists (bulk PUT, create, edit,
delete), checked against Discord's schema limits and the 200 creates a day."""

from __future__ import annotations

import json
from collections import deque

from bot.sandbox.limits import FormErrors, validate_command, validate_command_list
from bot.sandbox.model import JSON, ApiError
from bot.sandbox.rest.base import Req, Response, RestArea, RouteRow, snowflake_param

DAY = 86400.0


def _command_routes() -> tuple[RouteRow, ...]:
    rows: list[RouteRow] = []
    for scope in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
        if "guild_id" in scope:
            rows.append(("GET", f"{scope}/commands/permissions", "get_command_permissions", True))
        rows += [
            ("GET", f"{scope}/commands", "get_commands", True),
            ("PUT", f"{scope}/commands", "put_commands", True),
            ("POST", f"{scope}/commands", "post_command", True),
            ("GET", f"{scope}/commands/{{command_id}}", "get_command", True),
            ("PATCH", f"{scope}/commands/{{command_id}}", "patch_command", True),
            ("DELETE", f"{scope}/commands/{{command_id}}", "delete_command", True),
        ]
    return tuple(rows)


class CommandRoutes(RestArea):
    ROUTES: tuple[RouteRow, ...] = _command_routes()
    _signatures: dict[tuple[int | None, str], str]

    def _scope(self, req: Req) -> int | None:
        app_id = snowflake_param(req, "app_id")
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
        guild_id = snowflake_param(req, "guild_id")
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
            raise errors.rejection(f"{req.label}: 400 invalid command schema")
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
            raise errors.rejection(f"{req.label}: 400 invalid command schema")
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
        command_id = str(snowflake_param(req, "command_id"))
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
            raise errors.rejection(f"{req.label}: 400 invalid command schema")
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
