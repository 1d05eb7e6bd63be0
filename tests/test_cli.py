"""The command-line contract: output formats and exit status 2 with one line on bad input."""

from __future__ import annotations

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
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    code, out, _ = run(capsys, "db", "load")
    assert code == 0 and "165 inserted" in out
    code, out, _ = run(capsys, "db", "load")
    assert code == 0 and "165 unchanged" in out


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://nope", "not supported"),
        ("SHARD_IDS", "0,7", "SHARD_IDS"),
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
