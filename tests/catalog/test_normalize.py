from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.normalize import fold, has_control_characters, strip_invisible


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mihai Șubă", "mihai suba"),  # s with comma below (U+0219)
        ("Mihai Şubă", "mihai suba"),  # s with cedilla (U+015F)
        ("Czesław Miłosz", "czeslaw milosz"),
        ("Naim Süleymanoğlu", "naim suleymanoglu"),
        ("Anton Šťastný", "anton stastny"),
        ("Kırklareli", "kirklareli"),
        ("Rønne", "ronne"),
        ("G. M. Dimitrov", "g m dimitrov"),
        ("Vladimir Rezun (Viktor Suvorov)", "vladimir rezun viktor suvorov"),
        ("Nasreddin Murat-Khan", "nasreddin murat khan"),
        ("O'Brien", "obrien"),
        ("  MANY   spaces\t", "many spaces"),
        ("Nure\u200byev", "nureyev"),  # zero-width space inside a word
        ("\u202eNureyev\u202c", "nureyev"),  # right-to-left override
        ("", ""),
        ("!!!", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@given(st.text())
def test_fold_is_idempotent_and_plain(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded


def test_control_characters() -> None:
    assert has_control_characters("a\x00b")
    assert has_control_characters("a\x1bb")
    assert not has_control_characters("tab\tand newline\n")
    assert strip_invisible("a\u200db\u2066c") == "abc"


def _fold_without_the_ascii_shortcut(text: str) -> str:
    import unicodedata

    from bot.catalog import normalize

    text = strip_invisible(text).translate(normalize._SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return normalize._NON_WORD.sub(" ", normalize._APOSTROPHES.sub("", base)).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127)) | st.text())
def test_the_ascii_shortcut_folds_as_the_full_path_does(text: str) -> None:
    assert fold(text) == _fold_without_the_ascii_shortcut(text)
