"""LocalDiscord: a fake Discord (REST + gateway on 127.0.0.1) and simulated members.

Point an unmodified discord.py bot at it with::

    discord.http.Route.BASE = server.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)

Members act through ``user_message``, ``slash``, ``autocomplete``, ``click``, ``select``,
``submit_modal`` and ``user_react``; tests read back ``messages()``, the ``Interaction`` records,
``violations`` (every rule the bot broke) and ``pings``.

The pieces, each in its own module: the data (:mod:`bot.sandbox.state`), Discord's JSON for it
(:mod:`bot.sandbox.payloads`), the REST API (:mod:`bot.sandbox.rest`) and the gateway
(:mod:`bot.sandbox.gateway`), which depend only on those two; the members' actions
(:mod:`bot.sandbox.members`) and fault injection (:mod:`bot.sandbox.faults`). This class puts
them together on one aiohttp server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Unpack

from aiohttp import web

from bot.sandbox.command_input import available_commands
from bot.sandbox.faults import Faults
from bot.sandbox.gateway import Gateway
from bot.sandbox.members import MemberActions
from bot.sandbox.model import JSON, SandboxError
from bot.sandbox.rest import RestApi
from bot.sandbox.state import DEFAULT_APPLICATION_ID, SandboxSettings, SandboxState

__all__ = ["DEFAULT_APPLICATION_ID", "LocalDiscord"]


class LocalDiscord(SandboxState):
    """A fake Discord for one bot application: the state, served, with members who act."""

    def __init__(self, **settings: Unpack[SandboxSettings]) -> None:
        """``settings``: see :class:`~bot.sandbox.state.SandboxState` (token, application_id,
        shard_count, ack_deadline, rate limits, intents the app may use, ...)."""
        super().__init__(**settings)
        self._mounts: list[Callable[[web.Application], None]] = []
        self._runner: web.AppRunner | None = None
        self.gateway = Gateway(self)
        self.events = self.gateway
        self.rest = RestApi(self)
        self.members = MemberActions(self, self.gateway)
        self.faults = Faults(self, self.gateway)
        members, faults = self.members, self.faults
        self.user_message = members.user_message
        self.user_react = members.user_react
        self.slash = members.slash
        self.autocomplete = members.autocomplete
        self.click = members.click
        self.select = members.select
        self.submit_modal = members.submit_modal
        self.inject_rest_failure = faults.inject_rest_failure
        self.force_reconnect = faults.force_reconnect
        self.drop_connection = faults.drop_connection
        self.invalidate_session = faults.invalidate_session
        self.redeliver = faults.redeliver
        self.resumes = faults.resumes
        self.session_intents = faults.session_intents

    # --- lifecycle ---------------------------------------------------------------------------
    def mount(self, setup: Callable[[web.Application], None]) -> None:
        """Serve more routes from this server (the web page): ``setup(app)`` adds them
        before the catch-all REST route. Call before ``start``."""
        if self._runner is not None:
            raise SandboxError("mount() must come before start()")
        self._mounts.append(setup)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0: any free port). OSError if the port is taken."""
        if self._runner is not None:
            raise SandboxError("LocalDiscord already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        for setup in self._mounts:
            setup(app)
        app.router.add_route("GET", "/attachments/{attachment_id}/{filename}", self._serve_file)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])

    async def close(self) -> None:
        await self.cancel_background()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        """An attachment's bytes at its url (what a client, or the web page, would load)."""
        try:
            stored = self.files[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound() from None
        if request.match_info["filename"] != stored.filename:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.content_type)

    # --- reading back ------------------------------------------------------------------------
    async def wait_until_ready(
        self, timeout: float = 10.0, *, shard_ids: Sequence[int] | None = None
    ) -> None:
        """Every shard (or those of ``shard_ids``) has IDENTIFY'd and got READY + GUILD_CREATEs."""
        await self.wait_for(
            lambda: self.gateway.is_ready(shard_ids), timeout, "every shard to be READY"
        )

    def available_commands(self, guild_id: int, user_id: int | None = None) -> dict[str, JSON]:
        """Every runnable path ("demo echo", "help") in a guild -> its leaf (with "options"),
        guild commands shadowing global ones; hidden ones omitted when ``user_id`` is given."""
        return available_commands(self, guild_id, user_id)
