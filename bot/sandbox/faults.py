"""Fault injection: what can go wrong between Discord and a bot, on demand.

REST failures (a status, or a 429 with Discord's headers, for the next matching requests) and
gateway trouble (op 7 RECONNECT, a dropped TCP connection, op 9 INVALID_SESSION, an event
delivered twice), so tests can prove the bot survives each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from bot.sandbox.gateway import (
    CLOSE_UNKNOWN_ERROR,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    Gateway,
    GatewayConnection,
    GatewaySession,
)
from bot.sandbox.model import InjectedFailure, NotConnected, SandboxError
from bot.sandbox.state import SandboxState


class Faults:
    """What a test may break in a running local Discord."""

    def __init__(self, state: SandboxState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway

    def inject_rest_failure(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        count: int = 1,
        retry_after: float = 0.05,
    ) -> None:
        """The next ``count`` requests matching METHOD (or "*") and the fnmatch-style
        ``path_pattern`` (relative to the API base, e.g. "/channels/*/messages") get ``status``.
        A 429 carries Discord's JSON body, a ``Via`` header and X-RateLimit headers."""
        pattern = path_pattern.removeprefix("/api/v10")
        failure = InjectedFailure(method.upper(), pattern, status, count, retry_after)
        self.state.failures.append(failure)

    def _live_connection(self, shard_id: int) -> tuple[GatewaySession, GatewayConnection]:
        session = self.gateway.session_for(shard_id)
        if session is None or session.conn is None or not session.conn.is_open:
            raise NotConnected(f"shard {shard_id} has no open gateway connection")
        return session, session.conn

    async def force_reconnect(self, shard_id: int = 0) -> None:
        """Send op 7 RECONNECT; the client closes and RESUMEs. Waits for the old socket to close."""
        session, conn = self._live_connection(shard_id)
        async with session.lock:
            session.conn = None
            await conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})
        self.gateway.note(f"shard {shard_id}: sent RECONNECT")
        try:
            await asyncio.wait_for(conn.closed.wait(), timeout=5.0)
        except TimeoutError:
            await conn.close(CLOSE_UNKNOWN_ERROR, "Reconnect requested.")

    async def drop_connection(self, shard_id: int = 0) -> None:
        """Kill the TCP connection without a close frame; the client RESUMEs."""
        session, conn = self._live_connection(shard_id)
        async with session.lock:
            session.conn = None
            conn.abort()
        self.gateway.note(f"shard {shard_id}: connection dropped")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(conn.closed.wait(), timeout=5.0)

    async def invalidate_session(self, shard_id: int = 0, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with resumable=False the client must IDENTIFY again."""
        session, conn = self._live_connection(shard_id)
        async with session.lock:
            if not resumable:
                self.gateway.end_session(session)
            session.conn = None
            await conn.send({"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None})
        self.gateway.note(f"shard {shard_id}: sent INVALID_SESSION (resumable={resumable})")

    async def redeliver(self, event: str, object_id: int) -> int:
        """Send an already dispatched event again, unchanged (same id, same payload; for an
        interaction the same token), as Discord may: its delivery is at-least-once. E.g.
        ``redeliver("INTERACTION_CREATE", interaction.id)`` or
        ``redeliver("MESSAGE_CREATE", message_id)``.

        The copy goes under a new sequence number on the session that sent the original (which
        must still be the shard's current one). Nothing else changes: a redelivered interaction
        is the same :class:`Interaction` record (already acknowledged, or still counting down
        to its deadline from the first dispatch), so a bot that answers both copies gets 400
        code 40060 on the second callback and a violation is recorded. The bot should
        recognise the id and ignore the copy. Returns the sequence number of the copy; raises
        :class:`SandboxError` if no current session has dispatched such an event (or it fell
        out of the replay buffer).
        """
        wanted = str(object_id)
        for session in list(self.gateway.current.values()):
            for _seq, text in reversed(session.buffer):
                frame = json.loads(text)
                data = frame.get("d")
                if frame.get("t") == event and isinstance(data, dict) and data.get("id") == wanted:
                    seq = await session.dispatch(event, data)
                    self.gateway.note(
                        f"shard {session.shard_id}: redelivered {event} {wanted} (seq {seq})"
                    )
                    self.state.notify()
                    return seq
        raise SandboxError(f"no current session has dispatched {event} {wanted}")

    def resumes(self, shard_id: int = 0) -> int:
        """How many times the shard's current session was RESUMEd."""
        session = self.gateway.session_for(shard_id)
        return session.resumes if session is not None else 0

    def session_intents(self, shard_id: int = 0) -> int | None:
        session = self.gateway.session_for(shard_id)
        return session.intents if session is not None else None
