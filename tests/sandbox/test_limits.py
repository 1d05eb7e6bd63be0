"""Discord's limits as the local Discord enforces them (pure functions, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.limits import (
    FormErrors,
    command_char_count,
    compute_pings,
    validate_autocomplete_result,
    validate_command,
    validate_command_list,
    validate_components,
    validate_embeds,
    validate_message_fields,
)


def command_errors(command: dict[str, Any], *, groups: bool = False) -> str:
    errors = FormErrors()
    validate_command(command, "0", errors, allow_subcommand_groups=groups)
    return errors.describe()


BIG_CHOICE = {"name": "n" * 100, "value": "v" * 100}


def opt(name: str, kind: int = 3, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": f"the {name}", "type": kind, **extra}


def cmd(name: str = "quiz", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "A command", "type": 1, **extra}


def test_a_good_command_passes() -> None:
    good = cmd(
        options=[
            opt("start", 1, options=[opt("rounds", 4, required=True, min_value=1), opt("topic")]),
            opt("stop", 1),
        ]
    )
    assert command_errors(good) == ""


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (cmd("Quiz"), "name"),
        (cmd("two words"), "name"),
        (cmd("x" * 33), "name"),
        (cmd("it's"), "name"),
        (cmd(description=""), "description"),
        (cmd(description="d" * 101), "description"),
        (cmd(options=[opt(f"o{i}") for i in range(26)]), "25 or fewer"),
        (
            cmd(options=[opt("a", choices=[{"name": str(i), "value": str(i)} for i in range(26)])]),
            "25",
        ),
        (cmd(options=[opt("a", choices=[{"name": "n" * 101, "value": "v"}])]), "name"),
        (cmd(options=[opt("a", choices=[{"name": "n", "value": "v" * 101}])]), "value"),
        (cmd(options=[opt("a", 4, choices=[{"name": "n", "value": "one"}])]), "integer"),
        (
            cmd(options=[opt("a", autocomplete=True, choices=[{"name": "n", "value": "v"}])]),
            "Autocomplete cannot be set together with choices",
        ),
        (cmd(options=[opt("a"), opt("b", required=True)]), "Required options must be placed"),
        (cmd(options=[opt("a"), opt("a")]), "unique"),
        (cmd(options=[opt("s", 1), opt("plain")]), "cannot be mixed"),
        (cmd(options=[opt("g", 2, options=[opt("s", 1)])]), "one level of nesting"),
        (cmd(options=[opt("s", 1, options=[opt("t", 1)])]), "too deep"),
        (cmd(options=[opt(f"s{i}", 1) for i in range(26)]), "25 or fewer"),
        (cmd(options=[opt("a", max_length=6001)]), "max_length"),
        (cmd(options=[opt("a", 5, min_value=1)]), "min_value"),
        (
            cmd(
                options=[
                    opt(
                        f"o{i}",
                        description="d" * 100,
                        choices=[{"name": "n" * 100, "value": "v" * 100}] * 25,
                    )
                    for i in range(2)
                ]
            ),
            "maximum size (8000)",
        ),
    ],
)
def test_schema_violations(command: dict[str, Any], fragment: str) -> None:
    assert fragment in command_errors(command)


def test_subcommand_groups_can_be_allowed() -> None:
    nested = cmd(options=[opt("g", 2, options=[opt("s", 1, options=[opt("x")])])])
    assert command_errors(nested, groups=True) == ""
    deeper = cmd(options=[opt("g", 2, options=[opt("h", 2, options=[opt("s", 1)])])])
    assert "too deep" in command_errors(deeper, groups=True)


def test_command_lists() -> None:
    errors = FormErrors()
    validate_command_list(
        [cmd("a"), cmd("a")], errors, is_global=True, allow_subcommand_groups=False
    )
    assert "unique" in errors.describe()
    errors = FormErrors()
    many = [cmd(f"c{i}") for i in range(101)]
    validate_command_list(many, errors, is_global=True, allow_subcommand_groups=False)
    assert "(100)" in errors.describe()
    assert command_char_count(cmd("ab", description="cde")) == 5


def message_errors(payload: dict[str, Any]) -> str:
    errors = FormErrors()
    validate_message_fields(payload, errors)
    return errors.describe()


def row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


def button(custom_id: str, label: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "custom_id": custom_id, "label": label, **extra}


def select(custom_id: str, count: int = 3, **extra: Any) -> dict[str, Any]:
    options = [{"label": f"l{i}", "value": f"v{i}"} for i in range(count)]
    return {"type": 3, "custom_id": custom_id, "options": options, **extra}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"content": "x" * 2001}, "content"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds"),
        ({"embeds": [{"title": "t" * 257}]}, "title"),
        ({"embeds": [{"description": "d" * 4097}]}, "description"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "fields"),
        ({"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]}, "name"),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, "value"),
        ({"embeds": [{"fields": [{"name": "", "value": "v"}]}]}, "name"),
        ({"embeds": [{"footer": {"text": "f" * 2049}}]}, "footer"),
        ({"embeds": [{"author": {"name": "a" * 257}}]}, "author"),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "6000"),
        ({"components": [row(button(f"b{i}")) for i in range(6)]}, "components"),
        ({"components": [row(*[button(f"b{i}") for i in range(6)])]}, "5 or fewer"),
        ({"components": [row(select("s"), button("b"))]}, "alone"),
        ({"components": [row(button("x" * 101))]}, "custom_id"),
        ({"components": [row(button("same")), row(button("same"))]}, "duplicated"),
        ({"components": [row(button("b", label="l" * 81))]}, "label"),
        ({"components": [row(select("s", 26))]}, "options"),
        ({"components": [row(select("s", 0))]}, "options"),
        ({"components": [button("bare")]}, "action rows"),
        ({"components": [row({"type": 2, "style": 5, "label": "go"})]}, "url"),
        ({"allowed_mentions": {"parse": ["users"], "users": ["1"]}}, "mutually exclusive"),
    ],
)
def test_message_violations(payload: dict[str, Any], fragment: str) -> None:
    assert fragment in message_errors(payload)


def test_messages_within_limits_pass() -> None:
    embed = {
        "title": "t" * 256,
        "description": "d" * 4096,
        "fields": [{"name": "n", "value": "v" * 64}] * 25,
        "footer": {"text": "f" * 10},
    }
    components = [row(*[button(f"r{r}b{b}") for b in range(5)]) for r in range(4)]
    components.append(row(select("pick", 25)))
    assert (
        message_errors({"content": "x" * 2000, "embeds": [embed], "components": components}) == ""
    )
    errors = FormErrors()
    validate_embeds([{"title": "t"}] * 10, errors)
    validate_components([], errors)
    assert not errors


def test_form_errors_render_like_discord() -> None:
    errors = FormErrors()
    errors.add("embeds.0.title", "Must be 256 or fewer in length.")
    assert errors.to_errors() == {
        "embeds": {
            "0": {
                "title": {
                    "_errors": [
                        {"code": "INVALID_FORM_BODY", "message": "Must be 256 or fewer in length."}
                    ]
                }
            }
        }
    }


def pings(content: str, allowed: dict[str, Any] | None, **extra: Any) -> list[tuple[str, int]]:
    kwargs: dict[str, Any] = {
        "member_ids": [1, 2, 3],
        "role_ids": [10],
        "mentionable_role_ids": [],
        "can_mention_everyone": True,
        "author_id": 99,
    }
    kwargs.update(extra)
    return compute_pings(content, allowed, **kwargs)


def test_pings_follow_allowed_mentions() -> None:
    text = "@everyone <@1> <@!2> <@&10> <@7>"
    assert pings(text, None) == [("everyone", 0), ("user", 1), ("user", 2), ("role", 10)]
    assert pings(text, {"parse": []}) == []
    assert pings(text, {"parse": ["users"]}) == [("user", 1), ("user", 2)]
    assert pings(text, {"users": ["2"], "roles": ["10"]}) == [("user", 2), ("role", 10)]
    assert pings(text, None, can_mention_everyone=False) == [("user", 1), ("user", 2)]
    assert pings("```<@1>``` `@here`", None) == []
    assert pings("reply", None, replied_user_id=3) == [("user", 3)]
    assert pings("reply", {"parse": []}, replied_user_id=3) == []
    assert pings("reply", {"parse": [], "replied_user": True}, replied_user_id=3) == [("user", 3)]


def test_autocomplete_results() -> None:
    errors = FormErrors()
    validate_autocomplete_result({"choices": [{"name": "a", "value": "a"}] * 25}, errors)
    assert not errors
    validate_autocomplete_result({"choices": [{"name": "a", "value": "a"}] * 26}, errors)
    validate_autocomplete_result({"choices": [{"name": "a" * 101, "value": 1}]}, errors)
    assert "25 or fewer" in errors.describe() and "name" in errors.describe()
