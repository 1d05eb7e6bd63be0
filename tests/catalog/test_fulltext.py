"""Full-text search on realistic descriptions: what a reader remembers, not how a name is
spelled. Each row: the query, and the people it must put first (in any order among
themselves); ``EXACTLY`` rows must also find no one else."""

from __future__ import annotations

import pytest

from bot.catalog.fulltext import FullTextIndex, prepare
from bot.catalog.models import Defector
from bot.catalog.vocab import Method

CHESS = (
    "Fedir Bohatyrchuk", "Géza Füster", "Béla Berger", "Pal Benko", "Jerzy Lewi",
    "Viktor Korchnoi", "Lev Alburt", "Igor Vasilyevich Ivanov", "Mihai Șubă",
)  # fmt: skip
BALLET = (
    "Rudolf Nureyev", "Natalia Makarova", "Mikhail Baryshnikov", "Alexander Godunov",
    "Leonid Kozlov", "Valentina Kozlova", "Sulamith Messerer",
)  # fmt: skip
HOCKEY = (
    "Václav Nedomanský", "Anton Šťastný", "Peter Šťastný", "Miroslav Fryčer",
    "Alexander Mogilny", "Petr Nedvěd", "Sergei Fedorov",
)  # fmt: skip
SKATERS = ("Alena Vrzáňová", "Vasek Matousek", "Ludmila Belousova", "Oleg Protopopov")
MADRID = ("Ferenc Puskás", "Jenő Kalmár", "Sándor Kocsis")
PRAGUE_SPRING = ("Ivan Diviš", "Jan Šejna", "Miloš Forman", "Vladimir Oravsky")
SECURITATE = ("Ion Mihai Pacepa", "Matei Pavel Haiducu", "Ioan P. Culianu")
USSR_CHESS = ("Fedir Bohatyrchuk", "Viktor Korchnoi", "Lev Alburt", "Igor Vasilyevich Ivanov")
DOUBLE_AGENTS = ("Yuri Nosenko", "Oleg Gordievsky", "Vitaly Yurchenko")

# (query, the people it must put first)
FINDS: list[tuple[str, tuple[str, ...]]] = [
    # the issue's own examples
    ("stalin's daughter", ("Svetlana Alliluyeva",)),
    ("mig-25 pilot", ("Viktor Belenko",)),
    ("jumped the berlin wall", ("Konrad Schumann",)),
    ("chess", CHESS),
    # professions
    ("chess grandmaster", ("Viktor Korchnoi", "Lev Alburt")),
    ("ballet dancer", BALLET),
    ("hockey player", HOCKEY),
    ("figure skater", SKATERS),
    ("conductor", ("Kirill Kondrashin", "Maxim Shostakovich", "Vakhtang Jordania")),
    ("weightlifter", ("Naim Süleymanoğlu",)),
    ("violinist", ("Viktoria Mullova",)),
    ("pianist", ("Youri Egorov",)),
    ("gymnast", ("Ágnes Keleti", "Nadia Comăneci")),
    ("physicist", ("George Gamow", "Petr Beckmann")),
    ("choreographer", ("George Balanchine",)),
    ("tank commander", ("Josef Buršík",)),
    ("motorcycle racer", ("Ernst Degner",)),
    ("oceanographer", ("Stanislav Kurilov",)),
    ("environmental artist", ("Christo Javacheff",)),
    ("animator", ("Gábor Csupó",)),
    ("marksman", ("Gabor Balla",)),
    ("rugby", ("Cristian Raducanu",)),
    ("underage defector", ("Walter Polovchak",)),
    ("architect pakistan", ("Nasreddin Murat-Khan",)),
    ("air force cadet", ("Mihai Smighelschi",)),
    ("opera singer madama butterfly", ("Vyacheslav Polozov",)),
    ("tennis", ("Martina Navratilova", "Kalinikos Kreanga")),
    ("ambassador", ("Romuald Spasowski", "Zdzisław Rurarz", "G. M. Dimitrov")),
    # events and famous facts in the notes
    ("football player defected in madrid", MADRID),
    ("european cup madrid", MADRID),
    ("hungarian revolution", ("Béla Berger", "Imre Lakatos", "József Mindszenty", "Zoltán Czibor")),
    ("prague spring", PRAGUE_SPRING),
    ("one flew over the cuckoo's nest", ("Miloš Forman",)),
    ("die hard", ("Alexander Godunov",)),
    ("tony award", ("Natalia Makarova",)),
    ("disguised as a hippie", ("Yuri Bezmenov",)),
    ("petrov affair", ("Vladimir Petrov", "Evdokia Petrova")),
    ("undercover kgb agent wife australia", ("Evdokia Petrova",)),
    ("mozart express", ("Peter Deriabin",)),
    ("holodomor", ("Victor Kravchenko",)),
    ("great purge", ("Alexander Orlov",)),
    ("assassinated stepan bandera", ("Bohdan Stashynsky",)),
    ("playwright assassinated in london", ("Georgi Markov",)),
    ("biological weapons", ("Vladimir Pasechnik",)),
    ("bioweapons", ("Vladimir Pasechnik",)),
    ("car trunk", ("Ernst Degner",)),
    ("leaped from a soviet ship", ("Simonas Kudirka",)),
    ("jumped from a ship", ("Alexander Elder",)),
    ("swam to the philippines", ("Stanislav Kurilov",)),
    ("kayak across the black sea", ("George Gamow",)),
    ("alpha decay", ("George Gamow",)),
    ("joint security area", ("Vasily Matuzok", "Zuo Xiukai")),
    ("martial law poland", ("Romuald Spasowski", "Zdzisław Rurarz")),
    ("radio free europe", ("Józef Światło", "Ivan Diviš")),
    ("mi6 double agent", ("Oleg Gordievsky",)),
    ("double agent", DOUBLE_AGENTS),
    ("stasi", ("Werner Stiller", "Lutz Eigendorf")),
    ("securitate", SECURITATE),
    ("spy rings canada", ("Igor Gouzenko",)),
    ("nkvd assassination", ("Ignace Reiss", "Walter Krivitsky")),
    ("gulag", ("Tatiana Tchernavin", "Genrikh Lyushkov")),
    ("bering sea small boat", ("Valeri Tihonovitch Minakov",)),
    ("railway tunnel", ("Leslie Mándoki", "Gábor Csupó")),
    ("emergency stop in gander", ("Igor Vasilyevich Ivanov",)),
    ("lloyds bank chess tournament", ("Mihai Șubă",)),
    ("us open", ("Martina Navratilova",)),
    ("goodwill games", ("Sergei Fedorov",)),
    ("bbc television", ("Vitali Vitaliev",)),
    ("libertarianism", ("Petr Beckmann",)),
    ("low-dimensional topology", ("Valentin Poénaru",)),
    ("weimar republic", ("George Balanchine",)),
    ("cardinal us embassy budapest", ("József Mindszenty",)),
    ("british consulate istanbul", ("Konstantin Volkov",)),
    ("1964 olympics tokyo", ("Gabor Balla", "András Törő")),
    ("summer olympics", ("Ágnes Keleti", "Gabor Balla", "András Törő")),
    ("dynamo berlin copenhagen", ("Emil Poklitar", "Rolf Starost")),
    ("kgb agent 1985", ("Oleg Gordievsky", "Vitaly Yurchenko")),
    # vehicles, and punctuation in their names
    ("mig-15", ("Franciszek Jarecki",)),
    ("MiG 29", ("Aleksandr Zuyev",)),
    ("mig25", ("Viktor Belenko",)),
    ("mig", ("Franciszek Jarecki", "Viktor Belenko", "Aleksandr Zuyev")),
    ("homemade aircraft", ("Ivo Zdarsky",)),
    ("hijacked aeroflot flight", ("Gega Kobakhidze",)),
    ("submarine", ("Jonas Pleškys",)),
    ("fighter pilot japan", ("Viktor Belenko",)),
    ("flew a plane to japan", ("Viktor Belenko",)),
    # synonyms: a reader's words for the table's
    ("ussr chess player", USSR_CHESS),
    ("soccer hungary", (*MADRID, "Zoltán Czibor")),
    ("hungarian footballer", (*MADRID, "Zoltán Czibor")),
    ("secret police taxi chase", ("Andrzej Panufnik",)),
    ("spy network japan", ("Stanislav Levchenko",)),
    ("romanian spy", ("Ion Mihai Pacepa", "Matei Pavel Haiducu")),
    ("industrial espionage", ("Matei Pavel Haiducu",)),
    ("american ambassador saved from execution", ("G. M. Dimitrov",)),
    ("britain ballet coach", ("Sulamith Messerer",)),
    # stems
    ("defection kgb major", ("Peter Deriabin",)),
    ("jumping into the sea and swimming", ("Stanislav Kurilov",)),
    # phrases
    ('"berlin wall"', ("Konrad Schumann", "Marco Köller")),
    ('"table tennis"', ("Kalinikos Kreanga",)),
    # accents in the query
    ("Zürich taxi", ("Andrzej Panufnik",)),
    ("GULÁG", ("Tatiana Tchernavin", "Genrikh Lyushkov")),
    # misspellings of the above
    ("stalins dauhgter", ("Svetlana Alliluyeva",)),
    ("stalin's doughter", ("Svetlana Alliluyeva",)),
    ("jumpd the berlin wal", ("Konrad Schumann",)),
    ("chess grandmastr", ("Viktor Korchnoi", "Lev Alburt")),
    ("balet dancer", BALLET),
    ("figure skeater", SKATERS),
    ("hocky player", HOCKEY),
    ("footbal player madrid", MADRID),
    ("kayack black sea", ("George Gamow",)),
    ("weightlifer", ("Naim Süleymanoğlu",)),
    ("holodomr", ("Victor Kravchenko",)),
    ("submarin", ("Jonas Pleškys",)),
    ("cukoo's nest", ("Miloš Forman",)),
    ("prauge spring", PRAGUE_SPRING),
    ("securitatee", SECURITATE),
    ("violnist", ("Viktoria Mullova",)),
    ("choreografer", ("George Balanchine",)),
    ("oceanografer", ("Stanislav Kurilov",)),
]

# Queries that must find these people and no one else.
EXACTLY = {
    "stalin's daughter",
    "mig-25 pilot",
    "jumped the berlin wall",
    "chess",
    "hockey player",
    "securitate",
    "prague spring",
    "weightlifter",
    "mig",
}

NONSENSE = [
    "xyzzy plugh",
    "asdfghjkl",
    "qwertyuiop zxcvbnm",
    "zzzzzzz",
    "lorem ipsum dolor",
    "purple elephant banana",
    "quantum blockchain",
    "!!!",
    "the of and",
    "🙂🙂🙂",
]


@pytest.fixture(scope="module")
def fulltext(records: tuple[Defector, ...]) -> FullTextIndex:
    return FullTextIndex(records)


def test_there_are_enough_descriptive_queries() -> None:
    assert len(FINDS) >= 60
    assert len({query for query, _ in FINDS}) == len(FINDS)


@pytest.mark.parametrize(("query", "expected"), FINDS, ids=[q for q, _ in FINDS])
def test_finds_the_people_a_query_describes(
    fulltext: FullTextIndex, records: tuple[Defector, ...], query: str, expected: tuple[str, ...]
) -> None:
    names = {r.name for r in records}
    assert set(expected) <= names, "the expectation names someone not in the table"
    hits = fulltext.search(query, limit=25)
    found = [hit.record.name for hit in hits]
    assert set(found[: len(expected)]) == set(expected), found
    if query in EXACTLY:
        assert len(found) == len(expected), found


@pytest.mark.parametrize("query", NONSENSE)
def test_nonsense_finds_no_one(fulltext: FullTextIndex, query: str) -> None:
    assert fulltext.search(query) == []


def test_scores_are_best_first_and_matched_words_are_the_query_words(
    fulltext: FullTextIndex,
) -> None:
    hits = fulltext.search("mig-25 pilot", explain=True)
    assert [h.matched for h in hits] == [("mig", "25", "pilot")]
    hits = fulltext.search("chess grandmaster", explain=True, limit=25)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(h.matched == ("chess", "grandmaster") for h in hits)
    assert fulltext.search("1960s korchnoi", explain=True) == []
    (sixties,) = fulltext.search("nureyev 1960s", explain=True)
    assert sixties.matched == ("nureyev", "1960s")


def test_a_query_missing_one_of_three_words_still_finds_the_person(
    fulltext: FullTextIndex,
) -> None:
    # "helicopter" is nowhere in the table: the two other words decide.
    (hit, *_) = fulltext.search("belenko mig-25 helicopter", explain=True)
    assert hit.record.name == "Viktor Belenko"
    assert "helicopter" not in hit.matched
    # Two words must both match: "chess" and a word nobody has find nobody.
    assert fulltext.search("chess helicopter") == []


def test_decades_years_and_methods_in_words(fulltext: FullTextIndex) -> None:
    sixties = {h.record.name for h in fulltext.search("1960s chess", limit=25)}
    assert sixties == {"Jerzy Lewi"}
    assert {h.record.name for h in fulltext.search("chess 1976", limit=25)} == {"Viktor Korchnoi"}
    by_sea = {h.record.name for h in fulltext.search("by sea", limit=50)}
    assert {"Stanislav Kurilov", "Simonas Kudirka", "Jonas Pleškys"} <= by_sea


def test_prepare_spells_numbers_and_decades_one_way() -> None:
    assert prepare("MiG-25") == prepare("mig 25") == prepare("MIG25") == "mig 25"
    assert prepare("the 1980s") == prepare("the 1980's") == prepare("the eighties")
    assert prepare("the 80s") == "the decade1980"


def test_hostile_and_huge_queries_are_safe(fulltext: FullTextIndex) -> None:
    assert fulltext.search("chess " * 5000)  # truncated, still a query
    assert fulltext.search("a" * 10_000) == []
    assert fulltext.search("chess", limit=0) == []
    for query in ['"', '""', '"unclosed chess', "chess AND OR NOT", "field:value", "*", "\x00"]:
        fulltext.search(query)  # no exception: the text is never parsed as query syntax


def test_an_index_of_no_records_finds_nothing() -> None:
    assert FullTextIndex(()).search("chess") == []


def test_the_curated_other_readings_are_found_too(
    fulltext: FullTextIndex, records: tuple[Defector, ...]
) -> None:
    """A row that supports another country or method (``also_*`` in data/curated.toml) is
    found by it as by its main reading: "went to West Germany" finds a person whose row says
    "ultimately flown back to Germany" with a main destination elsewhere."""
    asked = []
    for record in records:
        asked += [(record, f"left {r.value}") for r in record.also_origins]
        asked += [(record, f"went to {r.value}") for r in record.also_destinations]
        asked += [(record, Method(r.value).label) for r in record.also_methods]
    assert len(asked) > 40  # data/curated.toml's readings, not an empty loop
    missed = [
        (record.name, query)
        for record, query in asked
        if record not in {h.record for h in fulltext.search(query, limit=len(fulltext))}
    ]
    assert missed == []
