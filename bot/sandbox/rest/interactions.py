"""Answers to interactions: the callback (within 3 s, once), then the followups and edits
through the interaction's webhook token (15 minutes)."""

from __future__ import annotations

from bot.sandbox.limits import FormErrors, validate_autocomplete_result, validate_modal
from bot.sandbox.messages import MESSAGE_TYPE_CHAT_INPUT_COMMAND, apply_edit, build_bot_message
from bot.sandbox.model import (
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
    ApiError,
    Interaction,
    Message,
)
from bot.sandbox.payloads import message_payload
from bot.sandbox.rest.base import (
    Req,
    Response,
    RestArea,
    RouteRow,
    flags_of,
    snowflake_param,
    truthy,
)


class InteractionRoutes(RestArea):
    ROUTES: tuple[RouteRow, ...] = (
        ("POST", "/interactions/{interaction_id}/{token}/callback", "post_callback", False),
        ("POST", "/webhooks/{app_id}/{token}", "post_followup", False),
        ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", "get_webhook_msg", False),
        ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", "patch_webhook_msg", False),
        (
            "DELETE",
            "/webhooks/{app_id}/{token}/messages/{message_id}",
            "delete_webhook_msg",
            False,
        ),
    )

    def _response_message(
        self, req: Req, interaction: Interaction, data: object, msg_type: int = 0
    ) -> Message:
        """The bot's message answering ``interaction`` (callback type 4, or a followup): ephemeral
        (seen by the member alone) if its flags say so."""
        server = self.server
        body = data if isinstance(data, dict) else {}
        ephemeral = bool(flags_of(body) & FLAG_EPHEMERAL)
        return build_bot_message(
            server,
            server.channels[interaction.channel_id],
            body,
            req.files,
            route=req.label,
            interaction=interaction,
            ephemeral_to=interaction.user_id if ephemeral else None,
            msg_type=msg_type,
        )

    async def post_callback(self, req: Req) -> Response:
        server = self.server
        interaction_id = snowflake_param(req, "interaction_id")
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
        record["status"] = 200 if truthy(req.query.get("with_response")) else 204
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
            command = itype == INTERACTION_APPLICATION_COMMAND
            msg = self._response_message(
                req, interaction, data, MESSAGE_TYPE_CHAT_INPUT_COMMAND if command else 0
            )
            ephemeral = msg.ephemeral
            interaction.ephemeral = ephemeral
            interaction.original = msg
            interaction.content_ready = True
            interaction.acknowledged = True
            await server.publish_message(msg)
            resource["message"] = message_payload(server, msg)
            callback.update(response_message_id=str(msg.id), response_message_ephemeral=ephemeral)
        elif kind == CALLBACK_DEFERRED_CHANNEL_MESSAGE:
            payload = data if isinstance(data, dict) else {}
            flags = flags_of(payload)
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
            apply_edit(
                server, target, data if isinstance(data, dict) else {}, req.files, route=req.label
            )
            interaction.original = target
            interaction.content_ready = True
            interaction.acknowledged = True
            await server.publish_edit(target)
            resource["message"] = message_payload(server, target)
            callback.update(
                response_message_id=str(target.id),
                response_message_ephemeral=target.ephemeral,
            )
        elif kind == CALLBACK_AUTOCOMPLETE_RESULT:
            errors = FormErrors()
            validate_autocomplete_result(data, errors)
            if errors:
                raise errors.rejection(f"{req.label}: autocomplete answer to {what} rejected")
        elif kind == CALLBACK_MODAL:
            errors = FormErrors()
            validate_modal(data, errors)
            if errors:
                raise errors.rejection(f"{req.label}: modal for {what} rejected")
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
        app_id = snowflake_param(req, "app_id")
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
            message_id = snowflake_param(req, "message_id")
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
            apply_edit(server, original, body, req.files, route=req.label)
            interaction.content_ready = True
            await server.publish_edit(original)
            return 200, message_payload(server, original)
        msg = self._response_message(req, interaction, body)
        interaction.followups.append(msg)
        await server.publish_message(msg)
        return 200, message_payload(server, msg)

    async def get_webhook_msg(self, req: Req) -> Response:
        interaction = self._webhook_interaction(req)
        msg = self._webhook_message(req, interaction)
        return 200, message_payload(self.server, msg)

    async def patch_webhook_msg(self, req: Req) -> Response:
        server = self.server
        interaction = self._webhook_interaction(req)
        msg = self._webhook_message(req, interaction)
        apply_edit(server, msg, req.body, req.files, route=req.label)
        if msg is interaction.original:
            interaction.content_ready = True
        await server.publish_edit(msg)
        return 200, message_payload(server, msg)

    async def delete_webhook_msg(self, req: Req) -> Response:
        interaction = self._webhook_interaction(req)
        msg = self._webhook_message(req, interaction)
        await self.server.publish_delete(msg)
        return 204, None
