"""The bot's message writes, checked as Discord checks them: a create body or an edit body
(content, embeds, components, attachments, reply reference) becomes a :class:`Message` or changes
one, or is refused with Discord's 400 and a violation.
"""

from __future__ import annotations

from bot.sandbox.attachments import (
    MAX_ATTACHMENTS,
    StoredFile,
    attachment_payload,
    content_type_of,
    resolve_embed_media,
)
from bot.sandbox.limits import (
    FormErrors,
    is_empty_message,
    validate_message_fields,
    validate_v2_message,
)
from bot.sandbox.model import (
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    JSON,
    ApiError,
    Channel,
    Interaction,
    Message,
    now_iso,
)
from bot.sandbox.state import SandboxState

MESSAGE_TYPE_DEFAULT = 0
MESSAGE_TYPE_REPLY = 19
MESSAGE_TYPE_CHAT_INPUT_COMMAND = 20
EDITABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_IS_COMPONENTS_V2
CREATE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_IS_COMPONENTS_V2


def form_error(route: str, errors: FormErrors) -> ApiError:
    return errors.rejection(f"{route}: 400 Invalid Form Body")


def _empty_message(route: str, what: str = "") -> ApiError:
    return ApiError(
        400,
        50006,
        "Cannot send an empty message",
        violation=f"{route}: 400 Cannot send an empty message{what}",
    )


def _checked_object(body: JSON, route: str) -> FormErrors:
    errors = FormErrors()
    if not isinstance(body, dict):
        errors.add("", "Must be an object.")
        raise form_error(route, errors)
    validate_message_fields(body, errors)
    return errors


def _attachments_from(state: SandboxState, body: JSON, files: list[JSON], route: str) -> list[JSON]:
    """The new attachments of a create or edit: each uploaded ``files[n]`` with the
    ``attachments`` entry whose id is ``n`` (its filename and description win)."""
    described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
    attachments: list[JSON] = []
    for file in files:
        stored = state.files[file["id"]]
        extra = described.get(str(file["index"]))
        if extra is None and "attachments" in body:
            state.violation(
                f"{route}: {file['field']} is uploaded but no attachments entry has id "
                f"{file['index']}"
            )
        extra = extra or {}
        name = extra.get("filename")
        if isinstance(name, str) and name and name != stored.filename:
            stored = StoredFile(name, content_type_of(name), stored.data)
            state.files[file["id"]] = stored
        description = extra.get("description")
        attachments.append(
            attachment_payload(
                file["id"],
                stored,
                base_url=state.files_base,
                description=description if isinstance(description, str) else None,
            )
        )
    return attachments


def _resolve_media(
    state: SandboxState, embeds: list[JSON], attachments: list[JSON], route: str
) -> list[JSON]:
    """Copies of ``embeds`` whose ``attachment://`` urls point at the message's attachments."""
    embeds = [dict(e) if isinstance(e, dict) else e for e in embeds]
    for url in resolve_embed_media(embeds, attachments):
        state.violation(f"{route}: embed image {url} names no attachment of the message")
    return embeds


def _reply_reference(
    state: SandboxState, reference: object, errors: FormErrors, route: str
) -> JSON | None:
    if not isinstance(reference, dict) or reference.get("message_id") is None:
        return None
    target = state.message(int(reference["message_id"]))
    if target is None or target.deleted:
        if reference.get("fail_if_not_exists", True):
            errors.add("message_reference", "Unknown message")
            raise form_error(route, errors)
        return None
    msg_ref: JSON = {
        "type": 0,
        "message_id": str(target.id),
        "channel_id": str(target.channel_id),
    }
    if target.guild_id is not None:
        msg_ref["guild_id"] = str(target.guild_id)
    return msg_ref


def build_bot_message(
    state: SandboxState,
    channel: Channel,
    body: JSON,
    files: list[JSON],
    *,
    route: str,
    interaction: Interaction | None = None,
    ephemeral_to: int | None = None,
    msg_type: int = MESSAGE_TYPE_DEFAULT,
) -> Message:
    """Validate a create body (content/embeds/components limits) and build the message."""
    errors = _checked_object(body, route)
    content = body.get("content") if isinstance(body.get("content"), str) else ""
    embeds = list(body.get("embeds") or []) if isinstance(body.get("embeds"), list) else []
    components = body.get("components")
    components = list(components) if isinstance(components, list) else []
    flags = body.get("flags") if isinstance(body.get("flags"), int) else 0
    assert isinstance(content, str) and isinstance(flags, int)
    if flags & FLAG_IS_COMPONENTS_V2:
        validate_v2_message(content, embeds, components, errors)
    if errors:
        raise form_error(route, errors)
    attachments = _attachments_from(state, body, files, route)
    if attachments or embeds:
        embeds = _resolve_media(state, embeds, attachments, route)
    if is_empty_message(content, embeds, components, attachments) and not body.get("sticker_ids"):
        raise _empty_message(route)
    msg_ref = _reply_reference(state, body.get("message_reference"), errors, route)
    if msg_ref is not None and msg_type == MESSAGE_TYPE_DEFAULT:
        msg_type = MESSAGE_TYPE_REPLY
    return Message(
        id=state.snowflake(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author_id=state.bot_user_id,
        content=content,
        embeds=embeds,
        components=components,
        flags=(flags & CREATE_FLAGS) | (FLAG_EPHEMERAL if ephemeral_to is not None else 0),
        visible_to=ephemeral_to,
        interaction_id=interaction.id if interaction is not None else None,
        allowed_mentions=body.get("allowed_mentions"),
        attachments=attachments,
        message_reference=msg_ref,
        webhook_id=state.application_id if interaction is not None else None,
        type=msg_type,
        nonce=body.get("nonce"),
        tts=bool(body.get("tts", False)),
    )


def apply_edit(
    state: SandboxState, msg: Message, body: JSON, files: list[JSON], *, route: str
) -> None:
    """Validate an edit body against the merged result and apply it."""
    errors = _checked_object(body, route)
    content = msg.content
    if "content" in body:
        content = body["content"] if isinstance(body["content"], str) else ""
    embeds = msg.embeds
    if "embeds" in body:
        embeds = list(body["embeds"]) if isinstance(body["embeds"], list) else []
    components = msg.components
    if "components" in body:
        value = body["components"]
        components = list(value) if isinstance(value, list) else []
    flags = msg.flags
    if isinstance(body.get("flags"), int):
        flags = (flags & ~EDITABLE_FLAGS) | (body["flags"] & EDITABLE_FLAGS)
        flags |= msg.flags & FLAG_IS_COMPONENTS_V2  # cannot be removed once set
    if flags & FLAG_IS_COMPONENTS_V2:
        validate_v2_message(content, embeds, components, errors)
    if errors:
        raise form_error(route, errors)
    attachments = msg.attachments
    if "attachments" in body and isinstance(body["attachments"], list):
        keep = {str(a.get("id")) for a in body["attachments"] if isinstance(a, dict)}
        attachments = [a for a in msg.attachments if str(a["id"]) in keep]
    attachments = attachments + _attachments_from(state, body, files, route)
    if len(attachments) > MAX_ATTACHMENTS:
        errors.add("attachments", f"Must be {MAX_ATTACHMENTS} or fewer in length.")
        raise form_error(route, errors)
    if "embeds" in body or files:
        embeds = _resolve_media(state, embeds, attachments, route)
    if is_empty_message(content, embeds, components, attachments):
        raise _empty_message(route, " (edit)")
    msg.content = content
    msg.embeds = embeds
    msg.components = components
    msg.flags = flags & ~FLAG_LOADING
    msg.attachments = attachments
    if "allowed_mentions" in body:
        msg.allowed_mentions = body["allowed_mentions"]
    msg.edited = True
    msg.edited_timestamp = now_iso()
    state.compute_mentions(msg, record_pings=False)
