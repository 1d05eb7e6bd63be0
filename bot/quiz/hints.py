"""Hints: each is a sentence and the test of which answers it fits.

With choices, a hint is kept only when it rules out some but not every wrong choice and
says nothing the prompt says; typed, every hint true of the answer is kept, weakest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.catalog.normalize import fold
from bot.catalog.vocab import Method
from bot.quiz.model import Answer

Hint = tuple[str, Callable[[Answer], bool]]
"""A hint's text, and whether an answer fits it."""

METHOD_HINT_WORDS: dict[Method, str] = {
    Method.TOUR_OR_PERFORMANCE: "tour",
    Method.SPORTING_EVENT: "sporting",
    Method.OFFICIAL_POSTING: "posting",
    Method.AIRCRAFT: "plane",
    Method.SEA: "sea",
    Method.OVERLAND_ESCAPE: "overland",
    Method.EMBASSY_ASYLUM: "embassy",
    Method.ACADEMIC_OR_WORK_TRIP: "academic",
    Method.OTHER: "other",
    Method.UNKNOWN: "unknown",
}
"""One word of each method's name, for the last typed-mode hint."""


def initials_of(name: str) -> str:
    return " ".join(f"{word[0]}." for word in name.replace("(", " ").split() if word[0].isalpha())


def keep_choice_hints(
    prompt: str,
    answer: Answer,
    choices: Sequence[Answer],
    hints: Sequence[Hint],
    label: Callable[[Answer], str],
) -> list[str]:
    """The hints that rule out some but not every wrong choice (no giveaway) and say
    nothing the prompt says, weakest first; then, if fewer than two, "It is not …" hints
    naming a wrong choice."""
    wrong = [c for c in choices if c != answer]
    folded_prompt = fold(prompt)
    ranked: list[tuple[int, int, str]] = []
    for order, (text, fits) in enumerate(hints):
        if not fits(answer) or fold(text.rstrip(".")) in folded_prompt:
            continue
        excluded = sum(1 for c in wrong if not fits(c))
        if 0 < excluded < len(wrong):
            ranked.append((excluded, order, text))
    kept = [text for _, _, text in sorted(ranked)]
    for choice in sorted(wrong, key=str):
        if len(kept) >= 2:
            break
        kept.append(f"It is not “{label(choice)}”.")
    return kept


def keep_typed_hints(prompt: str, answer: Answer, hints: Sequence[Hint]) -> list[str]:
    """Typed mode has no choices to rule out: every hint true of the answer and not said by
    the prompt, in the order given (weakest first)."""
    folded_prompt = fold(prompt)
    return [
        text for text, fits in hints if fits(answer) and fold(text.rstrip(".")) not in folded_prompt
    ]


def year_typed_hints(year: int) -> list[Hint]:
    """The decade, then a five-year span, then the last digit."""
    decade, low = year - year % 10, year - year % 5
    return [
        (f"The {decade}s.", lambda y: isinstance(y, int) and y - y % 10 == decade),
        (f"Between {low} and {low + 4}.", lambda y: isinstance(y, int) and low <= y <= low + 4),
        (f"It ends in {year % 10}.", lambda y: isinstance(y, int) and y % 10 == year % 10),
    ]


def name_shape(name: str) -> tuple[str, tuple[int, ...]]:
    return name[0], tuple(len(w) for w in name.split())


def letter_counts(name: str) -> str:
    lengths = [len(w) for w in name.split()]
    if len(lengths) == 1:
        return f"has {lengths[0]} letters"
    return (
        f"has {len(lengths)} words, of "
        + ", ".join(map(str, lengths[:-1]))
        + (f" and {lengths[-1]} letters")
    )


def surname_hint(surname: str) -> Hint:
    def fits(name: Answer) -> bool:
        other = surname_of(str(name))
        return other[0] == surname[0] and len(other) == len(surname)

    return f"The surname starts with “{surname[0]}” and has {len(surname)} letters.", fits


def surname_of(name: str) -> str:
    """The surname as the judge reads it: the last word before any "(…)" alias."""
    return name.split("(")[0].split()[-1]
