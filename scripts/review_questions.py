"""An independent review of generated questions, read the way a careful player would.

For each question, this script works out again, from the source row (notes, profession,
birthplace, year) and the curated readings of it (main value and every ``also_*`` value,
see data/CURATION.md), which of the four choices a player could defend. It reads the row
with its own word lists, written for this script from CURATION.md's definitions and not
from the generator's. It imports nothing from ``bot.quiz`` except the ``Question`` model and
the generator itself (to make the questions); it may use the catalogue loader. It reports:

* a question with zero or more than one defensible choice (a ``who`` clue is read loosely:
  "Profession: Chess player" fits "Chess player, medical doctor"; "Year: 1981" fits anyone
  whose notes mention 1981);
* a year question whose subject's notes mention another year, when the prompt does not say
  which event it asks about;
* a curated reading of the asked field that a typed answer would not get right;
* a hint that repeats the prompt, is false of the answer, or rules out no wrong choice;
* a typed-mode hint (no choices on screen) that names another value ("It is not …"),
  repeats the prompt, is false of the answer, or cannot be read;
* an explanation that does not name the answer, or that quotes words the row does not say;
* a question that shows a curated alias the row itself does not contain (aliases are for
  name lookup only, never quiz facts), or a ``who`` prompt that names its subject;
* a chronology (``order``) question whose four people are not those its prompt lists, whose
  table years are not distinct and 2+ apart, whose key is not their order by year, whose
  order some year a row mentions could change (then two orders are defensible), that
  includes a failed attempt, or whose reveal or hints misstate a person's place or year.

    python scripts/review_questions.py --count 5000 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import product

from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.vocab import Method
from bot.quiz.model import Question, QuestionKind
from bot.quiz.questions import QuestionGenerator

# How a row can name a country: names, short forms, demonyms and the cities the table uses.
# Written for this review; deliberately broad (a city says the country too).
COUNTRY_WORDS: dict[str, tuple[str, ...]] = {
    "Soviet Union": ("soviet", "soviets", "ussr", "russia", "russian", "moscow"),
    "Russia": ("russia", "russian", "soviet", "ussr", "siberia", "siberians", "moscow"),
    "East Germany": ("east germany", "east german", "east berlin", "gdr", "germany", "german"),
    "West Germany": ("west germany", "west berlin", "germany", "german", "bonn", "frankfurt",
                     "saarbrucken", "uerdingen"),
    "Germany": ("germany", "german", "weimar", "berlin"),
    "United States": ("united states", "u.s.", "us", "usa", "america", "american", "washington",
                      "new york", "boston", "chicago", "los angeles", "seattle", "colorado",
                      "florida", "tampa", "alaska", "california"),
    "United Kingdom": ("united kingdom", "uk", "britain", "british", "england", "english",
                       "london", "bbc"),
    "Czechoslovakia": ("czechoslovakia", "czechoslovak", "czech", "slovak", "prague"),
    "Czech Republic": ("czech", "prague"),
    "Slovakia": ("slovak", "slovakia"),
    "Poland": ("poland", "polish", "slupsk"),
    "Hungary": ("hungary", "hungarian", "budapest"),
    "Romania": ("romania", "romanian", "buzau"),
    "Bulgaria": ("bulgaria", "bulgarian"),
    "Albania": ("albania", "albanian"),
    "China": ("china", "chinese"),
    "Ukraine": ("ukraine", "ukrainian", "holodomor"),
    "Belarus": ("belarus", "belarusian"),
    "Georgia": ("georgia", "georgian"),
    "Latvia": ("latvia", "latvian"),
    "Lithuania": ("lithuania", "lithuanian"),
    "Estonia": ("estonia", "estonian"),
    "Turkmenistan": ("turkmenistan", "turkmen"),
    "France": ("france", "french", "paris", "tours"),
    "Canada": ("canada", "canadian", "toronto", "ottawa", "calgary", "gander"),
    "Sweden": ("sweden", "swedish", "stockholm", "haparanda"),
    "Austria": ("austria", "austrian", "vienna", "innsbruck"),
    "Italy": ("italy", "italian", "rome", "venice", "turin", "fiorentina"),
    "Spain": ("spain", "spanish", "madrid"),
    "Japan": ("japan", "japanese", "tokyo", "hakodate"),
    "Turkey": ("turkey", "turkish", "istanbul", "trabzon", "kirklareli"),
    "Australia": ("australia", "australian", "melbourne"),
    "Belgium": ("belgium", "belgian", "brussels"),
    "Denmark": ("denmark", "danish", "copenhagen", "bornholm"),
    "Switzerland": ("switzerland", "swiss", "zurich", "bern"),
    "Netherlands": ("netherlands", "dutch", "holland", "amsterdam"),
    "South Korea": ("south korea", "korea", "korean"),
    "North Korea": ("north korea", "pyongyang", "korea", "korean"),
    "Finland": ("finland", "finnish", "helsinki", "karelia", "kotka", "kuusamo"),
    "Iceland": ("iceland", "reykjavik"),
    "Philippines": ("philippines", "philippine"),
    "Yugoslavia": ("yugoslavia", "yugoslav", "belgrade"),
    "Luxembourg": ("luxembourg",),
    "Manchukuo": ("manchukuo", "manchuria"),
    "Iran": ("iran", "iranian", "tehran"),
    "India": ("india", "indian", "new delhi"),
    "Pakistan": ("pakistan", "lahore", "multan"),
    "Greece": ("greece", "greek", "athens"),
    "Norway": ("norway", "norwegian"),
}  # fmt: skip

# Words that let a player defend a method, from CURATION.md's table of method codes.
METHOD_WORDS: dict[Method, tuple[str, ...]] = {
    Method.TOUR_OR_PERFORMANCE: ("tour", "tours", "touring", "toured", "concert", "orchestra",
                                 "troupe", "performance", "performing", "ballet tour"),
    Method.SPORTING_EVENT: ("match", "tournament", "championship", "championships", "olympics",
                            "grand prix", "games", "cup", "track meet", "race"),
    # Working at an embassy is a posting; returning a medal to one is not.
    Method.OFFICIAL_POSTING: ("stationed", "posted", "diplomat", "mission", "recalled", "station",
                              "at the soviet embassy", "at the czechoslovak embassy", "consulate",
                              "ambassador", "undercover", "un cover", "at the un", "post at"),
    # "flew a/his/to…", not the film "One Flew Over the Cuckoo's Nest".
    Method.AIRCRAFT: ("flew a", "flew an", "flew his", "flew him", "flew to", "plane", "aircraft",
                      "mig", "hijacked", "flight", "jet"),
    Method.SEA: ("boat", "ship", "sailed", "swam", "vessel", "kayak", "sea"),
    Method.OVERLAND_ESCAPE: ("border", "wall", "crossed", "tunnel", "train", "drove",
                             "on foot", "running across", "escaped from prison"),
    # Refuge in a foreign embassy: the U.S. Embassy, a British consulate or station.
    Method.EMBASSY_ASYLUM: ("u.s. embassy", "consulate", "intelligence station"),
    Method.ACADEMIC_OR_WORK_TRIP: ("conference", "lecture", "lectures", "visiting professor",
                                   "research", "authorised trip", "vacation", "working at"),
}  # fmt: skip
TRIPS = {"tour_or_performance", "sporting_event", "official_posting", "academic_or_work_trip"}

# The regions the generator's hints name, as this review places each country.
REGION_OF: dict[str, str] = {
    **dict.fromkeys(("Soviet Union", "Russia", "Ukraine", "Belarus", "Latvia", "Lithuania",
                     "Estonia"), "the Soviet sphere"),
    **dict.fromkeys(("Georgia", "Turkmenistan"), "the Caucasus and Central Asia"),
    **dict.fromkeys(("East Germany", "Poland", "Czechoslovakia", "Hungary", "Czech Republic",
                     "Slovakia"), "Central Europe"),
    **dict.fromkeys(("Romania", "Bulgaria", "Albania", "Yugoslavia", "Greece"), "the Balkans"),
    **dict.fromkeys(("West Germany", "Germany", "Austria", "Switzerland", "France", "Belgium",
                     "Netherlands", "Luxembourg"), "Western Europe"),
    **dict.fromkeys(("Italy", "Spain"), "Southern Europe"),
    "United Kingdom": "the British Isles",
    **dict.fromkeys(("Sweden", "Denmark", "Finland", "Iceland", "Norway"),
                    "the Nordic countries"),
    **dict.fromkeys(("United States", "Canada"), "North America"),
    **dict.fromkeys(("China", "Japan", "South Korea", "North Korea", "Philippines",
                     "Manchukuo"), "East Asia"),
    "Australia": "Oceania",
    **dict.fromkeys(("Turkey", "Iran", "India", "Pakistan"), "the Middle East and South Asia"),
}  # fmt: skip
ORIGIN_STATES = frozenset(
    {"Soviet Union", "East Germany", "Poland", "Czechoslovakia", "Hungary", "Romania",
     "Bulgaria", "Albania", "China"}
)  # fmt: skip
WHO_LABELS = {"Profession", "Year", "Left", "Went to", "How"}
_FOUR_DIGITS = re.compile(r"\b(19\d\d)(?:[–-](\d\d))?\b")  # not "Boldklubben af 1893"


def plain(text: str | None) -> str:
    """Lower case without accents; punctuation other than "." kept out of words."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def says(text: str, words: str) -> bool:
    """Whether ``words`` occur in ``text`` as whole words."""
    return re.search(rf"(?<![a-z0-9]){re.escape(words)}(?![a-z0-9])", text) is not None


# Named events that date a sentence as surely as a number (this reviewer's own list).
_EVENT_YEARS = (
    (re.compile(r"prague spring", re.I), 1968),
    (re.compile(r"warsaw pact (allies )?invasion|invaded the country", re.I), 1968),
    (re.compile(r"hungarian revolution", re.I), 1956),
    (re.compile(r"berlin wall during (its )?construction", re.I), 1961),
    (re.compile(r"fall of the berlin wall", re.I), 1989),
    (re.compile(r"romanian revolution", re.I), 1989),
)


def years_in(text: str | None) -> set[int]:
    """Every year the text names, a range "1956–57" giving both ends, and the year of an
    event it names ("after the Prague Spring": 1968)."""
    found: set[int] = set()
    for match in _FOUR_DIGITS.finditer(text or ""):
        first = int(match.group(1))
        found.add(first)
        if match.group(2):
            found.add(first - first % 100 + int(match.group(2)))
    found.update(year for pattern, year in _EVENT_YEARS if pattern.search(text or ""))
    return found


def repeats_prompt(hint: str, prompt: str, decade: re.Match[str] | None) -> bool:
    """Whether a hint says what the prompt already says: its own words, or (``decade``, the
    hint's "1950s" as the caller finds it) the decade of a year the prompt names."""
    if hint.rstrip(".").lower() in prompt.lower():
        return True
    prompt_years = {int(y) for y in re.findall(r"\b(\d{4})\b", prompt)}
    return decade is not None and any(y // 10 == int(decade.group(1)) // 10 for y in prompt_years)


@dataclass
class Row:
    """One person as the review reads them."""

    record: Defector

    @cached_property
    def text(self) -> str:
        r = self.record
        return " | ".join(plain(t) for t in (r.notes, r.profession, r.birthplace) if t)

    @cached_property
    def raw(self) -> str:
        r = self.record
        return " | ".join(t for t in (r.name, r.notes, r.profession, r.birthplace) if t)

    @cached_property
    def named_countries(self) -> set[str]:
        return {c for c, words in COUNTRY_WORDS.items() if any(says(self.text, w) for w in words)}

    @cached_property
    def birthplace_countries(self) -> set[str]:
        cell = plain(self.record.birthplace)
        return {c for c, words in COUNTRY_WORDS.items() if any(says(cell, w) for w in words)}

    @cached_property
    def years(self) -> set[int]:
        return {self.record.year} | years_in(self.record.notes)

    @cached_property
    def methods(self) -> set[str]:
        said = plain(self.record.notes) + " | " + plain(self.record.profession)
        found = {m.value for m in self.record.methods}
        found |= {m.value for m, words in METHOD_WORDS.items() if any(says(said, w) for w in words)}
        return found

    @cached_property
    def origins(self) -> set[str]:
        r = self.record
        found = set(r.origins)
        if r.birth_country in ORIGIN_STATES:
            found.add(r.birth_country)
        return found

    @cached_property
    def destinations(self) -> set[str]:
        return set(self.record.destinations)

    def country_defensible(self, kind: QuestionKind, country: str) -> bool:
        r = self.record
        if kind is QuestionKind.BIRTH_COUNTRY:
            # Where they were born: the birthplace cell and the state they left, not every
            # country the notes name ("Defected in West Berlin" is no birthplace).
            return country in {r.birth_country, *r.origins} | self.birthplace_countries
        readings = self.origins if kind is QuestionKind.ORIGIN_COUNTRY else self.destinations
        # A country the row names is one a player could defend, whatever the question.
        return country in readings or country in self.named_countries

    def fits_clue(self, label: str, value: str) -> bool:
        r = self.record
        if label == "Profession":
            return says(plain(r.profession), plain(value))
        if label == "Year":
            return int(value) in self.years
        if label == "Left":
            return value in self.origins
        if label == "Went to":
            return value in self.destinations
        if label == "How":
            return any(Method(m).label == value for m in self.methods)
        raise ValueError(f"unknown who clue {label!r}")


def who_clues(prompt: str) -> list[tuple[str, str]]:
    body = prompt.removeprefix("Who is this? ").rstrip(".")
    clues = []
    for part in body.split("; "):
        label, _, value = part.partition(": ")
        if label not in WHO_LABELS:
            raise ValueError(f"unreadable who clue {part!r}")
        clues.append((label, value))
    return clues


def initials(name: str) -> str:
    return " ".join(f"{w[0]}." for w in name.replace("(", " ").split() if w[0].isalpha())


class Reviewer:
    """Reviews questions against the catalogue it was given."""

    def __init__(self, records: Iterable[Defector]) -> None:
        self.rows = {r.name: Row(r) for r in records}
        # Aliases the row does not itself contain: they may never be shown in a question.
        self.outside_aliases = [
            plain(alias)
            for row in self.rows.values()
            for alias in row.record.aliases
            if not says(plain(row.raw), plain(alias))
        ]

    def defensible(self, q: Question) -> list[object]:
        row = self.rows[q.subject]
        if q.kind is QuestionKind.YEAR:
            return [c for c in q.choices if c in row.years]
        if q.kind is QuestionKind.METHOD:
            return [c for c in q.choices if str(c) in row.methods]
        if q.kind is QuestionKind.WHO:
            clues = who_clues(q.prompt)
            return [c for c in q.choices if all(self.rows[str(c)].fits_clue(*k) for k in clues)]
        return [c for c in q.choices if row.country_defensible(q.kind, str(c))]

    def hint_keeps(self, hint: str, q: Question, choice: object) -> bool | None:
        """Whether ``choice`` is still possible after ``hint``; None if unreadable."""
        label = q.label(choice)  # type: ignore[arg-type]
        if m := re.fullmatch(r"It is not “(.+)”\.", hint):
            return label != m.group(1)
        row = self.rows.get(str(choice)) if q.kind is QuestionKind.WHO else None
        year = row.record.year if row else choice if isinstance(choice, int) else None
        if m := re.fullmatch(r"The (\d{4})s\.", hint):
            return year is not None and year // 10 == int(m.group(1)) // 10
        if m := re.fullmatch(r"Not before (\d{4})\.", hint):
            return year is not None and year >= int(m.group(1))
        if m := re.fullmatch(r"Not after (\d{4})\.", hint):
            return year is not None and year <= int(m.group(1))
        if m := re.fullmatch(r"It starts with “(.)”\.", hint):
            return label.startswith(m.group(1))
        if m := re.fullmatch(r"Somewhere in (.+)\.", hint):
            return REGION_OF.get(str(choice)) == m.group(1)
        if m := re.fullmatch(r"Initials: (.+)", hint):
            return initials(str(choice)) == m.group(1)
        if row and (m := re.fullmatch(r"Profession: (.+)\.", hint)):
            return says(plain(row.record.profession), plain(m.group(1)))
        if hint.startswith("They were abroad legally"):
            return str(choice) in TRIPS
        if hint.startswith("They escaped rather"):
            return str(choice) not in TRIPS
        return None

    def review_order(self, q: Question) -> list[str]:
        """A chronology question, read from the rows alone."""
        found: list[str] = []
        listed = re.findall(r"\b([A-D])\) ([^;]+?)(?=; [A-D]\) |\.$)", q.prompt)
        names = [name for _, name in listed]
        if [m for m, _ in listed] != list("ABCD") or names != [str(c) for c in q.choices]:
            return [f"the prompt lists {listed}, not the choices {list(q.choices)}"]
        rows = [self.rows.get(name) for name in names]
        if any(row is None for row in rows):
            return [f"not every choice is a person of the table: {names}"]
        people = [row for row in rows if row is not None]
        years = [row.record.year for row in people]
        if len(set(years)) != 4 or min(abs(a - b) for a, b in pairs_of(years)) < 2:
            found.append(f"table years not distinct and 2+ apart: {years}")
        key = "".join(m for _, m in sorted(zip(years, "ABCD", strict=True)))
        if q.answer != key:
            found.append(f"key {q.answer!r}, but by the table's years the order is {key!r}")
        orders = set()
        for readings in product(*(sorted(row.years) for row in people)):
            if len(set(readings)) == 4:
                orders.add("".join(m for _, m in sorted(zip(readings, "ABCD", strict=True))))
        if orders - {key}:
            found.append(f"years the rows mention allow other orders: {sorted(orders - {key})}")
        for row in people:
            if row.record.status.value == "failed":
                found.append(f"{row.record.name} only tried to defect")
        for mark in key:
            row = people["ABCD".index(mark)]
            if f"{mark}) {row.record.name}: {row.record.year}" not in q.explanation:
                found.append(f"the reveal does not give {row.record.name}'s year")
        first, last = people["ABCD".index(key[0])], people["ABCD".index(key[-1])]
        for hint in q.hints:
            if m := re.fullmatch(r"The earliest of them went in the (\d{4})s\.", hint):
                ok = first.record.year // 10 == int(m.group(1)) // 10
            elif m := re.fullmatch(r"(.+) went first\.", hint):
                ok = m.group(1) == first.record.name
            elif m := re.fullmatch(r"(.+) went last\.", hint):
                ok = m.group(1) == last.record.name
            else:
                found.append(f"hint not understood: {hint!r}")
                continue
            if not ok:
                found.append(f"hint is false: {hint!r}")
        for row in people:
            found += self._aliases(q, row)
        return found

    def typed_hint_fits(self, hint: str, q: Question, value: object) -> bool | None:
        """Whether ``value`` could still be the answer after typed-mode ``hint``; None if
        unreadable. Read from the hint's words alone (no choices in typed mode)."""
        row = self.rows.get(str(value)) if q.kind is QuestionKind.WHO else None
        year = row.record.year if row else value if isinstance(value, int) else None
        name = str(value)
        if m := re.fullmatch(r"The (\d{4})s\.", hint):
            return year is not None and year // 10 == int(m.group(1)) // 10
        if m := re.fullmatch(r"Between (\d{4}) and (\d{4})\.", hint):
            return year is not None and int(m.group(1)) <= year <= int(m.group(2))
        if m := re.fullmatch(r"It ends in (\d)\.", hint):
            return year is not None and year % 10 == int(m.group(1))
        if m := re.fullmatch(r"Somewhere in (.+)\.", hint):
            return REGION_OF.get(name) == m.group(1)
        if m := re.fullmatch(r"Its name has (\d+) words?\.", hint):
            return len(name.split()) == int(m.group(1))
        if m := re.fullmatch(r"It starts with “(.)” and has (.+) letters\.", hint):
            lengths = [int(n) for n in re.findall(r"\d+", m.group(2))]
            if "words" in m.group(2):
                lengths = lengths[1:]  # "2 words, of 4 and 7"
            return name.startswith(m.group(1)) and [len(w) for w in name.split()] == lengths
        if m := re.fullmatch(r"A word of the answer: “(\w+)”\.", hint):
            return says(plain(Method(name).label), m.group(1))
        if m := re.fullmatch(r"The surname starts with “(.)” and has (\d+) letters\.", hint):
            surname = name.split("(")[0].split()[-1]
            return surname.startswith(m.group(1)) and len(surname) == int(m.group(2))
        if m := re.fullmatch(r"Initials: (.+)", hint):
            return initials(name) == m.group(1)
        if row and (m := re.fullmatch(r"Profession: (.+)\.", hint)):
            return says(plain(row.record.profession), plain(m.group(1)))
        if hint.startswith("They were abroad legally"):
            return name in TRIPS
        if hint.startswith("They escaped rather"):
            return name not in TRIPS
        return None

    def _typed_hints(self, q: Question) -> list[str]:
        found = []
        for hint in q.typed_hints:
            if repeats_prompt(hint, q.prompt, re.fullmatch(r"The (\d{4})s\.", hint)):
                found.append(f"typed hint repeats the prompt: {hint!r}")
            if hint.startswith("It is not"):
                found.append(f"typed hint names a value not on screen: {hint!r}")
                continue
            fits = self.typed_hint_fits(hint, q, q.answer)
            if fits is None:
                found.append(f"typed hint not understood: {hint!r}")
            elif not fits:
                found.append(f"typed hint is false of the answer: {hint!r}")
        if not q.typed_hints:
            found.append("no typed hint")
        return found

    def review(self, q: Question) -> list[str]:
        if q.kind is QuestionKind.ORDER:
            return self.review_order(q)
        row = self.rows[q.subject]
        found: list[str] = []
        good = self.defensible(q)
        if good != [q.answer]:
            found.append(f"{len(good)} defensible choices: {good} (key {q.answer!r})")
        # Typed mode has no choices: every curated reading of the asked field must be right.
        curated = {
            QuestionKind.ORIGIN_COUNTRY: row.record.origins,
            QuestionKind.DESTINATION_COUNTRY: row.record.destinations,
            QuestionKind.METHOD: tuple(m.value for m in row.record.methods),
        }.get(q.kind, ())
        refused = [v for v in curated if v not in q.accepted]
        if refused:
            found.append(f"a typed {refused} would be marked wrong, yet the row supports it")
        if q.kind is QuestionKind.YEAR and row.years - {q.answer} and "table" not in q.prompt:
            found.append(f"the notes mention {sorted(row.years)}; the prompt says not which")
        for hint in q.hints:
            if repeats_prompt(hint, q.prompt, re.search(r"\b(\d{4})s\b", hint)):
                found.append(f"hint repeats the prompt: {hint!r}")
            verdicts = [self.hint_keeps(hint, q, c) for c in q.choices]
            if None in verdicts:
                found.append(f"hint not understood: {hint!r}")
                continue
            if not self.hint_keeps(hint, q, q.answer):
                found.append(f"hint is false of the answer: {hint!r}")
            if all(verdicts):
                found.append(f"hint excludes nothing: {hint!r}")
        if q.kind is QuestionKind.WHO:
            prompt = plain(q.prompt)
            names = (row.record.name, *row.record.aliases)
            surnames = {plain(n).replace("(", " ").replace(")", " ").split()[-1] for n in names}
            if any(len(s) >= 3 and says(prompt, s) for s in surnames):
                found.append("the who prompt gives the name away")
        found += self._typed_hints(q)
        found += self._explanation(q, row)
        found += self._aliases(q, row)
        return found

    def _explanation(self, q: Question, row: Row) -> list[str]:
        found = []
        if str(q.answer) not in q.explanation and q.label(q.answer) not in q.explanation:
            found.append("explanation does not name the answer")
        for quoted in re.findall(r"“([^”]+)”", q.explanation):
            if quoted in q.choice_labels or quoted in (m.label for m in Method):
                continue  # a choice named in quotation marks, not a quotation
            for piece in quoted.strip("…").rstrip(".").split("…"):
                if piece and piece not in row.raw:
                    found.append(f"explanation quotes words the row does not say: {piece!r}")
        return found

    def _aliases(self, q: Question, row: Row) -> list[str]:
        """No alias that the row does not itself contain may be shown (lookup only)."""
        shown = plain(
            " ".join(
                (
                    q.prompt,
                    q.explanation,
                    *q.choice_labels,
                    *q.hints,
                    *q.typed_hints,
                    *tuple(map(str, q.choices)),
                )
            )
        )
        return [
            f"shows {alias!r}, an alias from outside the row"
            for alias in self.outside_aliases
            if alias in shown and says(shown, alias)
        ]


def pairs_of(values: Sequence[int]) -> list[tuple[int, int]]:
    return [(a, b) for i, a in enumerate(values) for b in values[i + 1 :]]


def review(q: Question, records: Iterable[Defector]) -> list[str]:
    """Findings for one question (a convenience for tests; ``Reviewer`` caches per row)."""
    return Reviewer(records).review(q)


def run(
    count: int, seeds: Iterable[int], records: Sequence[Defector] | None = None
) -> list[tuple[int, Question, str]]:
    records = tuple(records) if records is not None else load_catalogue()
    reviewer = Reviewer(records)
    findings: list[tuple[int, Question, str]] = []
    for seed in seeds:
        generator = QuestionGenerator(records, random.Random(seed))
        for i in range(count):
            difficulty = (None, 1, 2, 3)[i % 4]
            question = generator.generate(list(QuestionKind), difficulty=difficulty)
            findings += [(seed, question, f) for f in reviewer.review(question)]
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="questions per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = parser.parse_args(argv)
    findings = run(args.count, args.seeds)
    for seed, q, finding in findings:
        print(f"seed {seed} [{q.kind.value}] {q.prompt} -> {finding}")
    total = args.count * len(args.seeds)
    flawed = len({(seed, id(q)) for seed, q, _ in findings})
    second = sum(1 for _, _, f in findings if "defensible choices" in f)
    print(
        f"reviewed {total} questions: {len(findings)} findings in {flawed} questions; "
        f"{second} with other than one defensible answer"
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
