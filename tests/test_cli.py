"""The command-line contract: output formats and exit status 2 with one line on bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.catalog.importer import CURATED_PATH, SOURCE_PATH


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lookup_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lookup", "barishnikov", "--json")
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert payload["query"] == "barishnikov"
    assert payload["results"][0]["name"] == "Mikhail Baryshnikov"
    assert 0 < payload["results"][0]["score"] <= 100


def test_lookup_json_best_first_and_limit(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "lookup", "petrov", "--json", "--limit", "2")
    results = json.loads(out)["results"]
    assert [r["name"] for r in results] == ["Vladimir Petrov", "Evdokia Petrova"]
    assert results[0]["score"] >= results[1]["score"]


def test_lookup_json_nothing_confident_is_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "xyzzy plugh", "--json")
    assert code == 0
    assert json.loads(out)["results"] == []


def test_lookup_text_shows_a_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lookup", "suvorov")
    assert code == 0
    assert "Vladimir Rezun (Viktor Suvorov)" in out
    assert "official_posting" in out and "working under UN cover in Switzerland" in out


def test_lookup_text_ambiguous_and_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "lookup", "stastny")
    assert "Several people match" in out and "Anton Šťastný" in out and "Peter Šťastný" in out
    _, out, _ = run(capsys, "lookup", "mikhail b")
    assert "Did you mean: Mikhail Baryshnikov" in out


def test_search_json_best_first_with_matched_words(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "stalin's daughter", "--json")
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert payload == {
        "query": "stalin's daughter",
        "results": [
            {"name": "Svetlana Alliluyeva", "score": payload["results"][0]["score"],
             "matched": ["stalins", "daughter"]},
        ],
    }  # fmt: skip
    _, out, _ = run(capsys, "search", "chess", "--json", "--limit", "3")
    results = json.loads(out)["results"]
    assert len(results) == 3
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    _, out, _ = run(capsys, "search", "xyzzy plugh", "--json")
    assert json.loads(out) == {"query": "xyzzy plugh", "results": []}


def test_search_text_and_lookup_fall_back_to_descriptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "search", "mig-25 pilot")
    assert "Viktor Belenko" in out and "[mig, 25, pilot]" in out
    _, out, _ = run(capsys, "search", "qwertyuiop")
    assert out.strip() == "No one matches."
    _, out, _ = run(capsys, "lookup", "stalin's daughter")
    assert "describe" in out and "Svetlana Alliluyeva" in out
    _, out, _ = run(capsys, "lookup", "vladimir")
    assert "…and 1 more: --limit 6 lists them all." in out
    _, out, _ = run(capsys, "lookup", "chess", "--json")
    payload = json.loads(out)
    assert payload["results"] == [] and "Vladas Česiūnas" not in payload["described"]
    assert len(payload["described"]) == 5


@pytest.mark.parametrize(
    "argv",
    [
        ["search", ""],
        ["search", "   "],
        ["search", "x" * 10_000],
        ["search", "chess\x07"],
        ["search", "chess", "--limit", "0"],
        ["search", "chess", "--limit", "26"],
        ["search"],
    ],
)
def test_search_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("defector-bot: error:")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lookup", ""], "query is empty"),
        (["lookup", "   "], "query is empty"),
        (["lookup", "?!"], "query is empty"),
        (["lookup", "x" * 10_000], "too long"),
        (["lookup", "nure\x00yev"], "control characters"),
        (["lookup", "nure\x1b[31myev"], "control characters"),
        (["lookup", "nureyev", "--limit", "0"], "--limit"),
        (["lookup", "nureyev", "--limit", "-3"], "--limit"),
        (["lookup", "nureyev", "--limit", "ten"], "--limit"),
        (["lookup", "nureyev", "--limit", "1000"], "--limit"),
        (["lookup"], "query"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
        (["export"], "--json"),
        (["data", "check", "--source", "/nonexistent/table.txt"], "no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err


def test_export_json_has_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 165
    expected = {
        "name", "aliases", "profession", "birthplace", "birth_country", "origin_country",
        "destination_country", "defected_in", "year", "method", "method_evidence", "notes",
        "status",
    }  # fmt: skip
    assert all(expected <= set(record) for record in records)


def test_data_check_passes_on_the_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "check")
    assert code == 0 and out.strip().endswith("ok")


def test_data_check_lists_uncurated_and_names_malformed_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = SOURCE_PATH.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| Defector"))
    lines.insert(header + 3, "| Broken Row | Spy | 1960 |")
    lines.insert(header + 4, "| New Person | Spy | Russia | 1961 | Defected somewhere |")
    source = tmp_path / "table.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "data", "check", "--source", str(source))
    assert code == 1
    # ``header`` is 0-based, so the inserted rows are lines header + 4 and header + 5.
    assert f"table.txt line {header + 5}: New Person" in out
    assert f"table.txt line {header + 4}: expected 5 cells, found 3" in err


def test_db_load_is_idempotent(
    capsys: pytest.CaptureFixture[str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    code, out, _ = run(capsys, "db", "load")
    assert code == 0 and "165 inserted" in out
    code, out, _ = run(capsys, "db", "load")
    assert code == 0 and "165 unchanged" in out


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://nope", "not supported"),
        ("SHARD_IDS", "0,7", "SHARD_IDS"),
        ("SHARD_IDS", "0,0", "SHARD_IDS lists [0] more than once"),
        ("DATABASE_URL", "sqlite+aiosqlite:///", "in-memory SQLite"),
        ("DATABASE_URL", "sqlite+aiosqlite:///:memory:", "in-memory SQLite"),
        ("DATABASE_URL", "sqlite+aiosqlite://", "in-memory SQLite"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL"),
    ],
)
def test_bad_settings_are_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("SHARD_COUNT", "2")
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 2
    assert err.count("\n") == 1 and message in err


def test_console_entry_point_runs(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "lookup", "nureev", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,  # data paths resolve from the package, not the working directory
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["results"][0]["name"] == "Rudolf Nureyev"


def test_curated_path_is_inside_the_project() -> None:
    assert CURATED_PATH.parent.name == "data" and CURATED_PATH.is_file()


def test_questions_are_json_lines_and_seeded(capsys: pytest.CaptureFixture[str]) -> None:
    code, first, _ = run(capsys, "questions", "--count", "20", "--seed", "42")
    assert code == 0
    lines = [json.loads(line) for line in first.splitlines()]
    assert len(lines) == 20
    fields = {"kind", "prompt", "subject", "answer", "accepted", "choices", "clues"}
    assert all(fields | {"explanation", "difficulty"} <= set(q) for q in lines)
    assert len({q["subject"] for q in lines}) == 20  # no repeats
    _, again, _ = run(capsys, "questions", "--count", "20", "--seed", "42")
    assert again == first
    _, other, _ = run(capsys, "questions", "--count", "20", "--seed", "43")
    assert other != first


def test_questions_of_one_kind(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "questions", "--count", "200", "--seed", "1", "--kind", "year")
    kinds = {json.loads(line)["kind"] for line in out.splitlines()}
    assert kinds == {"year"}
    assert len(out.splitlines()) == 200  # more than 165 people: a second round begins


def test_judge_reads_json_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        {"kind": "who", "expected": "Oleg Gordievsky", "answer": "Gordievski"},
        {"kind": "who", "expected": "Vladimir Petrov", "answer": "Petrova"},
        {"kind": "year", "expected": 1961, "answer": "'61"},
        {"kind": "year", "expected": "1961", "answer": "1962"},
        {"kind": "country", "expected": "East Germany", "answer": "GDR"},
        {"kind": "country", "expected": "East Germany", "answer": "West Germany"},
        {"kind": "order", "expected": "BDAC", "answer": "b, d, a, c"},
        {"kind": "order", "expected": "BDAC", "answer": "BDCA"},
        {"kind": "order", "expected": "BDAC", "answer": "CADB"},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = run(capsys, "judge")
    assert code == 0 and err == ""
    verdicts = [json.loads(line)["verdict"] for line in out.splitlines()]
    assert verdicts == [
        "correct", "wrong", "correct", "close", "correct", "wrong", "correct", "close", "wrong"
    ]  # fmt: skip
    assert json.loads(out.splitlines()[0])["answer"] == "Gordievski"  # the line comes back


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected an object"),
        ('{"kind": "who", "answer": "x"}', "missing expected"),
        ('{"kind": "who", "expected": "Nobody", "answer": "x"}', "person's name"),
        ('{"kind": "year", "expected": "soon", "answer": "x"}', "year"),
        ('{"kind": "country", "expected": "Narnia", "answer": "x"}', "country"),
        ('{"kind": "colour", "expected": "red", "answer": "x"}', "kind must be"),
        ('{"kind": "order", "expected": "ABCE", "answer": "ABCD"}', "an order of A, B, C"),
        ('{"kind": "year", "expected": 1961, "answer": 1961}', "answer must be a string"),
    ],
)
def test_judge_bad_lines_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, line: str, message: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(line + "\n"))
    code, out, err = run(capsys, "judge")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "stdin line 1" in err and message in err


@pytest.mark.parametrize(
    "argv",
    [
        ["questions", "--count", "0", "--seed", "1"],
        ["questions", "--count", "many", "--seed", "1"],
        ["questions", "--count", "5"],
        ["questions", "--count", "5", "--seed", "x"],
        ["questions", "--count", "5", "--seed", "1", "--kind", "colour"],
    ],
)
def test_questions_bad_input(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1


def test_questions_of_one_difficulty(capsys: pytest.CaptureFixture[str]) -> None:
    for name, level in (("easy", 1), ("medium", 2), ("hard", 3)):
        assert main(["questions", "--count", "20", "--seed", "1", "--difficulty", name]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 20
        assert {json.loads(line)["difficulty"] for line in lines} == {level}


def test_data_check_names_a_reading_the_row_does_not_support(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = CURATED_PATH.read_text(encoding="utf-8")
    good = (
        'also_destinations = [{ country = "Switzerland", evidence = "then went to Switzerland" }]'
    )
    assert text.count(good) == 2  # Kalmár and Kocsis
    bad = 'also_destinations = [{ country = "Switzerland", evidence = "then settled in Bern" }]'
    curated = tmp_path / "curated.toml"
    curated.write_text(text.replace(good, bad, 1), encoding="utf-8")
    code, out, err = run(capsys, "data", "check", "--curated", str(curated))
    assert code == 1
    assert "Jenő Kalmár" in out + err
    assert "evidence 'then settled in Bern' does not occur in the row" in out + err


def test_data_check_on_broken_toml_names_it_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    curated = tmp_path / "curated.toml"
    curated.write_text('[[person]\nname = "x"\n', encoding="utf-8")
    code, out, err = run(capsys, "data", "check", "--curated", str(curated))
    assert code == 1
    assert "no curated facts" not in out  # not 165 rows listed above the real cause
    assert err.splitlines() == [
        "error: curated.toml: not valid TOML: Expected ']]' at the end of an array declaration "
        "(at line 1, column 9)",
        "1 problem",
    ]
