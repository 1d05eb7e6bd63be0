"""The websocket gateway of the local Discord: HELLO, IDENTIFY/READY, RESUME, dispatches.

One :class:`GatewaySession` per IDENTIFY (it outlives connections: RESUME re-attaches a new
connection and replays what the client missed); one :class:`GatewayConnection` per websocket.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections import deque
from collections.abc import Iterable
from typing import Any

from aiohttp import WSMsgType, web

from bot.sandbox.model import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    JSON,
    Message,
)
from bot.sandbox.payloads import (
    guild_create_payload,
    members_chunk_payload,
    message_delete_payload,
    message_payload,
    reaction_add_payload,
    ready_payload,
)
from bot.sandbox.state import SandboxState

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_RATE_LIMITED = 4008
CLOSE_INVALID_SHARD = 4010
CLOSE_SHARDING_REQUIRED = 4011
CLOSE_INVALID_INTENTS = 4013
CLOSE_DISALLOWED_INTENTS = 4014

GATEWAY_SEND_LIMIT = 120
GATEWAY_SEND_WINDOW = 60.0
MAX_BUFFERED_EVENTS = 10_000


class GatewayConnection:
    """One websocket. Frames go out as text, or zlib-stream binary if the client asked."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, *, compress: bool) -> None:
        self.ws = ws
        self.request = request
        self.session: GatewaySession | None = None
        self.closed = asyncio.Event()
        self.server_closed = False
        self._compressor = zlib.compressobj() if compress else None
        self._send_lock = asyncio.Lock()
        self._received: deque[float] = deque()

    @property
    def is_open(self) -> bool:
        return not self.ws.closed and not self.closed.is_set()

    async def send(self, frame: JSON | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        async with self._send_lock:
            if self._compressor is not None:
                data = self._compressor.compress(text.encode()) + self._compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)

    def count_received(self, now: float) -> int:
        self._received.append(now)
        while self._received and self._received[0] <= now - GATEWAY_SEND_WINDOW:
            self._received.popleft()
        return len(self._received)

    async def close(self, code: int, reason: str = "") -> None:
        self.server_closed = True
        if not self.ws.closed:
            await self.ws.close(code=code, message=reason.encode())

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (the client sees code 1006)."""
        self.server_closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class GatewaySession:
    """What IDENTIFY created: survives disconnects until RESUMEd or invalidated."""

    def __init__(self, session_id: str, shard_id: int, shard_count: int, intents: int) -> None:
        self.id = session_id
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.seq = 0
        self.buffer: deque[tuple[int, str]] = deque(maxlen=MAX_BUFFERED_EVENTS)
        self.conn: GatewayConnection | None = None
        self.lock = asyncio.Lock()
        self.resumable = True
        self.ready = False
        self.resumes = 0

    def has_intent(self, intent: int) -> bool:
        return bool(self.intents & intent)

    async def dispatch(self, event: str, data: JSON) -> int:
        """Number, buffer and (if a connection is attached) send one DISPATCH; its seq."""
        async with self.lock:
            self.seq += 1
            seq = self.seq
            text = json.dumps({"op": OP_DISPATCH, "t": event, "s": seq, "d": data})
            self.buffer.append((seq, text))
            conn = self.conn
            if conn is None or not conn.is_open:
                return seq
            try:
                await conn.send(text)
            except (ConnectionError, RuntimeError):
                self.conn = None
            return seq


class Gateway:
    """The /gateway websocket endpoint and the routing of events to shards (the state's
    :class:`~bot.sandbox.state.EventSink`)."""

    def __init__(self, server: SandboxState) -> None:
        self.server = server
        self.sessions: dict[str, GatewaySession] = {}
        self.current: dict[int, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self.log: list[str] = []
        """Human-readable gateway history: "shard 0: IDENTIFY", "shard 0: RESUME (replayed 2)"."""

    @property
    def identify_count(self) -> int:
        return self.server.identify_count

    # --- helpers ---------------------------------------------------------------------------
    def note(self, line: str) -> None:
        """Add a line to the gateway history."""
        self.log.append(line)
        self.server.notify()

    def end_session(self, session: GatewaySession) -> None:
        session.resumable = False
        session.ready = False
        if self.current.get(session.shard_id) is session:
            del self.current[session.shard_id]

    def session_for(self, shard_id: int) -> GatewaySession | None:
        return self.current.get(shard_id)

    def is_ready(self, shard_ids: Iterable[int] | None = None) -> bool:
        shards = range(self.server.shard_count) if shard_ids is None else shard_ids
        return all((s := self.current.get(shard)) is not None and s.ready for shard in shards)

    async def dispatch(self, shard_id: int, event: str, data: JSON, *, intent: int = 0) -> bool:
        """Send to the shard's current session; False if no session or the intent is missing."""
        session = self.current.get(shard_id)
        if session is None:
            return False
        if intent and not session.has_intent(intent):
            return False
        await session.dispatch(event, data)
        return True

    # --- the state's events ----------------------------------------------------------------
    async def message_event(self, event: str, msg: Message) -> bool:
        """MESSAGE_CREATE / MESSAGE_UPDATE to the guild's shard (never for ephemeral ones)."""
        if msg.ephemeral:
            return False
        session = self.session_for(self.server.shard_for(msg.guild_id))
        if session is None or not session.has_intent(INTENT_GUILD_MESSAGES):
            return False
        redact = self.server.redact_for_intents(msg, session.has_intent(INTENT_MESSAGE_CONTENT))
        payload = message_payload(self.server, msg, gateway=True, redact=redact)
        await session.dispatch(event, payload)
        return True

    async def message_delete(self, msg: Message) -> None:
        if msg.ephemeral:
            return
        shard = self.server.shard_for(msg.guild_id)
        data = message_delete_payload(msg)
        await self.dispatch(shard, "MESSAGE_DELETE", data, intent=INTENT_GUILD_MESSAGES)

    async def reaction_add(self, msg: Message, emoji: str, user_id: int) -> None:
        data = reaction_add_payload(self.server, msg, emoji, user_id)
        await self.dispatch(
            self.server.shard_for(msg.guild_id),
            "MESSAGE_REACTION_ADD",
            data,
            intent=INTENT_GUILD_MESSAGE_REACTIONS,
        )

    def guild_added(self, guild_id: int) -> None:
        """A guild was added while connected: GUILD_CREATE it to its shard (in the background)."""
        if self.current:
            self.server.spawn(self._announce_guild(guild_id))

    async def _announce_guild(self, guild_id: int) -> None:
        session = self.session_for(self.server.shard_for(guild_id))
        if session is not None:
            await session.dispatch("GUILD_CREATE", self._guild_create(guild_id, session))

    def _guild_create(self, guild_id: int, session: GatewaySession) -> JSON:
        all_members = session.has_intent(INTENT_GUILD_MEMBERS)
        return guild_create_payload(self.server, guild_id, all_members=all_members)

    # --- websocket endpoint ----------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        conn = GatewayConnection(ws, request, compress=compress)
        self.connections.add(conn)
        try:
            await conn.send(
                {
                    "op": OP_HELLO,
                    "d": {"heartbeat_interval": self.server.heartbeat_interval_ms},
                    "s": None,
                    "t": None,
                }
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_frame(conn, str(msg.data))
                elif msg.type == WSMsgType.BINARY:
                    await self._on_frame(conn, bytes(msg.data).decode("utf-8", "replace"))
                elif msg.type == WSMsgType.ERROR:
                    break
                if not conn.is_open:
                    break
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self._detach(conn)
        return ws

    def _detach(self, conn: GatewayConnection) -> None:
        session = conn.session
        if session is not None:
            if session.conn is conn:
                session.conn = None
            code = conn.ws.close_code
            if not conn.server_closed and code in (1000, 1001):
                # A clean close by the client ends the session (Discord invalidates it).
                self.end_session(session)
            shard = session.shard_id
            self.note(f"shard {shard}: connection closed (code {code})")
        conn.closed.set()
        self.connections.discard(conn)
        self.server.notify()

    async def _on_frame(self, conn: GatewayConnection, text: str) -> None:
        loop = asyncio.get_running_loop()
        if conn.count_received(loop.time()) > GATEWAY_SEND_LIMIT:
            self.server.violation(
                f"gateway: more than {GATEWAY_SEND_LIMIT} payloads in "
                f"{GATEWAY_SEND_WINDOW:.0f}s on one connection (closed 4008)"
            )
            await conn.close(CLOSE_RATE_LIMITED, "Rate limited.")
            return
        try:
            payload = json.loads(text)
            op = payload["op"]
            data = payload.get("d")
        except (ValueError, KeyError, TypeError):
            self.server.violation(f"gateway: undecodable payload {text[:80]!r} (closed 4002)")
            await conn.close(CLOSE_DECODE_ERROR, "Error while decoding payload.")
            return
        if op == OP_HEARTBEAT:
            # ACK at once, as Discord does. On loopback the ACK can reach discord.py 2.7.1
            # before its keep-alive thread records the send time, so it logs "Can't keep up,
            # shard ID 0 websocket is 41.3s behind" (the time since the previous beat): its
            # race, fixed upstream by Rapptz/discord.py#10448, not a late ACK of ours.
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data)
        elif op == OP_RESUME:
            await self._resume(conn, data)
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE, OP_REQUEST_GUILD_MEMBERS):
            if conn.session is None:
                self.server.violation(f"gateway: op {op} sent before IDENTIFY (closed 4003)")
                await conn.close(CLOSE_NOT_AUTHENTICATED, "Not authenticated.")
            elif op == OP_REQUEST_GUILD_MEMBERS:
                await self._request_members(conn.session, data)
        else:
            self.server.violation(f"gateway: unknown opcode {op!r} (closed 4001)")
            await conn.close(CLOSE_UNKNOWN_OPCODE, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: Any) -> None:
        server = self.server
        if conn.session is not None:
            server.violation("gateway: IDENTIFY sent twice on one connection (closed 4005)")
            await conn.close(CLOSE_ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if not isinstance(data, dict) or data.get("token") != server.token:
            server.violation("gateway: IDENTIFY with a wrong token (closed 4004)")
            await conn.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0:
            server.violation("gateway: IDENTIFY without valid intents (closed 4013)")
            await conn.close(CLOSE_INVALID_INTENTS, "Invalid intent(s).")
            return
        disallowed = []
        if intents & INTENT_MESSAGE_CONTENT and not server.message_content_allowed:
            disallowed.append("MESSAGE_CONTENT")
        if intents & INTENT_GUILD_MEMBERS and not server.members_intent_allowed:
            disallowed.append("GUILD_MEMBERS")
        if intents & INTENT_GUILD_PRESENCES and not server.presences_intent_allowed:
            disallowed.append("GUILD_PRESENCES")
        if disallowed:
            server.violation(
                f"gateway: IDENTIFY asked for privileged intents not enabled for the app: "
                f"{', '.join(disallowed)} (closed 4014)"
            )
            await conn.close(CLOSE_DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        shard = data.get("shard")
        if shard is None:
            if server.shard_count > 1:
                server.violation(
                    f"gateway: IDENTIFY without a shard while the app needs "
                    f"{server.shard_count} shards (closed 4011)"
                )
                await conn.close(CLOSE_SHARDING_REQUIRED, "Sharding required.")
                return
            shard = [0, 1]
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(x, int) for x in shard)
            or not 0 <= shard[0] < shard[1]
            or shard[1] != server.shard_count
        ):
            server.violation(
                f"gateway: IDENTIFY with invalid shard {shard!r} "
                f"(the app has {server.shard_count} shard(s); closed 4010)"
            )
            await conn.close(CLOSE_INVALID_SHARD, "Invalid shard.")
            return
        shard_id, shard_count = shard
        server.identify_count += 1
        if server.identify_count > server.identify_limit:
            server.violation(
                f"gateway: more than {server.identify_limit} IDENTIFYs in a day "
                "(use RESUME; the token would be reset)"
            )
        session = GatewaySession(secrets.token_hex(16), shard_id, shard_count, intents)
        previous = self.current.get(shard_id)
        if previous is not None:
            self.end_session(previous)
        self.sessions[session.id] = session
        self.current[shard_id] = session
        session.conn = conn
        conn.session = session
        self.note(f"shard {shard_id}: IDENTIFY (intents {intents})")
        guilds = server.guilds_for_shard(shard_id)
        ready = ready_payload(server, session.id, (shard_id, shard_count), guilds)
        await session.dispatch("READY", ready)
        for guild_id in guilds:
            await session.dispatch("GUILD_CREATE", self._guild_create(guild_id, session))
        session.ready = True
        self.note(f"shard {shard_id}: READY with {len(guilds)} guild(s)")

    async def _resume(self, conn: GatewayConnection, data: Any) -> None:
        server = self.server
        if not isinstance(data, dict) or data.get("token") != server.token:
            server.violation("gateway: RESUME with a wrong token (closed 4004)")
            await conn.close(CLOSE_AUTHENTICATION_FAILED, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        if (
            session is None
            or not session.resumable
            or self.current.get(session.shard_id) is not session
        ):
            self.note(f"RESUME of unknown/invalid session {data.get('session_id')!r}: op 9")
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        seq = data.get("seq")
        last = seq if isinstance(seq, int) else 0
        replayed = 0
        async with session.lock:
            session.conn = conn
            conn.session = session
            for number, text in list(session.buffer):
                if number > last:
                    await conn.send(text)
                    replayed += 1
            session.seq += 1
            text = json.dumps({"op": OP_DISPATCH, "t": "RESUMED", "s": session.seq, "d": {}})
            session.buffer.append((session.seq, text))
            await conn.send(text)
        session.resumes += 1
        self.note(f"shard {session.shard_id}: RESUME from seq {last} (replayed {replayed})")

    async def _request_members(self, session: GatewaySession, data: Any) -> None:
        if not isinstance(data, dict):
            return
        try:
            guild_id = int(data.get("guild_id", 0))
        except (TypeError, ValueError):
            return
        if guild_id not in self.server.guilds_for_shard(session.shard_id):
            return
        chunk = members_chunk_payload(self.server, guild_id, data)
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def close_all(self) -> None:
        for conn in list(self.connections):
            try:
                await conn.close(1001, "Server shutting down.")
            except (ConnectionError, RuntimeError, TimeoutError):
                conn.abort()
