"""Explanations: the words of the row that support an answer, quoted.

Each explanation names the answer once, quotes the clause of the notes that says it (cut
to the part that holds it when long), and names every other reading of the row that a
typed answer may give ("The row also supports …; that counts as right too").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import Method, Status
from bot.quiz.model import BUTTONS_ONLY_NOTES, QuestionKind
from bot.quiz.readings import mentioned_countries

NO_NOTES = "The source table has no notes on this person."
QUOTE_LIMIT = 140

_DEFECTING = frozenset(
    {"defected", "defect", "fled", "escaped", "flew", "hijacked", "leaped", "jumped", "sailed",
     "crossed", "left", "ran", "swam", "photographed", "used"}
)  # fmt: skip
# Words that say a clause is about going somewhere ("Defected to South Korea"), not about a
# job there ("Translator at the Soviet embassy in Pyongyang, North Korea").
_MOVING = _DEFECTING | frozenset(
    {"to", "traveled", "moved", "settled", "emigrated", "emigrating", "immigrated", "arrived",
     "relocating", "granted", "asylum"}
)  # fmt: skip


def method_label(code: str) -> str:
    phrase = Method(code).phrase
    return phrase[0].upper() + phrase[1:]


def split_clauses(text: str) -> list[str]:
    """Sentences and ``;`` clauses; "U.S. Embassy", "Vladimir V. Tchernavin" and
    "St. Lawrence Island" are not split."""
    return [
        s.strip() for s in re.split(r"(?<=[.;])(?<!\b[A-Z]\.)(?<!\bSt\.)\s+", text) if s.strip()
    ]


def _full_sentences(text: str) -> list[str]:
    """Whole sentences, ``;`` clauses kept together: "Sent to infiltrate anti-Soviet
    Chechens; he joined them instead" is one thought, and its second half is the defection."""
    return [s.strip() for s in re.split(r"(?<=[.])(?<!\b[A-Z]\.)(?<!\bSt\.)\s+", text) if s.strip()]


def defection_sentence(subject: Defector) -> str | None:
    """The sentence of the notes about the defection itself: for a failed attempt the one
    that says they tried ("tried to defect to Turkey and was arrested"), else the first with
    a verb of leaving; else the first sentence."""
    sentences = _full_sentences(subject.notes or "")
    if not sentences:
        return None
    words = [set(fold(s).split()) for s in sentences]
    if subject.status is Status.FAILED:
        tried = {"tried", "attempted", "attempt", "arrested", "caught", "captured"}
        for sentence, said in zip(sentences, words, strict=True):
            if said & tried:
                return sentence
    for sentence, said in zip(sentences, words, strict=True):
        if said & _DEFECTING:
            return sentence
    return sentences[0]


def quote(text: str, keep: str = "") -> str:
    """The notes' words in quotation marks; a long clause is cut to the part that holds
    ``keep``."""
    text = text.strip().rstrip(";,")
    if len(text) > QUOTE_LIMIT and keep and keep in text:
        kept = keep.rstrip(".;,")
        before = "" if text.startswith(kept) else "…"
        after = "" if text.rstrip(".;,").endswith(kept) else "…"
        text = before + kept + after
    elif len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT].rsplit(" ", 1)[0].rstrip(".;,") + "…"
    return f"“{text}”" if text.endswith((".", "…")) else f"“{text}.”"


def _sentence_with(notes: str | None, words: str) -> str | None:
    """The sentence or clause of the notes that holds ``words``."""
    return next((s for s in split_clauses(notes or "") if words in s), None)


def _also(subject: Defector, field: str, others: Iterable[str], show: Callable[[str], str]) -> str:
    """Names each other reading with its words: a typed answer naming one counts too."""
    parts = []
    for value in others:
        evidence = subject.evidence_for(field, value)
        if evidence is None:
            parts.append(show(value))
        elif evidence in (subject.notes or ""):
            parts.append(f"{show(value)} (“{evidence}”)")
        elif evidence in (subject.birthplace or ""):
            parts.append(f"{show(value)} (born in {subject.birthplace})")
        else:  # the profession cell: "Figure skater", "Ambassador"
            parts.append(f"{show(value)} (profession: {subject.profession})")
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if len(parts) == 1:
        return f" The row also supports {listed}; that counts as right too{BUTTONS_ONLY_NOTES[0]}."
    return f" The row also supports {listed}; those count as right too{BUTTONS_ONLY_NOTES[1]}."


def _the(country: str) -> str:
    return f"the {country}" if country in ("Soviet Union", "United States", "United Kingdom",
                                           "Netherlands", "Philippines") else country  # fmt: skip


def country_explanation(subject: Defector, kind: QuestionKind, answer: str) -> str:
    name = subject.name
    if kind is QuestionKind.BIRTH_COUNTRY:
        # "Russia: … born in Russia" said it twice; name the present-day country only when
        # the cell does not ("born in East Germany", now Germany).
        text = f"{name} was born in {subject.birthplace} (the table's birthplace)"
        if mentioned_countries(subject.birthplace, related=False) != {answer}:
            text += f", in present-day {_the(answer)}"
        return text + "."
    clauses = split_clauses(subject.notes or "")
    if kind is QuestionKind.ORIGIN_COUNTRY:
        verb = "tried to leave" if subject.status is Status.FAILED else "left"
        # Only a clause that says they left that very state: "Escaped from Czechoslovakia",
        # "Fled from the USSR"; not "Fled during a match in West Germany".
        said = next(
            (
                c
                for c in clauses
                if answer in mentioned_countries(c, related=False) and "from" in fold(c).split()
            ),
            None,
        )
        text = f"{name} {verb} {_the(answer)} in {subject.year}"  # names the answer once
        if said:
            text += f": {quote(said)}"
        elif subject.birthplace:
            text += f" (born in {subject.birthplace})."
        else:
            text += "."
        return text + _also(subject, "origin_country", subject.origins[1:], _the)
    # destination: the curated words for it, else the clause that names the country, one that
    # says the person moved first ("Later defected to the U.S." over "Spied for the U.S.").
    said = _sentence_with(subject.notes, subject.destination_evidence or "\0")
    naming = [c for c in clauses if answer in mentioned_countries(c)]
    if said is None and naming:
        # Prefer the clause about the act (it names where it happened: Degner "drove his car
        # from the Swedish Grand Prix to Denmark, then on to West Germany", not his family's
        # escape "to West Germany in a car trunk"), then one that says the person moved.
        where = _defected_in_country(subject)
        said = max(
            naming,
            key=lambda c: (
                where is not None and where in mentioned_countries(c, related=False),
                bool(set(fold(c).split()) & _MOVING),
                -naming.index(c),
            ),
        )
    if said is None and subject.defected_in:  # "in London": the city, not the country
        place = subject.defected_in.split(",")[0]
        said = next((c for c in clauses if place in c), None)
    text = (
        f"{answer}: {quote(said, _around(said, answer))}"
        if said
        else f"{answer}: {subject.notes or NO_NOTES}"
    )
    return text + _also(subject, "destination_country", subject.destinations[1:], _the)


def _defected_in_country(subject: Defector) -> str | None:
    """The country of ``defected_in`` ("Madrid, Spain" → Spain), if it names one."""
    found = mentioned_countries(subject.defected_in, related=False)
    return next(iter(sorted(found)), None) if len(found) == 1 else None


def _around(clause: str, country: str) -> str:
    """For a long clause, the comma-separated part naming ``country`` and the part before it
    (where they went from): "drove his car from the Swedish Grand Prix to Denmark, then on
    to West Germany"."""
    parts = [p.strip() for p in clause.split(",")]
    for i in range(len(parts) - 1, -1, -1):
        if country in mentioned_countries(parts[i], related=False):
            kept = ", ".join(parts[max(0, i - 1) : i + 1])
            return kept if kept in clause else parts[i]
    return ""


def method_explanation(subject: Defector) -> str:
    evidence = subject.method_evidence or ""
    sentence = _sentence_with(subject.notes, evidence) or evidence
    label = method_label(subject.method.value)
    others = [m.value for m in subject.methods if m is not subject.method]
    also = _also(subject, "method", others, lambda code: f"“{Method(code).label}”")
    return f"{label}: {quote(sentence, evidence)}{also}"


def who_explanation(subject: Defector, clues: Sequence[tuple[str, str]]) -> str:
    """``clues``: the prompt's (field, value) pairs."""
    did: list[str] = []
    profession = ""
    for field, value in clues:
        if field == "profession":
            profession = f" ({value})"
        elif field == "year":
            verb = "tried to defect" if subject.status is Status.FAILED else "defected"
            did.append(f"{verb} in {value}")
        elif field == "origin_country":
            did.append(f"left {_the(value)}")
        elif field == "destination_country":
            did.append(f"went to {_the(value)}")
        else:
            verb = "tried to get out" if subject.status is Status.FAILED else "got out"
            did.append(f"{verb} {subject.method.phrase.split(' (')[0]}")
    if not did:
        did.append(f"left {_the(str(subject.origin_country))} in {subject.year}")
    joined = did[0] if len(did) == 1 else ", ".join(did[:-1]) + " and " + did[-1]
    text = f"{subject.name}{profession} {joined}."
    # The sentence about the defection, not "Sister's husband purged." or "Football player of …"
    said = defection_sentence(subject)
    if said:
        text += f" {quote(said)}"
    return text
