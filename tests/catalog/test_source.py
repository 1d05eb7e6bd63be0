"""The importer against every pitfall of the published table."""

from __future__ import annotations

from bot.catalog.importer import build_catalogue, names_from_cell
from bot.catalog.source import parse_source
from bot.catalog.vocab import Method, Status

HEADER = "| Defector | Profession/ Prominence | Birthplace | Year | Notes |"


def table(*rows: str) -> str:
    return "\n".join(["= List =", "", "Some prose | with a pipe in it.", "", HEADER, *rows, ""])


def test_cells_with_commas_empty_cells_and_dash_notes() -> None:
    parsed = parse_source(
        table(
            "| Boris Bazhanov | Politburo secretary | Ukraine, Russian Empire | 1928 | "
            "Defected to France via Iran and India |",
            "| Valeri Tihonovitch Minakov | | Russia | 1945 | Escaped in a small boat |",
            "| Mihai Apostol | Sprint canoe athlete | Romania | 1989 | - |",
            "| Vasek Matousek | Figure skater | Czechoslovakia | 1972 | |",
        )
    )
    assert parsed.problems == ()
    bazhanov, minakov, apostol, matousek = parsed.rows
    assert bazhanov.birthplace == "Ukraine, Russian Empire"
    assert bazhanov.notes == "Defected to France via Iran and India"
    assert bazhanov.line == 6
    assert minakov.profession is None
    assert apostol.notes is None
    assert matousek.notes is None


def test_prose_lines_and_header_are_not_rows() -> None:
    parsed = parse_source(table("| A B | X | Y | 1950 | Z |"))
    assert [row.name for row in parsed.rows] == ["A B"]


def test_malformed_rows_are_named_by_line() -> None:
    parsed = parse_source(
        table(
            "| Good Person | X | Y | 1950 | fine |",
            "| Too Few | X | 1950 |",
            "| Bad Year | X | Y | 19x0 | notes |",
            "| Far Future | X | Y | 2150 | notes |",
            "| No End | X | Y | 1950 | notes",
            "|  | X | Y | 1950 | no name |",
        )
    )
    assert [row.name for row in parsed.rows] == ["Good Person"]
    lines = {problem.where: problem.message for problem in parsed.problems}
    at = "defectors_source.txt line {}".format
    assert set(lines) == {at(7), at(8), at(9), at(10), at(11)}
    assert "5 cells" in lines[at(7)]
    assert "19x0" in lines[at(8)]
    assert "2150" in lines[at(9)]
    assert "end with" in lines[at(10)]
    assert "empty" in lines[at(11)]


def test_wrong_header_is_reported() -> None:
    parsed = parse_source("| Name | Year |\n| A | 1950 |\n")
    assert parsed.rows == ()
    assert parsed.problems[0].where == "defectors_source.txt line 1"


def test_no_table_at_all() -> None:
    parsed = parse_source("just prose\n")
    assert parsed.problems and "no table" in parsed.problems[0].message


def test_parenthesised_names_give_both_names() -> None:
    assert names_from_cell("Vladimir Rezun (Viktor Suvorov)") == (
        "Vladimir Rezun",
        "Viktor Suvorov",
    )
    assert names_from_cell("Rudolf Nureyev") == ()


CURATED_SUBA = """
[[person]]
name = "Mihai Şubă"
origin_country = "Romania"
method = "sporting_event"
method_evidence = "during the 1988 Lloyds Bank chess tournament"
"""


def test_curated_facts_merge_across_both_s_comma_encodings() -> None:
    # The table spells it with U+0218/U+0219 (comma below); the curated file with cedilla.
    catalogue = build_catalogue(
        table(
            "| Mihai Șubă | Chess player | Romania | 1988 | Defected to the UK during the "
            "1988 Lloyds Bank chess tournament in London |"
        ),
        CURATED_SUBA,
    )
    assert catalogue.problems == ()
    (record,) = catalogue.records
    assert record.name == "Mihai Șubă"  # exactly as in the table
    assert record.method is Method.SPORTING_EVENT
    assert record.curated


def test_row_without_curated_facts_imports_as_unknown() -> None:
    catalogue = build_catalogue(
        table("| Vladimir Rezun (Viktor Suvorov) | GRU | Russia | 1978 | Defected to the UK |"),
        "",
    )
    assert catalogue.problems == ()
    (record,) = catalogue.records
    assert [row.name for row in catalogue.uncurated] == ["Vladimir Rezun (Viktor Suvorov)"]
    assert record.method is Method.UNKNOWN
    assert record.status is Status.DEFECTED
    assert record.origin_country is None and record.destination_country is None
    assert record.aliases == ("Vladimir Rezun", "Viktor Suvorov")
    assert not record.curated


def test_curated_problems_are_reported() -> None:
    curated = """
[[person]]
name = "Some One"
method = "sea"
method_evidence = "flew a plane"
destination_country = "Germany"

[[person]]
name = "Nobody Here"

[[person]]
name = "Other Person"
aliases = ["Some One"]
origin_country = "Yugoslavia"
method = "teleportation"
"""
    catalogue = build_catalogue(
        table(
            "| Some One | X | Y | 1960 | Jumped ship |",
            "| Other Person | X | Y | 1960 | - |",
        ),
        curated,
    )
    text = "\n".join(str(problem) for problem in catalogue.problems)
    assert "'flew a plane' does not occur in the notes" in text
    assert "the state was West Germany" in text
    assert "Nobody Here" in text and "no row of the source table has it" in text
    assert "origin_country" in text and "method" in text  # pydantic errors on #3


def test_alias_naming_another_person_is_a_problem() -> None:
    curated = """
[[person]]
name = "Peter Šťastný"
aliases = ["Anton Stastny"]
"""
    catalogue = build_catalogue(
        table(
            "| Anton Šťastný | Hockey player | Czechoslovakia | 1980 | Defected |",
            "| Peter Šťastný | Hockey player | Czechoslovakia | 1980 | Defected |",
        ),
        curated,
    )
    assert any("also names 'Anton Šťastný'" in str(p) for p in catalogue.problems)


def test_duplicate_rows_and_bad_toml() -> None:
    catalogue = build_catalogue(
        table("| A B | X | Y | 1950 | n |", "| A B | X | Y | 1951 | n |"), "[[person]\nname="
    )
    text = "\n".join(str(problem) for problem in catalogue.problems)
    assert "repeats line 6" in text
    assert "not valid TOML" in text
