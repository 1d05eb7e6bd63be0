"""Text folding shared by the search index and (later) the answer judge.

Members type without accents, in any case, with stray punctuation; the table spells
Romanian s-comma two ways (``ș`` U+0219 and ``ş`` U+015F). Folding maps all of these to one
plain lowercase ASCII-ish form so that comparisons are about letters, not encodings.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

# Letters that NFKD does not decompose into base + combining mark.
_SPECIAL = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
        "’": "'",
        "‘": "'",
    }
)
_ACCENTS = dict.fromkeys(c for c in range(0x0300, 0x0370) if unicodedata.combining(chr(c)))
"""The combining marks NFKD leaves of Latin accents (dropped at C speed; a character-by-
character test of every mark cost most of folding a name like "Šťastný")."""
_APOSTROPHES = re.compile(r"['`´]")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Characters with no visible glyph that members paste by accident (or on purpose):
# zero-width space/joiners, BOM, bidi marks and embeddings/isolates, soft hyphen.
_INVISIBLE = dict.fromkeys(
    [
        0x00AD,
        0x180E,
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x2060,
        0xFEFF,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


def strip_invisible(text: str) -> str:
    """Remove zero-width and bidi control characters."""
    if text.isascii():  # every one of them is non-ASCII; most text is ASCII
        return text
    return text.translate(_INVISIBLE)


def fold(text: str) -> str:
    """Fold ``text`` to lowercase words of ``[0-9a-z]`` separated by single spaces.

    >>> fold("Mihai Șubă") == fold("Mihai Şubă") == "mihai suba"
    True
    >>> fold("  Czesław   MIŁOSZ! ")
    'czeslaw milosz'
    """
    if text.isascii():
        # Nothing to strip, translate or decompose (every mapped character is non-ASCII):
        # most typed answers take this path.
        base = text.lower()
        if "'" in base or "`" in base:  # the one other apostrophe, ´, is not ASCII
            base = base.replace("'", "").replace("`", "")
    else:
        text = strip_invisible(text).translate(_SPECIAL)
        decomposed = unicodedata.normalize("NFKD", text).translate(_ACCENTS)
        if not decomposed.isascii():  # marks outside the common block, or other scripts
            decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        base = decomposed.casefold()
        base = _APOSTROPHES.sub("", base)
    return _NON_WORD.sub(" ", base).strip()


def tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    folded = fold(text)
    return folded.split() if folded else []


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds C0/C1 control characters other than tab/newline."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n" for ch in text)


class NameForm(Enum):
    """How a form of a name relates to the whole name."""

    FULL = "full"
    FIRST_AND_LAST = "first and last"
    """"ion pacepa" for Ion Mihai Pacepa."""
    DOUBLE_SURNAME = "double surname"
    """The last two words: "murat khan", "barba neagra"."""
    SURNAME = "surname"


def name_forms(text: str) -> list[tuple[str, NameForm]]:
    """The folded forms a person is known by from one name or alias: the whole name; with
    three words or more, the first and last word and the last two words; with two words or
    more, the surname (the last word) if it has three letters or more. The one statement of
    that rule: name search and the typed-answer judge both read it."""
    words = fold(text).split()
    if not words:
        return []
    forms = [(" ".join(words), NameForm.FULL)]
    if len(words) >= 3:
        forms.append((f"{words[0]} {words[-1]}", NameForm.FIRST_AND_LAST))
        forms.append((f"{words[-2]} {words[-1]}", NameForm.DOUBLE_SURNAME))
    if len(words) >= 2 and len(words[-1]) >= 3:
        forms.append((words[-1], NameForm.SURNAME))
    return forms
