"""Discord's message markup, read as a person reads it in the Discord client.

``render_markup`` turns a message's text (content, embed titles, descriptions, fields) into
styled fragments, the ``(style, text)`` pairs of prompt_toolkit's formatted text:

* ``<t:1700000000:R>`` → "in 12 s", "3 min ago"; the other styles (t T d D f F) a date/time;
* ``<@id>`` → "@boris", ``<#id>`` → "#general", ``<@&id>`` → "@moderators";
* Markdown as Discord reads it: ``**bold**``, ``*italic*``/``_italic_``, ``__underline__``,
  ``~~strike~~``, ``||spoiler||``, inline and fenced code, ``> quote``, ``>>> quote``,
  ``# headings``, ``-# subtext``, ``- lists``, ``[text](url)`` → "text (url)", backslash
  escapes. Nothing is shown raw: the markers become styles (or vanish in plain text).

Discord's flavour differs from CommonMark (``__x__`` underlines; ``-#`` is subtext; no
emphasis inside words with ``_``), so this is a small renderer of its own, not a CommonMark
library. ``plain`` drops the styles; ``wrap`` folds fragments to a width.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

Fragment = tuple[str, str]
Fragments = list[Fragment]

STYLES = {
    "b": "bold",
    "i": "italic",
    "u": "underline",
    "s": "strike",
    "code": "fg:ansicyan",
    "spoiler": "reverse",
    "sub": "fg:ansigray",
    "quote": "fg:ansigray",
    "mention": "fg:ansiblue bold",
    "time": "fg:ansiyellow",
    "link": "underline fg:ansiblue",
}


@dataclass
class Names:
    """What ids read as: members, channels, roles; and the clock for relative timestamps."""

    members: Mapping[int, str] = field(default_factory=dict)
    channels: Mapping[int, str] = field(default_factory=dict)
    roles: Mapping[int, str] = field(default_factory=dict)
    now: Callable[[], float] | None = None
    """Seconds since the epoch; None: the wall clock."""
    tz: datetime.tzinfo | None = None
    """For the absolute styles; None: the machine's local time zone."""


def relative(seconds: float) -> str:
    """How far a moment is from now, as "in 12 s" or "3 min ago" (``seconds`` = then - now)."""
    ahead = seconds >= 0
    size = abs(round(seconds))
    if size < 60:
        amount = f"{size} s"
    elif size < 3600:
        amount = f"{round(size / 60)} min"
    elif size < 86400:
        amount = f"{round(size / 3600)} h"
    elif size < 86400 * 30:
        days = round(size / 86400)
        amount = "1 day" if days == 1 else f"{days} days"
    elif size < 86400 * 365:
        months = round(size / (86400 * 30))
        amount = "1 month" if months == 1 else f"{months} months"
    else:
        years = round(size / (86400 * 365))
        amount = "1 year" if years == 1 else f"{years} years"
    if size == 0:
        return "now"
    return f"in {amount}" if ahead else f"{amount} ago"


def timestamp_text(epoch: int, style: str, names: Names) -> str:
    """A ``<t:epoch:style>`` as Discord shows it (in English, 24-hour clock)."""
    import time

    if style == "R":
        now = names.now() if names.now is not None else time.time()
        return relative(epoch - now)
    try:
        moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).astimezone(names.tz)
    except (OverflowError, OSError, ValueError):
        return f"<t:{epoch}:{style}>"
    day = f"{moment.day} {moment:%B %Y}"
    formats = {
        "t": f"{moment:%H:%M}",
        "T": f"{moment:%H:%M:%S}",
        "d": f"{moment:%d/%m/%Y}",
        "D": day,
        "f": f"{day} {moment:%H:%M}",
        "F": f"{moment:%A}, {day} {moment:%H:%M}",
    }
    return formats.get(style, formats["f"])


# -- inline ------------------------------------------------------------------------------------

_INLINE = re.compile(
    r"""
    (?P<escape>\\(?P<escaped>[\\*_~`|>\[\]()#<@:-]))
  | (?P<code2>``(?P<code2_body>.+?)``)
  | (?P<code>`(?P<code_body>[^`]+)`)
  | <t:(?P<epoch>-?\d{1,13})(?::(?P<tstyle>[tTdDfFR]))?>
  | <@!?(?P<user>\d{1,20})>
  | <@&(?P<role>\d{1,20})>
  | <\#(?P<channel>\d{1,20})>
  | <a?:(?P<emoji>\w{1,32}):\d{1,20}>
  | \[(?P<link_text>[^\]\n]+)\]\(<?(?P<link_url>[a-z][a-z0-9+.-]*://[^)\s>]+)>?\)
  | <(?P<bare_url>[a-z][a-z0-9+.-]*://[^>\s]+)>
  | (?P<bold>\*\*(?P<bold_body>.+?)\*\*(?!\*))
  | (?P<under>__(?P<under_body>.+?)__(?!_))
  | (?P<strike>~~(?P<strike_body>.+?)~~)
  | (?P<spoiler>\|\|(?P<spoiler_body>.+?)\|\|)
  | (?P<star>\*(?P<star_body>[^*\s](?:[^*]*[^*\s])?)\*)
  | (?P<under1>(?<![\w])_(?P<under1_body>[^_\s](?:[^_]*[^_\s])?)_(?![\w]))
    """,
    re.VERBOSE | re.DOTALL,
)

_WRAPPERS = {
    "bold": "b",
    "under": "u",
    "strike": "s",
    "spoiler": "spoiler",
    "star": "i",
    "under1": "i",
}


def _style(*keys: str) -> str:
    return " ".join(STYLES[k] for k in keys if k in STYLES)


def render_inline(text: str, names: Names, styles: tuple[str, ...] = ()) -> Fragments:
    out: Fragments = []
    position = 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            out.append((_style(*styles), text[position : match.start()]))
        position = match.end()
        out += _inline_token(match, names, styles)
    if position < len(text):
        out.append((_style(*styles), text[position:]))
    return out


def _inline_token(match: re.Match[str], names: Names, styles: tuple[str, ...]) -> Fragments:
    group = match.groupdict()
    if group["escape"]:
        return [(_style(*styles), group["escaped"])]
    if group["code2"] or group["code"]:
        body = group["code2_body"] or group["code_body"]
        return [(_style(*styles, "code"), body.strip() if group["code2"] else body)]
    if group["epoch"] is not None:
        when = timestamp_text(int(group["epoch"]), group["tstyle"] or "f", names)
        return [(_style(*styles, "time"), when)]
    if group["user"]:
        name = names.members.get(int(group["user"]), "unknown member")
        return [(_style(*styles, "mention"), f"@{name}")]
    if group["role"]:
        name = names.roles.get(int(group["role"]), "unknown role")
        return [(_style(*styles, "mention"), f"@{name}")]
    if group["channel"]:
        name = names.channels.get(int(group["channel"]), "unknown channel")
        return [(_style(*styles, "mention"), f"#{name}")]
    if group["emoji"]:
        return [(_style(*styles), f":{group['emoji']}:")]
    if group["link_text"]:
        inner = render_inline(group["link_text"], names, (*styles, "link"))
        return [*inner, (_style(*styles), f" ({group['link_url']})")]
    if group["bare_url"]:
        return [(_style(*styles, "link"), group["bare_url"])]
    for name, key in _WRAPPERS.items():
        if group[name]:
            return render_inline(group[f"{name}_body"], names, (*styles, key))
    return [(_style(*styles), match.group(0))]  # pragma: no cover - every branch returns


# -- blocks ------------------------------------------------------------------------------------

_FENCE = re.compile(r"```(?:[\w+-]{1,20}\n)?(.*?)```", re.DOTALL)
_HEADING = re.compile(r"^(#{1,3}) +(.+)$")
_SUBTEXT = re.compile(r"^-# +(.+)$")
_LIST = re.compile(r"^( *)[-*] +(.+)$")


def render_markup(text: str, names: Names | None = None) -> list[Fragments]:
    """``text`` as lines of styled fragments (one list per line, without newlines)."""
    names = names or Names()
    lines: list[Fragments] = []
    position = 0
    for fence in _FENCE.finditer(text):
        before = text[position : fence.start()].rstrip(" ")
        lines += _render_lines(before, names, fence_follows=True)
        body = fence.group(1).strip("\n")
        lines += [[(_style("code"), f"  {line}")] for line in body.split("\n")]
        position = fence.end()
        if text.startswith("\n", position):
            position += 1
    rest = text[position:]
    if rest or not lines:
        lines += _render_lines(rest, names)
    return lines


def _render_lines(text: str, names: Names, *, fence_follows: bool = False) -> list[Fragments]:
    if fence_follows and text.endswith("\n"):
        text = text[:-1]
    if fence_follows and not text:
        return []
    lines: list[Fragments] = []
    quoting_rest = False  # after ">>> " every following line is quoted
    for raw in text.split("\n"):
        line = raw
        quoted = quoting_rest
        if line.startswith(">>> "):
            quoting_rest, quoted, line = True, True, line[4:]
        elif line.startswith("> ") or line == ">":
            quoted, line = True, line[2:]
        prefix: Fragments = [(_style("quote"), "▎ ")] if quoted else []
        if heading := _HEADING.match(line):
            lines.append(prefix + render_inline(heading.group(2), names, ("b",)))
        elif subtext := _SUBTEXT.match(line):
            lines.append(prefix + render_inline(subtext.group(1), names, ("sub",)))
        elif item := _LIST.match(line):
            bullet = [(_style(), f"{item.group(1)}• ")]
            lines.append(prefix + bullet + render_inline(item.group(2), names))
        else:
            lines.append(prefix + render_inline(line, names))
    return lines


# -- output ------------------------------------------------------------------------------------


def plain(fragments: Iterable[Fragment]) -> str:
    return "".join(text for _, text in fragments)


def wrap(line: Fragments, width: int, indent: str = "") -> list[Fragments]:
    """Fold one line of fragments at spaces to at most ``width`` characters a line (a word
    longer than that stays whole); continuation lines start with ``indent``."""
    words: list[Fragments] = [[]]
    for style, text in line:
        for piece in re.split(r"( )", text):
            if piece == " ":
                words.append([])
            elif piece:
                words[-1].append((style, piece))
    lead = re.match(r" *", plain(line))
    leading = len(lead.group(0)) if lead else 0
    out: list[Fragments] = []
    current: Fragments = []
    size = 0
    for index, word in enumerate(words):
        length = len(plain(word))
        if index < leading:  # keep the line's own leading spaces
            current.append(("", " "))
            size += 1
            continue
        if current and size + 1 + length > width and size > leading:
            out.append(current)
            current, size = [("", indent)] if indent else [], len(indent)
        elif current and index > leading:
            current.append(("", " "))
            size += 1
        current += word
        size += length
    out.append(current)
    for folded in out:  # no trailing spaces
        while folded and not folded[-1][1].strip():
            folded.pop()
    return out
