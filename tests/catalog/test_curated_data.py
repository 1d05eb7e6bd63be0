"""The shipped data files: every record validates and every label is defensible."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.catalog.importer import CURATED_PATH, SOURCE_PATH, build_catalogue, parse_curated
from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.source import parse_source
from bot.catalog.vocab import DEFUNCT_STATES, KNOWN_COUNTRIES, ORIGIN_COUNTRIES, Method, Status


def test_source_table_has_165_clean_rows() -> None:
    parsed = parse_source(SOURCE_PATH.read_text(encoding="utf-8"))
    assert parsed.problems == ()
    assert len(parsed.rows) == 165


def test_every_row_is_curated_without_problems() -> None:
    catalogue = build_catalogue(
        SOURCE_PATH.read_text(encoding="utf-8"), CURATED_PATH.read_text(encoding="utf-8")
    )
    assert [str(p) for p in catalogue.problems] == []
    assert catalogue.uncurated == ()
    assert len(catalogue.records) == 165


def test_curated_file_is_in_table_order_with_one_entry_per_row() -> None:
    facts, problems = parse_curated(CURATED_PATH.read_text(encoding="utf-8"), "curated.toml")
    assert problems == []
    rows = parse_source(SOURCE_PATH.read_text(encoding="utf-8")).rows
    assert [f.name for f in facts] == [row.name for row in rows]


def test_fields_use_the_closed_vocabularies(records: tuple[Defector, ...]) -> None:
    for record in records:
        assert record.origin_country in ORIGIN_COUNTRIES, record.name
        assert record.destination_country is None or record.destination_country in KNOWN_COUNTRIES
        assert record.birth_country is None or record.birth_country not in DEFUNCT_STATES
        assert isinstance(record.method, Method) and isinstance(record.status, Status)
        if record.method is Method.UNKNOWN:
            assert record.method_evidence is None, record.name
        else:
            assert record.notes is not None and record.method_evidence in record.notes


def test_slugs_and_names_are_unique(records: tuple[Defector, ...]) -> None:
    assert len({r.slug for r in records}) == len(records)
    assert len({fold(r.name) for r in records}) == len(records)


def test_west_germany_is_named_as_it_was(records: tuple[Defector, ...]) -> None:
    for record in records:
        if 1949 <= record.year <= 1990:
            assert record.destination_country != "Germany", record.name
        else:
            assert record.destination_country != "West Germany", record.name


def test_birth_country_rules(records: tuple[Defector, ...]) -> None:
    by_place = {(r.birthplace, r.birth_country) for r in records}
    assert ("Ukraine, Russian Empire", "Ukraine") in by_place
    assert ("Poland, Russian Empire", "Poland") in by_place
    assert ("East Germany", "Germany") in by_place
    for record in records:
        if record.birthplace in ("USSR", "Austria-Hungary", "Czechoslovakia", "Ossetia"):
            assert record.birth_country is None, record.name


def test_origin_is_the_bloc_state(records: tuple[Defector, ...]) -> None:
    by_name = {r.name: r for r in records}
    assert by_name["Zuo Xiukai"].origin_country == "China"
    assert by_name["Mikhail Baryshnikov"].origin_country == "Soviet Union"  # born in Latvia
    assert by_name["Jonas Pleškys"].origin_country == "Soviet Union"  # born in Lithuania
    assert by_name["Nesti Josifi Kopali"].origin_country == "Albania"
    counts = Counter(r.origin_country for r in records)
    assert set(counts) == ORIGIN_COUNTRIES


@pytest.mark.parametrize(
    ("name", "method"),
    [
        # Traps named in the issue: read the row, not the keywords.
        ("Paul Barbă Neagră", Method.UNKNOWN),  # "Tours" is a city
        ("Vasily Matuzok", Method.OVERLAND_ESCAPE),  # a guided tour is not a ballet tour
        ("Alexander Godunov", Method.TOUR_OR_PERFORMANCE),  # an airport is not a flight
        ("Vladas Česiūnas", Method.SPORTING_EVENT),  # ditto, Frankfurt Airport
        ("George Gamow", Method.UNKNOWN),  # the kayak trip failed
        ("Rudolf Nureyev", Method.TOUR_OR_PERFORMANCE),
        ("Viktor Belenko", Method.AIRCRAFT),
        ("Gega Kobakhidze", Method.AIRCRAFT),
        ("Simonas Kudirka", Method.SEA),
        ("Stanislav Kurilov", Method.SEA),
        ("Konrad Schumann", Method.OVERLAND_ESCAPE),
        ("Leslie Mándoki", Method.OVERLAND_ESCAPE),
        ("József Mindszenty", Method.EMBASSY_ASYLUM),
        ("Ion Mihai Pacepa", Method.EMBASSY_ASYLUM),
        ("Aron Sheinman", Method.OFFICIAL_POSTING),  # refused a recall
        ("Vladimir Rezun (Viktor Suvorov)", Method.OFFICIAL_POSTING),
        ("Valentin Poénaru", Method.ACADEMIC_OR_WORK_TRIP),
        ("Martina Navratilova", Method.SPORTING_EVENT),
        ("Ferenc Puskás", Method.SPORTING_EVENT),
        ("Vasek Matousek", Method.UNKNOWN),  # empty notes
        ("Mihai Apostol", Method.UNKNOWN),  # "-" notes
        ("Jan Šejna", Method.UNKNOWN),  # "fled after the Prague Spring" says when, not how
    ],
)
def test_method_labels(records: tuple[Defector, ...], name: str, method: Method) -> None:
    assert {r.name: r for r in records}[name].method is method


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("Konstantin Volkov", Status.FAILED),  # arrested by the Soviets
        ("Vladas Česiūnas", Status.FAILED),  # recaptured by the KGB
        ("Gega Kobakhidze", Status.FAILED),  # tried to defect and was arrested
        ("Vitaly Yurchenko", Status.RETURNED),  # ended up back in the KGB
        ("Géza Füster", Status.DEFECTED),  # it was his friend who was caught
    ],
)
def test_status_labels(records: tuple[Defector, ...], name: str, status: Status) -> None:
    assert {r.name: r for r in records}[name].status is status


def test_aliases_include_the_pseudonym(records: tuple[Defector, ...]) -> None:
    rezun = {r.name: r for r in records}["Vladimir Rezun (Viktor Suvorov)"]
    assert "Viktor Suvorov" in rezun.aliases and "Vladimir Rezun" in rezun.aliases


# -- every reading ------------------------------------------------------------------------

_ROW = (
    "| Defector | Profession/ Prominence | Birthplace | Year | Notes |\n"
    "|---|---|---|---|---|\n"
    "| Ann Example | Figure skater | Bulgaria | {year} "
    "| Defected in Madrid, Spain while on tour, then went to Switzerland |\n"
)
_FACTS = """[[person]]
name = "Ann Example"
origin_country = "Czechoslovakia"
destination_country = "Spain"
method = "tour_or_performance"
method_evidence = "while on tour"
"""


def _problems(extra: str, year: int = 1960) -> list[str]:
    catalogue = build_catalogue(_ROW.format(year=year), _FACTS + extra)
    return [str(p) for p in catalogue.problems]


def test_readings_load_with_their_evidence() -> None:
    extra = (
        'also_origins = [{ country = "Bulgaria", evidence = "Bulgaria" }]\n'
        'also_destinations = [{ country = "Switzerland", evidence = "then went to Switzerland" }]\n'
        'also_methods = [{ method = "sporting_event", evidence = "Figure skater" }]\n'
    )
    catalogue = build_catalogue(_ROW.format(year=1960), _FACTS + extra)
    assert catalogue.problems == ()
    (record,) = catalogue.records
    assert record.origins == ("Czechoslovakia", "Bulgaria")
    assert record.destinations == ("Spain", "Switzerland")
    assert record.methods == (Method.TOUR_OR_PERFORMANCE, Method.SPORTING_EVENT)
    assert record.evidence_for("destination_country", "Switzerland") == "then went to Switzerland"
    assert record.evidence_for("method", "tour_or_performance") == "while on tour"
    assert record.to_dict()["also_methods"] == [
        {"value": "sporting_event", "evidence": "Figure skater"}
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        # evidence the row does not say
        (
            'also_destinations = [{ country = "Switzerland", evidence = "settled in Bern" }]',
            "evidence 'settled in Bern' does not occur in the row",
        ),
        # evidence that spans two cells is not one phrase of the row
        (
            'also_methods = [{ method = "sporting_event", evidence = "skater | Bulgaria" }]',
            "does not occur in the row",
        ),
        ('also_destinations = [{ country = "Narnia", evidence = "Spain" }]', "Narnia"),
        ('also_destinations = [{ country = "USA", evidence = "Spain" }]', "'USA'"),
        ('also_origins = [{ country = "Spain", evidence = "Spain" }]', "also_origins country"),
        ('also_methods = [{ method = "teleport", evidence = "on tour" }]', "also_methods"),
        ('also_methods = [{ method = "unknown", evidence = "on tour" }]', "not a reading"),
        ('also_methods = [{ method = "other", evidence = "on tour" }]', "not a reading"),
        (
            'also_methods = [{ method = "tour_or_performance", evidence = "on tour" }]',
            "repeats the main value",
        ),
        ('also_destinations = [{ country = "Spain", evidence = "Spain" }]', "repeats the main"),
        (
            'also_destinations = [{ country = "Switzerland", evidence = "Switzerland" }, '
            '{ country = "Switzerland", evidence = "then went" }]',
            "names a value twice",
        ),
        ('also_destinations = [{ country = "Switzerland" }]', "evidence"),
        ('also_destinations = [{ country = "Switzerland", evidence = "" }]', "blank"),
        (
            'also_destinations = [{ country = "Switzerland", evidence = "x", why = "y" }]',
            "why",
        ),
    ],
)
def test_data_check_rejects_bad_readings(extra: str, message: str) -> None:
    problems = _problems(extra + "\n")
    assert problems and any(message in p for p in problems), problems


def test_destination_evidence_must_be_words_of_the_notes() -> None:
    assert _problems('destination_evidence = "then went to Switzerland"\n') == []
    problems = _problems('destination_evidence = "landed in Spain"\n')
    assert any("destination_evidence 'landed in Spain' does not occur" in p for p in problems)


def test_readings_name_germany_as_it_was() -> None:
    extra = 'also_destinations = [{ country = "West Germany", evidence = "Spain" }]\n'
    assert any("it did not exist then" in p for p in _problems(extra, year=1930))
    extra = 'also_destinations = [{ country = "Germany", evidence = "Spain" }]\n'
    assert any("the state was West Germany" in p for p in _problems(extra, year=1960))


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        # The cases of issue 10: each is a reading the row's own words support.
        ("Sándor Kocsis", "destinations", "Switzerland"),
        ("Jenő Kalmár", "destinations", "Switzerland"),
        ("Ivo Knoflíček", "destinations", "West Germany"),
        ("Luboš Kubík", "destinations", "Italy"),
        ("Christo Javacheff", "origins", "Bulgaria"),
        ("Josef Frolík", "origins", "Bulgaria"),
        ("Oleg Protopopov", "methods", Method.SPORTING_EVENT),
        ("Konstantin Volkov", "methods", Method.EMBASSY_ASYLUM),
        ("Czesław Miłosz", "destinations", "United States"),
        ("Jerzy Lewi", "destinations", "Sweden"),
    ],
)
def test_the_other_readings_are_recorded(
    records: tuple[Defector, ...], name: str, field: str, value: object
) -> None:
    record = {r.name: r for r in records}[name]
    assert value in getattr(record, field)


def test_traps_are_not_readings(records: tuple[Defector, ...]) -> None:
    by_name = {r.name: r for r in records}
    assert Method.AIRCRAFT not in by_name["Alexander Godunov"].methods  # JFK airport
    assert Method.SEA not in by_name["George Gamow"].methods  # the kayak attempt failed
    assert Method.TOUR_OR_PERFORMANCE not in by_name["Vasily Matuzok"].methods  # guided tour
    assert "India" not in by_name["Boris Bazhanov"].destinations  # a route, "via"


@pytest.mark.parametrize(
    ("name", "left_from"),
    [
        # Places they left from or passed through are not destinations (play-test, issue 10).
        ("Jörg Berger", "Yugoslavia"),  # "used a match in Yugoslavia to flee to West Germany"
        ("Ernst Degner", "Sweden"),  # "drove his car from the Swedish Grand Prix"
        ("Ernst Degner", "Denmark"),  # "to Denmark, then on to West Germany"
        ("Anatoliy Golitsyn", "Finland"),  # "to the U.S. from Helsinki, Finland"
        ("Jerzy Lewi", "Greece"),  # "Defected during a tournament in Athens, Greece"
        ("Leslie Mándoki", "Yugoslavia"),  # "Fled into Yugoslavia and then into Austria"
        ("Luboš Kubík", "West Germany"),  # "Defected from a … training camp in West Germany"
    ],
)
def test_places_left_from_are_not_destinations(
    records: tuple[Defector, ...], name: str, left_from: str
) -> None:
    assert left_from not in {r.name: r for r in records}[name].destinations


def test_every_reading_is_supported_by_its_row(records: tuple[Defector, ...]) -> None:
    readings = 0
    for record in records:
        cells = [t for t in (record.notes, record.profession, record.birthplace) if t]
        for group in (record.also_origins, record.also_destinations, record.also_methods):
            for reading in group:
                assert any(reading.evidence in cell for cell in cells), (record.name, reading)
                readings += 1
    assert readings >= 50
