"""What a sandbox member does: post, react, run a slash command, type into an autocomplete,
click a button, pick in a select, submit a modal. Each becomes the gateway event Discord would
send the bot (MESSAGE_CREATE, MESSAGE_REACTION_ADD, INTERACTION_CREATE), after the same checks
Discord's client makes (a hidden command, a disabled button, a value out of range are refused
with a :class:`~bot.sandbox.model.SandboxError` and nothing is sent).
"""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.sandbox.command_input import command_data, resolve_entity
from bot.sandbox.gateway import Gateway
from bot.sandbox.limits import OPTION_CHANNEL, OPTION_MENTIONABLE, OPTION_ROLE, OPTION_USER
from bot.sandbox.messages import MESSAGE_TYPE_DEFAULT, MESSAGE_TYPE_REPLY
from bot.sandbox.model import (
    INTERACTION_APPLICATION_COMMAND,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_MESSAGE_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    JSON,
    SELECT_TYPES,
    Channel,
    Guild,
    Interaction,
    InteractionFailed,
    InvalidCommandInput,
    Message,
    NotConnected,
    SandboxError,
    UnknownComponent,
    iter_components,
)
from bot.sandbox.payloads import interaction_payload, message_payload
from bot.sandbox.state import SandboxState

_SELECT_OPTION_TYPES = {5: OPTION_USER, 6: OPTION_ROLE, 7: OPTION_MENTIONABLE, 8: OPTION_CHANNEL}


class MemberActions:
    """The members of the local Discord's guilds, acting."""

    def __init__(self, state: SandboxState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway

    # --- messages ----------------------------------------------------------------------------
    async def user_message(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        content: str,
        *,
        reply_to: int | None = None,
    ) -> JSON:
        """A member posts a message. Returns the stored (unredacted) message payload.

        Raises NotConnected if the guild's shard has no session. Without the GUILD_MESSAGES
        intent nothing is dispatched (as on Discord); without MESSAGE_CONTENT the bot gets
        empty content unless the message mentions the bot or replies to it.
        """
        state = self.state
        guild, channel = state.guild_channel(guild_id, channel_id)
        state.member(guild, user_id)
        if self.gateway.session_for(state.shard_for(guild_id)) is None:
            raise NotConnected(f"shard {state.shard_for(guild_id)} is not connected")
        reference: JSON | None = None
        msg_type = MESSAGE_TYPE_DEFAULT
        if reply_to is not None:
            target = state.message(reply_to)
            if target is None or target.channel_id != channel_id or target.deleted:
                raise SandboxError(f"cannot reply to unknown message {reply_to}")
            reference = {
                "type": 0,
                "message_id": str(target.id),
                "channel_id": str(channel_id),
                "guild_id": str(guild_id),
            }
            msg_type = MESSAGE_TYPE_REPLY
        msg = Message(
            id=state.snowflake(),
            channel_id=channel.id,
            guild_id=guild_id,
            author_id=user_id,
            content=content,
            message_reference=reference,
            type=msg_type,
        )
        await state.publish_message(msg)
        return message_payload(state, msg, gateway=True)

    async def user_react(self, message_id: int, emoji: str, user_id: int) -> None:
        """A member adds a reaction (MESSAGE_REACTION_ADD, needs the reactions intent)."""
        msg = self.state.message(message_id)
        if msg is None or msg.deleted or msg.guild_id is None:
            raise SandboxError(f"unknown message {message_id}")
        if msg.visible_to is not None:
            raise SandboxError("ephemeral messages cannot be reacted to")
        self.state.member(self.state.guild(msg.guild_id), user_id)
        await self.state.add_reaction(msg, emoji, user_id)

    # --- slash commands ----------------------------------------------------------------------
    async def slash(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
    ) -> Interaction:
        """A member runs a published slash command ("group sub" or "name"), options by name."""
        guild, channel = self.state.guild_channel(guild_id, channel_id)
        self.state.member(guild, user_id)
        data, name = command_data(self.state, guild, command, user_id, options)
        return await self.send_interaction(
            guild, channel, user_id, INTERACTION_APPLICATION_COMMAND, data, command=name
        )

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        timeout: float | None = None,
    ) -> list[JSON]:
        """Type in an autocomplete option; returns the choices of the type-8 callback."""
        guild, channel = self.state.guild_channel(guild_id, channel_id)
        self.state.member(guild, user_id)
        data, name = command_data(self.state, guild, command, user_id, options, focused=focused)
        interaction = await self.send_interaction(
            guild, channel, user_id, INTERACTION_AUTOCOMPLETE, data, command=name
        )
        wait = timeout if timeout is not None else self.state.ack_deadline + 1.0
        try:
            first = await interaction.wait_for_response(timeout=wait)
        except TimeoutError:
            raise InteractionFailed(f"no autocomplete answer to {interaction!r}") from None
        if not first["accepted"] or first["type"] != 8:
            raise InteractionFailed(f"autocomplete answer rejected: {first.get('error')}")
        choices: list[JSON] = (first.get("data") or {}).get("choices", [])
        return choices

    # --- components --------------------------------------------------------------------------
    async def _human_delay(self, msg: Message) -> None:
        """Wait until the response that made/edited ``msg`` reached the bot, plus a grace."""
        await self.state.wait_for(
            lambda: msg.clickable_at != math.inf, 10.0, f"message {msg.id} to be delivered"
        )
        delay = msg.clickable_at - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    def _clickable(self, message_id: int, user_id: int) -> tuple[Guild, Channel, Message]:
        msg = self.state.message(message_id)
        if msg is None or msg.deleted:
            raise UnknownComponent(f"unknown message {message_id}")
        if msg.guild_id is None:
            raise UnknownComponent("only guild messages are supported")
        guild, channel = self.state.guild_channel(msg.guild_id, msg.channel_id)
        self.state.member(guild, user_id)
        if msg.visible_to is not None and msg.visible_to != user_id:
            raise UnknownComponent(f"message {message_id} is ephemeral for another user")
        return guild, channel, msg

    async def _use_component(
        self,
        message_id: int,
        custom_id: str,
        user_id: int,
        data_for: Callable[[Guild, Message, JSON | None], JSON],
    ) -> Interaction:
        """Once the bot's last change to the message has reached the member, send the
        MESSAGE_COMPONENT interaction whose ``data`` is ``data_for(guild, message, component)``
        (``component`` None if the message has no ``custom_id``)."""
        _, _, msg = self._clickable(message_id, user_id)
        await self._human_delay(msg)
        guild, channel, msg = self._clickable(message_id, user_id)
        data = data_for(guild, msg, msg.find_component(custom_id))
        return await self.send_interaction(
            guild,
            channel,
            user_id,
            INTERACTION_MESSAGE_COMPONENT,
            data,
            message=msg,
            custom_id=custom_id,
        )

    async def click(
        self, message_id: int, custom_id: str, user_id: int, *, forge: bool = False
    ) -> Interaction:
        """A member clicks a button (MESSAGE_COMPONENT, component_type 2)."""

        def button_data(guild: Guild, msg: Message, component: JSON | None) -> JSON:
            if not forge:
                if component is None or component.get("type") != 2:
                    buttons = [b.custom_id for b in msg.buttons()]
                    raise UnknownComponent(
                        f"message {message_id} has no button {custom_id!r} (buttons: {buttons})"
                    )
                if component.get("disabled"):
                    raise UnknownComponent(f"button {custom_id!r} is disabled")
                if component.get("style") == 5:
                    raise UnknownComponent(f"button {custom_id!r} is a link button")
            data: JSON = {"custom_id": custom_id, "component_type": 2}
            if component is not None and component.get("id") is not None:
                data["id"] = component["id"]
            return data

        return await self._use_component(message_id, custom_id, user_id, button_data)

    async def select(
        self,
        message_id: int,
        custom_id: str,
        values: Sequence[str],
        user_id: int,
        *,
        forge: bool = False,
    ) -> Interaction:
        """A member picks values in a select menu (MESSAGE_COMPONENT with values)."""
        picked = [str(v) for v in values]

        def select_data(guild: Guild, msg: Message, component: JSON | None) -> JSON:
            kind = 3
            if component is not None and component.get("type") in SELECT_TYPES:
                kind = int(component["type"])
            if not forge:
                if component is None or component.get("type") not in SELECT_TYPES:
                    raise UnknownComponent(f"message {message_id} has no select {custom_id!r}")
                _check_picks(component, custom_id, kind, picked)
            resolved: JSON = {}
            if kind != 3:
                spec = {"name": custom_id, "type": _SELECT_OPTION_TYPES[kind]}
                for value in picked:
                    resolve_entity(self.state, guild, spec, value, resolved)
            data: JSON = {"custom_id": custom_id, "component_type": kind, "values": picked}
            if resolved:
                data["resolved"] = resolved
            return data

        return await self._use_component(message_id, custom_id, user_id, select_data)

    async def submit_modal(
        self,
        interaction: Interaction,
        values: Mapping[str, str | Sequence[str]],
        *,
        user_id: int | None = None,
    ) -> Interaction:
        """Submit the modal the bot opened (type-9 callback) with values by custom_id."""
        modal = interaction.modal
        if modal is None:
            raise SandboxError(f"{interaction!r} did not open a modal")
        state = self.state
        guild, channel = state.guild_channel(interaction.guild_id or 0, interaction.channel_id)
        submitter = user_id if user_id is not None else interaction.user_id
        known = {c.get("custom_id") for c in iter_components(modal.get("components") or [])}
        unknown = [k for k in values if k not in known]
        if unknown:
            raise InvalidCommandInput(f"modal has no fields {unknown}")
        components = [_mirror(c, values) for c in modal.get("components") or []]
        data: JSON = {"custom_id": modal.get("custom_id"), "components": components}
        message = state.message(interaction.message_id) if interaction.message_id else None
        return await self.send_interaction(
            guild,
            channel,
            submitter,
            INTERACTION_MODAL_SUBMIT,
            data,
            message=message,
            custom_id=str(modal.get("custom_id")),
        )

    # --- dispatch ----------------------------------------------------------------------------
    async def send_interaction(
        self,
        guild: Guild,
        channel: Channel,
        user_id: int,
        kind: int,
        data: JSON,
        *,
        message: Message | None = None,
        command: str | None = None,
        custom_id: str | None = None,
    ) -> Interaction:
        """Dispatch INTERACTION_CREATE with ``data`` as it stands (no checks: tests forge)."""
        state = self.state
        shard_id = state.shard_for(guild.id)
        session = self.gateway.session_for(shard_id)
        if session is None:
            raise NotConnected(f"shard {shard_id} (guild {guild.id}) is not connected")
        interaction_id = state.snowflake()
        token = f"sandbox-interaction-{secrets.token_hex(24)}"
        payload = interaction_payload(
            state, interaction_id, token, kind, guild, channel, user_id, data, message
        )
        interaction = Interaction(
            id=interaction_id,
            token=token,
            type=kind,
            guild_id=guild.id,
            channel_id=channel.id,
            user_id=user_id,
            payload=payload,
            dispatched_at=state.now(),
            notifier=state.notifier,
            command=command,
            custom_id=custom_id,
            message_id=message.id if message is not None else None,
        )
        state.add_interaction(interaction)
        await session.dispatch("INTERACTION_CREATE", payload)
        state.start_deadline(interaction)
        state.notify()
        return interaction


def _check_picks(component: JSON, custom_id: str, kind: int, values: list[str]) -> None:
    if component.get("disabled"):
        raise UnknownComponent(f"select {custom_id!r} is disabled")
    low = int(component.get("min_values", 1))
    high = int(component.get("max_values", 1))
    if not low <= len(values) <= high:
        raise InvalidCommandInput(f"select {custom_id!r} takes {low}..{high} values")
    if len(set(values)) != len(values):
        raise InvalidCommandInput("duplicate values")
    if kind == 3:
        allowed = [str(o.get("value")) for o in component.get("options") or []]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise InvalidCommandInput(f"{bad} are not options of {custom_id!r}")


def _mirror(item: JSON, values: Mapping[str, str | Sequence[str]]) -> JSON:
    """A modal component as the submit carries it back, filled with ``values``."""
    kind = item.get("type")
    if kind == 1:
        return {"type": 1, "components": [_mirror(c, values) for c in item.get("components") or []]}
    if kind == 18:
        return {"type": 18, "component": _mirror(item.get("component") or {}, values)}
    custom_id = item.get("custom_id")
    if kind == 4:
        value = values.get(str(custom_id), "")
        text = value if isinstance(value, str) else ""
        low = item.get("min_length", 0) or 0
        high = item.get("max_length", 4000)
        required = item.get("required", True)
        if (required or text) and not (max(low, 1 if required else 0) <= len(text) <= high):
            raise InvalidCommandInput(f"field {custom_id!r} must be {low}..{high} chars")
        return {"type": 4, "custom_id": custom_id, "value": text}
    if kind in SELECT_TYPES:
        picked = values.get(str(custom_id), [])
        chosen = [picked] if isinstance(picked, str) else list(picked)
        return {"type": kind, "custom_id": custom_id, "values": chosen}
    return {"type": kind, "id": item.get("id")}
