"""An independent review of generated questions, read the way a careful player would.

For each question this script re-derives, from the source row itself (notes, profession,
birthplace, year) and its own small word lists, which of the four choices a player could
defend, and reports:

* a question with zero or more than one defensible choice;
* a hint that repeats the prompt, is false of the answer, or rules out no wrong choice;
* an explanation that does not mention the answer.

It uses none of the generator's helpers: only the catalogue records and its own tables.

    python scripts/review_questions.py --count 5000 --seeds 1 2 3
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import unicodedata
from collections.abc import Iterable

from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.vocab import Method, Status
from bot.quiz.countries import REGIONS
from bot.quiz.model import Question, QuestionKind
from bot.quiz.questions import QuestionGenerator

# How a player could read a row as naming a country (deliberately broad).
COUNTRY_FORMS: dict[str, tuple[str, ...]] = {
    "United States": ("united states", "u.s.", "usa", "america", "american"),
    "United Kingdom": ("united kingdom", "uk", "britain", "british", "england", "english"),
    "Soviet Union": ("soviet", "ussr", "russia", "russian"),
    "Russia": ("russia", "russian", "soviet", "ussr"),
    "West Germany": ("germany", "german"),
    "East Germany": ("germany", "german", "gdr"),
    "Germany": ("germany", "german"),
    "Czechoslovakia": ("czech", "slovak"),
    "Czech Republic": ("czech",),
    "Slovakia": ("slovak",),
    "Netherlands": ("netherlands", "holland", "dutch"),
    "Switzerland": ("switzerland", "swiss"),
    "South Korea": ("korea",),
    "North Korea": ("korea",),
}

# The keywords the brief names for each method: if the row says one, the method is defensible.
METHOD_WORDS: dict[Method, tuple[str, ...]] = {
    Method.TOUR_OR_PERFORMANCE: ("tour", "tours", "touring", "toured"),
    Method.EMBASSY_ASYLUM: ("embassy", "consulate"),
    Method.OFFICIAL_POSTING: ("stationed", "posted", "diplomat"),
    Method.SEA: ("swam", "boat", "ship"),
    Method.AIRCRAFT: ("plane", "flew", "airport"),
    Method.SPORTING_EVENT: ("championship", "championships", "olympics", "match"),
    Method.ACADEMIC_OR_WORK_TRIP: ("conference", "lecture", "lectures"),
    Method.OVERLAND_ESCAPE: ("border", "wall", "crossed"),
}
TRIPS = {"tour_or_performance", "sporting_event", "official_posting", "academic_or_work_trip"}
WHO_LABELS = {
    "Profession": "profession",
    "Year": "year",
    "Left": "origin",
    "Went to": "destination",
    "How": "method",
}


def plain(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def says(text: str, word: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) is not None


def row_text(record: Defector) -> str:
    return " ".join(plain(t) for t in (record.notes, record.profession, record.birthplace))


def country_defensible(record: Defector, kind: QuestionKind, country: str) -> bool:
    truth = {
        QuestionKind.ORIGIN_COUNTRY: record.origin_country,
        QuestionKind.BIRTH_COUNTRY: record.birth_country,
        QuestionKind.DESTINATION_COUNTRY: record.destination_country,
    }[kind]
    if country == truth:
        return True
    if kind is QuestionKind.ORIGIN_COUNTRY and country == record.birth_country:
        return True
    if kind is QuestionKind.BIRTH_COUNTRY and country == record.origin_country:
        return True
    text = row_text(record) + " " + plain(record.defected_in)
    forms = (country.lower(), *COUNTRY_FORMS.get(country, ()))
    return any(says(text, form) for form in forms)


def method_defensible(record: Defector, code: str) -> bool:
    method = Method(code)
    if method is record.method:
        return True
    text = plain(record.notes) + " " + plain(record.profession)
    return any(says(text, word) for word in METHOD_WORDS.get(method, ()))


def who_fits(record: Defector, prompt: str) -> bool:
    body = prompt.removeprefix("Who is this? ").rstrip(".")
    for part in body.split("; "):
        label, _, value = part.partition(": ")
        what = WHO_LABELS[label]
        if what == "profession" and plain(record.profession) != plain(value):
            return False
        if what == "year" and str(record.year) != value:
            return False
        if what == "origin" and record.origin_country != value:
            return False
        if what == "destination" and (
            record.status is Status.FAILED or record.destination_country != value
        ):
            return False
        if what == "method" and record.method.label != value:
            return False
    return True


def initials(name: str) -> str:
    return " ".join(f"{w[0]}." for w in name.replace("(", " ").split() if w[0].isalpha())


def hint_fits(hint: str, q: Question, choice: object, people: dict[str, Defector]) -> bool | None:
    """Whether ``choice`` is still possible after ``hint``; None if the hint is unreadable."""
    label = q.label(choice)  # type: ignore[arg-type]
    if m := re.fullmatch(r"It is not “(.+)”\.", hint):
        return label != m.group(1)
    person = people.get(str(choice)) if q.kind is QuestionKind.WHO else None
    year = person.year if person else choice if isinstance(choice, int) else None
    if m := re.fullmatch(r"The (\d{4})s\.", hint):
        return year is not None and year // 10 == int(m.group(1)) // 10
    if m := re.fullmatch(r"Not before (\d{4})\.", hint):
        return year is not None and year >= int(m.group(1))
    if m := re.fullmatch(r"Not after (\d{4})\.", hint):
        return year is not None and year <= int(m.group(1))
    if m := re.fullmatch(r"It starts with “(.)”\.", hint):
        return label.startswith(m.group(1))
    if m := re.fullmatch(r"Somewhere in (.+)\.", hint):
        return REGIONS.get(str(choice)) == m.group(1)
    if m := re.fullmatch(r"Initials: (.+)", hint):
        return initials(str(choice)) == m.group(1)
    if person and (m := re.fullmatch(r"Profession: (.+)\.", hint)):
        return plain(person.profession) == plain(m.group(1))
    if hint.startswith("They were abroad legally"):
        return str(choice) in TRIPS
    if hint.startswith("They escaped rather"):
        return str(choice) not in TRIPS
    return None


def review(q: Question, records: Iterable[Defector]) -> list[str]:
    people = {r.name: r for r in records}
    subject = people[q.subject]
    found: list[str] = []
    if q.kind is QuestionKind.YEAR:
        notes = plain(subject.notes)
        good = [c for c in q.choices if c == subject.year or says(notes, str(c))]
    elif q.kind is QuestionKind.METHOD:
        good = [c for c in q.choices if method_defensible(subject, str(c))]
    elif q.kind is QuestionKind.WHO:
        good = [c for c in q.choices if who_fits(people[str(c)], q.prompt)]
    else:
        good = [c for c in q.choices if country_defensible(subject, q.kind, str(c))]
    if len(good) != 1:
        found.append(f"{len(good)} defensible choices: {good}")
    prompt_years = {int(y) for y in re.findall(r"\b(\d{4})\b", q.prompt)}
    for hint in q.hints:
        decade = re.search(r"\b(\d{4})s\b", hint)
        if hint.rstrip(".").lower() in q.prompt.lower() or (
            decade and any(y // 10 == int(decade.group(1)) // 10 for y in prompt_years)
        ):
            found.append(f"hint repeats the prompt: {hint!r}")
        verdicts = [hint_fits(hint, q, c, people) for c in q.choices]
        if None in verdicts:
            found.append(f"hint not understood: {hint!r}")
            continue
        if not hint_fits(hint, q, q.answer, people):
            found.append(f"hint is false of the answer: {hint!r}")
        if all(verdicts):
            found.append(f"hint excludes nothing: {hint!r}")
    shown = q.label(q.answer)
    evidence = subject.method_evidence or "\0"
    if (
        str(q.answer) not in q.explanation
        and shown not in q.explanation
        and (q.kind is not QuestionKind.METHOD or evidence not in q.explanation)
    ):
        found.append("explanation does not mention the answer")
    return found


def run(count: int, seeds: Iterable[int]) -> list[tuple[int, Question, str]]:
    records = load_catalogue()
    findings: list[tuple[int, Question, str]] = []
    for seed in seeds:
        generator = QuestionGenerator(records, random.Random(seed))
        for i in range(count):
            difficulty = (None, 1, 2, 3)[i % 4]
            question = generator.generate(difficulty=difficulty)
            findings += [(seed, question, f) for f in review(question, records)]
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="questions per seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    args = parser.parse_args(argv)
    findings = run(args.count, args.seeds)
    for seed, q, finding in findings:
        print(f"seed {seed} [{q.kind.value}] {q.prompt} -> {finding}")
    total = args.count * len(args.seeds)
    print(f"reviewed {total} questions: {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
