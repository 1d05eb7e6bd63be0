"""Command line: ``python -m bot`` and ``defector-bot`` are the same program.

Bad input to any command gets one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError

from bot.catalog.importer import (
    CURATED_PATH,
    SOURCE_PATH,
    CatalogueError,
    build_catalogue,
    load_catalogue,
)
from bot.catalog.normalize import fold, has_control_characters, strip_invisible
from bot.catalog.search import SearchIndex
from bot.catalog.vocab import KNOWN_COUNTRIES, Method
from bot.cli_format import lookup_text, search_text
from bot.config import Settings
from bot.errors import InvalidInput
from bot.quiz.judge import Judge
from bot.quiz.model import QuestionKind, Verdict
from bot.quiz.questions import NoQuestion, QuestionGenerator

if TYPE_CHECKING:
    from bot.catalog.fulltext import Hit  # tantivy: imported by the commands that search

PROG = "defector-bot"
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 25
MAX_QUESTIONS = 10_000
DIFFICULTY_LEVELS = {"easy": 1, "medium": 2, "hard": 3}
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: reported as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = _seed(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {value}")
        return value

    return parse


_limit = _whole_number(1, MAX_LIMIT)
_count = _whole_number(1, MAX_QUESTIONS)


def _snowflake(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a numeric id, not {text!r}") from None
    if not 0 < value < 2**64:
        raise argparse.ArgumentTypeError(f"{value} is not a Discord id")
    return value


def _fingerprint(text: str) -> str:
    from bot.quiz.report import FINGERPRINT_CHARS, is_fingerprint

    key = text.strip().lower()
    if not is_fingerprint(key):
        raise argparse.ArgumentTypeError(
            f"must be {FINGERPRINT_CHARS} hex digits as `reports` lists it, not {text!r}"
        )
    return key


def _existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Defector Bot: lookups and trivia about defectors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lookup = commands.add_parser("lookup", help="search the catalogue by name")
    lookup.add_argument("query", help="a name, surname, pseudonym; typos and missing accents ok")
    lookup.add_argument("--limit", type=_limit, default=5, help=f"results, 1–{MAX_LIMIT}")
    lookup.add_argument("--json", action="store_true", help="print JSON")

    search = commands.add_parser("search", help="find people by what they did (full text)")
    search.add_argument("text", help='any words, e.g. "stalin\'s daughter", "mig-25 pilot"')
    search.add_argument("--limit", type=_limit, default=10, help=f"results, 1–{MAX_LIMIT}")
    search.add_argument("--json", action="store_true", help="print JSON")

    export = commands.add_parser("export", help="print every record with its derived fields")
    export.add_argument("--json", action="store_true", required=True, help="print JSON")

    data = commands.add_parser("data", help="check the data files")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    check = data_commands.add_parser("check", help="validate the source table and curated facts")
    check.add_argument("--source", type=_existing_file, default=SOURCE_PATH)
    check.add_argument("--curated", type=_existing_file, default=CURATED_PATH)

    questions = commands.add_parser("questions", help="print generated questions as JSON Lines")
    questions.add_argument("--count", type=_count, required=True, help="how many, 1–10000")
    questions.add_argument("--seed", type=_seed, required=True, help="same seed, same questions")
    questions.add_argument(
        "--kind",
        action="append",
        choices=[kind.value for kind in QuestionKind],
        help="only this kind (repeatable; default: every kind)",
    )
    questions.add_argument(
        "--difficulty",
        choices=sorted(DIFFICULTY_LEVELS, key=DIFFICULTY_LEVELS.__getitem__),
        help="only questions of this difficulty (default: any)",
    )

    render = commands.add_parser(
        "render",
        help="draw one of the bot's pictures to a PNG file",
        description="The same images the bot attaches in Discord, for review without it.",
    )
    pictures = render.add_subparsers(dest="picture", metavar="PICTURE", required=True)
    stats = pictures.add_parser("stats", help="the /defector stats chart")
    stats.add_argument("--origin", help="only people who left this country")
    stats.add_argument("--method", help="only people who got out this way (a method code)")
    stats.add_argument("--decade", type=_whole_number(1920, 1990), help="e.g. 1950")
    person = pictures.add_parser("person", help="a person's timeline strip")
    person.add_argument("name", help="a name, surname or pseudonym, e.g. nureyev")
    for name, what in (("profile", "a /quiz stats card"), ("standings", "a quiz's end")):
        demo = pictures.add_parser(name, help=f"{what}, from made-up figures (--demo)")
        demo.add_argument(
            "--demo", action="store_true", required=True,
            help="made-up figures (the real ones live in a server's database)",
        )  # fmt: skip
    for sub in (stats, person, *(pictures.choices[n] for n in ("profile", "standings"))):
        sub.add_argument("--out", required=True, metavar="FILE.png", help="where to write it")

    commands.add_parser(
        "judge",
        help="judge typed answers: JSON Lines in, the same lines with a verdict out",
        description='Reads lines like {"kind": "who"|"year"|"country"|"method"|"order", '
        '"expected": ..., "answer": "..."} on stdin.',
    )

    commands.add_parser("run", help="run the bot on Discord (needs DISCORD_TOKEN)")
    sandbox = commands.add_parser(
        "sandbox", help="run the real bot against a local Discord, with a terminal client"
    )
    sandbox.add_argument(
        "--database",
        metavar="URL",
        help="database to use (default: DATA_DIR/sandbox.sqlite3, never DATABASE_URL)",
    )
    sandbox.add_argument(
        "--no-web", action="store_true", help="do not serve the Discord-like page in a browser"
    )
    sandbox.add_argument(
        "--port",
        type=_whole_number(0, 65535),
        help="port of the page on 127.0.0.1 (default: 8765, or any free port if that one is "
        "taken; 0: any free port)",
    )
    sync = commands.add_parser("sync", help="publish the slash commands now")
    sync.add_argument("--guild", type=_snowflake, help="publish to this guild only (instant)")

    reports = commands.add_parser(
        "reports",
        help="list the reported questions of every server (for the bot's operators)",
        description="Lists every reported question, open ones first; `reports resolve` "
        "closes a question's reports.",
    )
    reports.add_argument("--json", action="store_true", help="print JSON")
    report_commands = reports.add_subparsers(dest="reports_command", metavar="ACTION")
    resolve = report_commands.add_parser(
        "resolve", help="close a question's reports: keep asking it, or withhold it for good"
    )
    resolve.add_argument("fingerprint", type=_fingerprint, help="as `reports` lists it")
    decision = resolve.add_mutually_exclusive_group(required=True)
    decision.add_argument("--keep", action="store_true", help="the question is right: ask it")
    decision.add_argument("--withhold", action="store_true", help="never ask it again")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations")
    db_commands.add_parser("load", help="apply migrations and load the catalogue (idempotent)")
    return parser


def _clean_query(raw: str, example: str = "give a name, e.g. `defector-bot lookup nureyev`") -> str:
    if has_control_characters(raw):
        raise UsageError("query contains control characters")
    query = strip_invisible(raw).strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise UsageError(f"query is too long ({len(query)} characters; at most {MAX_QUERY_LENGTH})")
    if not fold(query):
        raise UsageError(f"query is empty: {example}")
    return query


def cmd_search(args: argparse.Namespace) -> int:
    text = _clean_query(args.text, "give some words, e.g. `defector-bot search chess`")
    from bot.catalog.fulltext import FullTextIndex

    hits = FullTextIndex(load_catalogue()).search(text, limit=args.limit, explain=True)
    if args.json:
        results = [
            {"name": hit.record.name, "score": hit.score, "matched": list(hit.matched)}
            for hit in hits
        ]
        print(json.dumps({"query": text, "results": results}, ensure_ascii=False))
    else:
        print(search_text(hits))
    return EXIT_OK


def cmd_lookup(args: argparse.Namespace) -> int:
    query = _clean_query(args.query)
    records = load_catalogue()
    index = SearchIndex(records)
    result = index.lookup(query, limit=args.limit)
    described: list[Hit] = []
    if not result.matches:
        from bot.catalog.fulltext import FullTextIndex

        described = FullTextIndex(records).search(query, limit=args.limit, explain=True)
    if args.json:
        payload = {
            "query": query,
            "results": [{"name": m.record.name, "score": m.score} for m in result.matches],
        }
        if described:
            payload["described"] = [hit.record.name for hit in described]
        elif not result.matches:
            payload["suggestions"] = [m.record.name for m in result.suggestions]
        print(json.dumps(payload, ensure_ascii=False))
    elif described:
        print("No name matches; the words describe:\n" + search_text(described))
    else:
        text = lookup_text(result)
        if result.matches and result.best is None:
            every = len(index.lookup(query, limit=MAX_LIMIT).matches)
            if every > len(result.matches):
                more = every - len(result.matches)
                text += f"\n…and {more} more: --limit {every} lists them all."
        print(text)
    return EXIT_OK


def cmd_export(_args: argparse.Namespace) -> int:
    records = [record.to_dict() for record in load_catalogue()]
    print(json.dumps(records, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_questions(args: argparse.Namespace) -> int:
    generator = QuestionGenerator(load_catalogue(), random.Random(args.seed))
    kinds = [QuestionKind(k) for k in args.kind] if args.kind else list(QuestionKind)
    difficulty = DIFFICULTY_LEVELS[args.difficulty] if args.difficulty else None
    if not generator.available(kinds, difficulty):
        print(f"{PROG}: no {args.difficulty} questions of those kinds", file=sys.stderr)
        return EXIT_FAILED
    used: set[str] = set()
    for _ in range(args.count):
        try:
            question = generator.generate(kinds, exclude=used, difficulty=difficulty)
        except NoQuestion:
            used.clear()  # every subject asked once: start another round
            question = generator.generate(kinds, exclude=used, difficulty=difficulty)
        used.update(question.slugs)
        print(json.dumps(question.to_dict(), ensure_ascii=False))
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from bot.pictures import Picture, build, render
    from bot.services.lookup import LookupService

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out must name a .png file, not {args.out!r}")
    records = load_catalogue()
    picture: Picture
    if args.picture == "stats":
        if args.decade is not None and args.decade % 10:
            raise UsageError(
                f"--decade must be a decade's first year, e.g. 1950, not {args.decade}"
            )
        service = LookupService(SearchIndex(records))
        try:
            filters = service.filters(
                origin=args.origin, method=args.method, year_from=args.decade,
                year_to=args.decade + 9 if args.decade is not None else None,
            )  # fmt: skip
        except InvalidInput as exc:
            raise UsageError(exc.message) from None
        chosen = service.index.filter(filters) if filters.active else records
        if not chosen:
            raise UsageError("no one in the catalogue matches those filters")
        method = filters.method.label if filters.method else None
        described = build.describe_filters(filters.origin_country, method, args.decade)
        picture = build.stats_chart(chosen, build.stats_subtitle(len(chosen), described))
    elif args.picture == "person":
        result = SearchIndex(records).lookup(_clean_query(args.name))
        if result.best is None:
            names = ", ".join(m.record.name for m in (result.matches or result.suggestions)[:5])
            hint = f" (did you mean: {names}?)" if names else ""
            raise UsageError(f"no one matches {args.name!r} for sure{hint}")
        picture = build.timeline(result.best, records)
    elif args.picture == "profile":
        picture = build.demo_profile()
    else:
        picture = build.demo_standings()
    try:
        out.write_bytes(render(picture))
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"{out} ({picture.size[0]}×{picture.size[1]})")
    return EXIT_OK


def cmd_judge(_args: argparse.Namespace) -> int:
    judge = Judge(load_catalogue())
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"stdin line {number}: not JSON ({exc.msg})") from None
        verdict = _judge_item(judge, item, number)
        print(json.dumps({**item, "verdict": verdict.value}, ensure_ascii=False), flush=True)
    return EXIT_OK


def _judge_item(judge: Judge, item: object, number: int) -> Verdict:
    where = f"stdin line {number}"
    if not isinstance(item, dict):
        raise UsageError(f"{where}: expected an object with kind, expected and answer")
    missing = [key for key in ("kind", "expected", "answer") if key not in item]
    if missing:
        raise UsageError(f"{where}: missing {', '.join(missing)}")
    kind, expected, answer = item["kind"], item["expected"], item["answer"]
    if not isinstance(answer, str):
        raise UsageError(f"{where}: answer must be a string")
    if kind == "who":
        if not isinstance(expected, str) or expected not in judge.names:
            raise UsageError(f"{where}: expected must be a person's name as in the table")
        return judge.judge_who(expected, answer)
    if kind == "year":
        if isinstance(expected, bool) or not isinstance(expected, int | str):
            raise UsageError(f"{where}: expected must be a year")
        try:
            year = int(expected)
        except ValueError:
            raise UsageError(f"{where}: expected must be a year, not {expected!r}") from None
        return judge.judge_year(year, answer)
    if kind == "country":
        if expected not in KNOWN_COUNTRIES:
            raise UsageError(f"{where}: expected must be a country as the catalogue spells it")
        return judge.judge_country(str(expected), answer)
    if kind == "method":
        if expected not in {m.value for m in Method}:
            raise UsageError(f"{where}: expected must be a method code")
        return judge.judge_method(Method(str(expected)), answer)
    if kind == "order":
        from bot.quiz.order import order_verdict, parse_order

        key = parse_order(expected) if isinstance(expected, str) else None
        if key is None or key != expected:
            raise UsageError(f"{where}: expected must be an order of A, B, C and D like 'BDAC'")
        given = parse_order(answer)
        return Verdict.WRONG if given is None else order_verdict(given, key)
    raise UsageError(f"{where}: kind must be who, year, country, method or order, not {kind!r}")


def cmd_data_check(args: argparse.Namespace) -> int:
    source: Path = args.source
    curated: Path = args.curated
    catalogue = build_catalogue(
        source.read_text(encoding="utf-8"),
        curated.read_text(encoding="utf-8"),
        source_name=source.name,
        curated_name=curated.name,
    )
    print(f"{len(catalogue.records)} records from {source.name}")
    # A curated file that gave nothing (unreadable TOML) is its own problem: listing every
    # row as uncurated would only bury it.
    unusable = bool(catalogue.problems) and len(catalogue.uncurated) == len(catalogue.records)
    if catalogue.uncurated and not unusable:
        print(f"{len(catalogue.uncurated)} rows have no curated facts (imported as 'unknown'):")
        for row in catalogue.uncurated:
            print(f"  {source.name} line {row.line}: {row.name}")
    for problem in catalogue.problems:
        print(f"error: {problem}", file=sys.stderr)
    if catalogue.problems:
        count = len(catalogue.problems)
        print(f"{count} problem{'' if count == 1 else 's'}", file=sys.stderr)
        return EXIT_FAILED
    print("ok")
    return EXIT_OK


async def _db(action: str, settings: Settings) -> int:
    from bot.db.catalogue import sync_catalogue
    from bot.db.engine import create_engine, session_factory
    from bot.db.migrate import current_revision, upgrade
    from bot.startup import database_step, read_catalogue

    url = settings.resolved_database_url
    records = read_catalogue() if action == "load" else ()
    async with database_step(url, settings.data_dir.resolve()):
        engine = create_engine(url)
        try:
            await upgrade(engine)
            print(f"database at revision {await current_revision(engine)}")
            if action == "load":
                report = await sync_catalogue(session_factory(engine), records)
                print(f"catalogue: {report}")
        finally:
            await engine.dispose()
    return EXIT_OK


async def _reports(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import reports as store
    from bot.db.engine import create_engine, session_factory
    from bot.db.migrate import upgrade
    from bot.quiz.report import Decision
    from bot.startup import database_step

    url = settings.resolved_database_url
    async with database_step(url, settings.data_dir.resolve()):
        engine = create_engine(url)
        try:
            await upgrade(engine)
            sessions = session_factory(engine)
            if args.reports_command == "resolve":
                decision = Decision.KEEP if args.keep else Decision.WITHHOLD
                now = datetime.now(UTC)
                try:
                    closed = await store.resolve(
                        sessions, key=args.fingerprint, decision=decision, now=now
                    )
                except store.UnknownQuestion:
                    raise UsageError(
                        f"no reported question has fingerprint {args.fingerprint}"
                    ) from None
                verb = "kept: it is asked again" if args.keep else "withheld for good"
                print(f"{args.fingerprint}: {plural_reports(closed)} closed; question {verb}")
                return EXIT_OK
            found = await store.list_reports(
                sessions,
                guild_id=None,
                threshold=settings.report_threshold,
                page=1,
                per_page=10**9,
            )
        finally:
            await engine.dispose()
    if args.json:
        print(json.dumps([_report_dict(q) for q in found.questions], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not found.questions:
        print("no reported questions")
    for question in found.questions:
        print(_report_text(question))
    return EXIT_OK


def plural_reports(count: int) -> str:
    return f"{count} open report" + ("" if count == 1 else "s")


def _status(question: Any) -> str:
    if question.decision is not None and question.open_reports == 0:
        return f"resolved: {question.decision.value}"
    return "withheld" if question.withheld else "open"


def _report_dict(question: Any) -> dict[str, Any]:
    return {
        "fingerprint": question.fingerprint,
        "status": _status(question),
        "kind": question.kind,
        "prompt": question.prompt,
        "subject": question.subject,
        "answer": question.answer,
        "choices": list(question.choices),
        "members_reporting": question.reporters_everywhere,
        "reports": [
            {
                "guild_id": str(r.guild_id),
                "reporter_id": str(r.reporter_id),
                "reason": r.reason.value,
                "note": r.note,
                "reported_at": r.reported_at.isoformat(),
                "resolution": r.resolution.value if r.resolution else None,
            }
            for r in question.reports
        ],
    }


def _report_text(question: Any) -> str:
    members = question.reporters_everywhere
    lines = [
        f"{question.fingerprint}  {_status(question)}  {question.kind}  "
        f"{members} member{'' if members == 1 else 's'} reporting",
        f"  question: {question.prompt}",
        f"  marked right: {question.answer}",
        f"  choices: {' | '.join(question.choices)}",
    ]
    for r in question.reports:
        note = f": {r.note}" if r.note else ""
        closed = f" (closed: {r.resolution.value})" if r.resolution else ""
        lines.append(
            f"  - server {r.guild_id}, member {r.reporter_id}, "
            f"{r.reported_at:%Y-%m-%d %H:%M} UTC, {r.reason.label}{closed}{note}"
        )
    return "\n".join(lines)


def cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_reports(args, settings))


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_db(args.db_command, settings))


def _settings() -> Settings:
    try:
        return Settings()
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read .env: it is not UTF-8 ({exc.reason})") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]).upper() or "settings"
        raise UsageError(f"invalid setting {field}: {error['msg']}") from None


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = _settings()
    if args.command == "lookup":
        return cmd_lookup(args)
    if args.command == "search":
        return cmd_search(args)
    if args.command == "export":
        return cmd_export(args)
    if args.command == "questions":
        return cmd_questions(args)
    if args.command == "judge":
        return cmd_judge(args)
    if args.command == "render":
        return cmd_render(args)
    if args.command == "reports":
        return cmd_reports(args, settings)
    if args.command == "data":
        return cmd_data_check(args)
    if args.command == "db":
        return cmd_db(args, settings)
    if args.command == "run":
        from bot import runner

        asyncio.run(runner.run(settings))
        return EXIT_OK
    if args.command == "sandbox":
        from bot import runner

        asyncio.run(runner.sandbox(settings, args.database, web=not args.no_web, port=args.port))
        return EXIT_OK
    if args.command == "sync":
        from bot import runner

        print(asyncio.run(runner.sync(settings, args.guild)))
        return EXIT_OK
    raise UsageError(f"unknown command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> int:
    from bot.db.engine import DatabaseUrlError
    from bot.runner import StartError

    try:
        return run(argv)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseUrlError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StartError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except CatalogueError as exc:
        print(f"{PROG}: {exc}; run `{PROG} data check` for every problem", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
