"""Throughput of question generation and answer judging, beside naive baselines.

* Generation: ``QuestionGenerator.generate`` (eligibility, plausible distractors, who-clue
  search, guarantees) against a naive generator that picks a random record and three
  random other values with no checks at all. The ratio says what the guarantees cost.
* Judging: ``Judge`` (rapidfuzz edit distances over precomputed name forms) against the
  naive judge one would write first: ``difflib.SequenceMatcher`` ratio of the typed text
  against every person's name and surname, right if the best is the expected person and
  the ratio is at least 0.8. Same answers, same run.

Run from the project root: ``python -m bench.quiz`` (``--quick`` for a CI smoke run,
``--json`` for machine-readable figures).
"""

from __future__ import annotations

import difflib
import random
import sys
import time
from collections.abc import Callable

from bench import harness
from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.quiz.judge import Judge
from bot.quiz.model import ONE_ANSWER_KINDS
from bot.quiz.questions import QuestionGenerator

ANSWERS = [
    "Gordievski", "Barishnikov", "Nureev", "nureyev", "Petrova", "petrov", "kozlova",
    "Peter Stastny", "stastny", "puskas kocsis czibor", "puskas", "Viktor Suvorov",
    "mihai suba", "it's comaneci", "Navratilva", "xyzzy", "john smith", "Rudolf Nureyev",
    "alliluyeva", "mindzenty", "Ion Pacepa", "golitsin", "kortchnoi", "forman", "",
]  # fmt: skip


def naive_generate(records: list[Defector], rng: random.Random) -> dict[str, object]:
    kind = rng.choice(["year", "origin_country", "destination_country", "who"])
    subject = rng.choice(records)
    value: Callable[[Defector], object] = {
        "year": lambda r: r.year,
        "origin_country": lambda r: r.origin_country,
        "destination_country": lambda r: r.destination_country,
        "who": lambda r: r.name,
    }[kind]
    answer = value(subject)
    choices = {answer}
    while len(choices) < 4:
        choices.add(value(rng.choice(records)))
    return {"kind": kind, "subject": subject.name, "answer": answer, "choices": list(choices)}


class NaiveJudge:
    def __init__(self, records: list[Defector]) -> None:
        self.forms = [
            (fold(form), record.name)
            for record in records
            for form in (record.name, fold(record.name).split()[-1])
        ]

    def judge_who(self, expected: str, answer: str) -> bool:
        text = fold(answer)
        best, owner = 0.0, ""
        matcher = difflib.SequenceMatcher(b=text)
        for form, name in self.forms:
            matcher.set_seq1(form)
            ratio = matcher.ratio()
            if ratio > best:
                best, owner = ratio, name
        return owner == expected and best >= 0.8


def rate(function: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        function()
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench.quiz", __doc__.splitlines()[0], "small counts for a smoke run")
    args = parser.parse_args(argv)
    records = list(load_catalogue())
    questions = 500 if args.quick else 5000
    rounds = 4 if args.quick else 40

    ours_generator = QuestionGenerator(records, random.Random(1))
    kinds = sorted(ONE_ANSWER_KINDS)  # the figures compare one-answer questions
    ours_gen = rate(lambda: ours_generator.generate(kinds), questions)
    naive_rng = random.Random(1)
    naive_gen = rate(lambda: naive_generate(records, naive_rng), questions)

    judge = Judge(records)
    naive = NaiveJudge(records)
    expected = "Rudolf Nureyev"
    answers = ANSWERS * rounds
    iterator = iter(answers)
    ours_judge = rate(lambda: judge.judge_who(expected, next(iterator)), len(answers))
    iterator = iter(answers)
    naive_judge = rate(lambda: naive.judge_who(expected, next(iterator)), len(answers))

    rows = [
        harness.Row("quiz", figure, ours, base, "/s", ours / base, speedup=True)
        for figure, ours, base in (
            ("generation", ours_gen, naive_gen),
            ("who judging", ours_judge, naive_judge),
        )
    ]
    document = {"benchmark": "quiz", "quick": args.quick}
    harness.print_figures(rows, args.json, document, __doc__.splitlines()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
