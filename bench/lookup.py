"""Latency of the catalogue search against ``difflib``, and of the full-text search against
a naive scan.

Times ``SearchIndex.autocomplete`` and ``lookup`` per query on the real catalogue (165
records) and on a deterministic synthetic one of 100,000 (the real records plus generated
names), beside ``difflib.get_close_matches`` on the same queries in the same process: median
and p99 latency and the ratio baseline / ours, at least 20 at both sizes.

Run from the project root: ``python -m bench.lookup`` (a few minutes at most), ``--quick``
(fewer repeats, no memory measurement, every eighth query at 100k), ``--json``, ``--check``.

Method:

* Indexes are built outside the timed region (build times reported); the memory the index
  holds at 100k is measured with ``tracemalloc`` in a second build.
* The baseline is ``get_close_matches(fold(query), folded_names, n=limit, cutoff=0.6)`` with
  the names folded in advance: it pays for folding the query, as ours does, not the
  catalogue. ``limit`` as ours: 5 for a lookup, 25 for autocomplete.
* Each call is timed alone (``perf_counter_ns``), repeats going round the whole query list,
  GC off; median and p99 over all samples, each query weighing the same. At 100k difflib
  takes a large fraction of a second a query, so it gets fewer repeats, same queries.
* Full text: ``FullTextIndex.search`` (tantivy, limit 10) beside a scan of each record's
  texts folded in advance, counting the query's words and keeping the ten best. No ratio
  target (a scan of 165 strings is hard to beat); reported.
* Autocomplete at 100k also has an absolute target: p99 ≤ 5 ms of CPU time per call
  (``thread_time_ns``, a second pass; on a shared machine the wall-clock tail is the
  scheduler; both are reported).
"""

from __future__ import annotations

import argparse
import difflib
import gc
import heapq
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bench import harness
from bot.catalog.fulltext import STOP_WORDS, FullTextIndex, facts_text
from bot.catalog.importer import load_catalogue
from bot.catalog.models import Defector, slugify
from bot.catalog.normalize import fold
from bot.catalog.search import SearchIndex
from bot.catalog.vocab import Method, Status

TARGET_RATIO = 20.0
LOOKUP_LIMIT = 5
AUTOCOMPLETE_LIMIT = 25
BASELINE_CUTOFF = 0.6
DEFAULT_SEED = 20240601
LARGE_SIZE = 100_000
FULLTEXT_LIMIT = 10
AUTOCOMPLETE_P99_LIMIT_US = 5_000.0
T = TypeVar("T")

# The query mix, used at both sizes for both operations, by category.
FIXED_QUERIES: tuple[str, ...] = tuple(
    query
    for queries in (
        # exact, then surnames only
        "Rudolf Nureyev|Mikhail Baryshnikov|Martina Navratilova|Nadia Comăneci|Ferenc Puskás|"
        "Oleg Gordievsky|Viktor Belenko|Czesław Miłosz|Miloš Forman|Svetlana Alliluyeva|"
        "Ion Mihai Pacepa|Naim Süleymanoğlu|  RUDOLF   nureyev!! ",
        "Nureyev|Baryshnikov|Korchnoi|Gouzenko|Mindszenty|Shevchenko|Petrov|Kozlov|Godunov",
        # typed without accents, then typos
        "puskas|comaneci|nadia comaneci|czeslaw milosz|jozef swiatlo|mihai suba|"
        "vaclav nedomansky|jurgen sparwasser",
        "barishnikov|gordievski|nureev|navratilva|nurejev rudolf|mikhail barishnikof|"
        "comanechi|makarva|gouzenco|krivitzky|svetlana aliluyeva",
        # pseudonyms and aliases; prefixes, as autocomplete sees them while typing; nonsense
        "viktor suvorov|jack strong|lana peters|tomas schuman|christo|cardinal mindszenty",
        "nur|bary|mikhail b|kozl|gor|ma|vla|sta|svetl",
        "xyzzy|qwertyuiop|asdfgh|zzzz|the quick brown fox|12345",
    )
    for query in queries.split("|")
)

# What readers remember people by: the full-text queries, at both sizes.
FULLTEXT_QUERIES: tuple[str, ...] = tuple(
    query
    for queries in (
        "stalin's daughter|mig-25 pilot|jumped the berlin wall|chess|chess grandmaster|"
        "ballet dancer|hockey player|figure skater|football player defected in madrid|"
        "hungarian revolution|prague spring|one flew over the cuckoo's nest|petrov affair|"
        "kgb agent|secret police|ussr chess player|hungarian footballer|double agent|"
        "swam to the philippines|homemade aircraft|defected during a tour in the 1970s|pilot",
        # a phrase, misspellings, nonsense
        '"berlin wall"|stalins dauhgter|balet dancer|hocky player|prauge spring|securitatee|'
        "choreografer|xyzzy plugh|qwertyuiop|purple elephant banana",
    )
    for query in queries.split("|")
)


# -- synthetic catalogue ------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    country: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    onsets: tuple[str, ...]
    vowels: tuple[str, ...]
    codas: tuple[str, ...]
    """Syllable ends; "-" stands for none."""
    male_suffixes: tuple[str, ...]
    female_suffixes: tuple[str, ...]
    cities: tuple[str, ...]


def _w(text: str) -> tuple[str, ...]:
    """Words of ``text``, "-" meaning the empty string."""
    return tuple("" if word == "-" else word for word in text.split())


def _region(spec: str) -> Region:
    country, *fields = (field.strip() for field in spec.split("|"))
    return Region(country, *(_w(field) for field in fields))


# Each region: country | male and female first names | surname syllables (onsets, vowels,
# codas, "-" for none) | male and female surname endings | cities.
REGIONS: tuple[Region, ...] = tuple(
    _region(spec)
    for spec in (
        (
            "Soviet Union | Aleksandr Alexei Anatoly Andrei Boris Dmitri Fyodor Gennady "
            "Grigory Igor Ivan Konstantin Leonid Mikhail Nikolai Oleg Pavel Pyotr Sergei "
            "Stanislav Vadim Valentin Viktor Vitaly Vladimir Vyacheslav Yevgeny Yuri | Anna "
            "Galina Irina Lyudmila Marina Natalia Nina Olga Svetlana Tatiana Valentina Yelena "
            "Yevdokia Zoya | b v g d z k l m n p r s t kh sh zh ch gr kr st sm pr br vl | a o "
            "e i u y ya yu | - - - n r l sk t | ov ev in sky enko ich ovsky yev | ova eva ina "
            "skaya enko ovskaya | Moscow Leningrad Kiev Odessa Minsk Riga Tbilisi Kharkov"
        ),
        (
            "Poland | Andrzej Czesław Jan Jerzy Józef Krzysztof Marek Paweł Ryszard Stanisław "
            "Tadeusz Wojciech Zbigniew Zdzisław | Agnieszka Barbara Elżbieta Grażyna Halina "
            "Jadwiga Krystyna Małgorzata Teresa Zofia | b w g d k ł m n p r s ś t ż cz sz rz "
            "dz pr kr gr zb | a o e i y u ó ą ę | - - - n r ł w k | ski cki wicz czyk ak ewski"
            " owski | ska cka wicz czyk ak ewska owska | Warsaw Kraków Łódź Gdańsk Poznań "
            "Wrocław Lublin"
        ),
        (
            "Czechoslovakia | Jiří Jan Josef Karel Ladislav Miloš Miroslav Pavel Petr Václav "
            "Vladimír Zdeněk Luboš Ivo | Alena Eva Hana Jana Libuše Marie Věra Zdenka Jarmila "
            "Božena | b v h d k l m n p r ř s š t č ž ch st kr pr dv sv | a o e i u á é í ý ě "
            "| - - - n k l š r | ek ák ka ský ík an ec | ková áková ská íková ová cová | "
            "Prague Brno Bratislava Ostrava Plzeň Košice Olomouc"
        ),
        (
            "Hungary | András Béla Ferenc Gábor György István János József László Miklós Pál "
            "Sándor Tamás Zoltán | Ágnes Erzsébet Éva Ilona Judit Katalin Mária Zsuzsanna Nóra"
            " Piroska | b cs d f g gy h k l m n p r s sz t v zs | a á e é i o ó ö ő u ü | - - "
            "n r l k s t | i y ős ai ényi ás os | i y ős ai ényi ás os | Budapest Debrecen "
            "Szeged Pécs Győr Miskolc"
        ),
        (
            "Romania | Alexandru Constantin Dumitru Gheorghe Ion Mihai Mircea Nicolae Ștefan "
            "Vasile Radu Florin Cornel Adrian | Ana Elena Ioana Maria Nadia Simona Cristina "
            "Doina Mihaela Rodica | b c d f g l m n p r s ș t ț v z br cr st tr | a ă e i o u "
            "â ea | - - - n r l s | escu eanu aru ache ici oiu | escu eanu aru ache ici oiu | "
            "Bucharest Cluj Iași Timișoara Constanța Brașov"
        ),
        (
            "East Germany | Dieter Frank Hans Jörg Jürgen Klaus Lutz Manfred Peter Rolf Uwe "
            "Werner Wolfgang Falko | Birgit Gabriele Heike Karin Katrin Monika Petra Ute "
            "Sabine Renate | b br d f g h k kr l m n p r s sch st t w z | a e i o u ä ö ü ei "
            "au | - n r l s ch nd rt | er mann berg ke el hardt ner | er mann berg ke el hardt"
            " ner | Berlin Leipzig Dresden Rostock Magdeburg Erfurt Jena"
        ),
        (
            "Bulgaria | Georgi Dimitar Ivan Nikolai Petar Stefan Todor Hristo Vasil Lyubomir |"
            " Elena Maria Milena Radka Snezhana Tsvetana Yordanka | b v g d zh k l m n p r s t"
            " h ts st dr | a e i o u ya | - - n r l sh | ov ev ski in | ova eva ska ina | "
            "Sofia Plovdiv Varna Burgas Ruse"
        ),
    )
)
REGION_WEIGHTS = (40, 14, 12, 12, 10, 8, 4)


def _items(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


DESTINATIONS = _items(
    "United States|United Kingdom|West Germany|France|Austria|Canada|Sweden|Italy|Switzerland|"
    "Australia|Japan|Netherlands|Belgium|Spain|Denmark|Turkey|Finland|Norway|Greece"
)
PROFESSIONS = _items(
    "Ballet dancer|Chess player|Football player|Hockey player|KGB agent|GRU officer|"
    "Figure skater|Border guard|Film director|Opera singer|Diplomat|Pilot|Physicist|Author|"
    "Poet|Conductor|Pianist|Violinist|Gymnast|Engineer|Mathematician|Journalist|Sailor|"
    "Painter"
)
# Transliteration variants that give a synthetic record an alias (as in the real table).
FIRST_NAME_VARIANTS: dict[str, tuple[str, ...]] = {
    first: tuple(variants.split(","))
    for first, variants in (
        pair.split(":")
        for pair in _w(
            "Aleksandr:Alexander,Alexandr Alexei:Aleksei,Alexey Anatoly:Anatoli,Anatoliy "
            "Andrei:Andrey Dmitri:Dmitry,Dmitriy Fyodor:Fedor,Theodore Grigory:Grigori "
            "Mikhail:Michael,Mikhael Nikolai:Nikolay Pyotr:Peter,Petr Sergei:Sergey "
            "Vitaly:Vitali,Vitaliy Yevgeny:Evgeny,Eugene Yuri:Yury,Yuriy Natalia:Natalya "
            "Tatiana:Tatyana Yelena:Elena Lyudmila:Ludmila Georgi:Georgy"
        )
    )
}

PATRONYMICS = _w(
    "Aleksandrovich Alekseyevich Borisovich Ivanovich Mikhailovich Nikolayevich Petrovich "
    "Sergeyevich Vasilyevich Vladimirovich Yuryevich Fyodorovich Grigoryevich Pavlovich"
)
VOWELS = frozenset("aeiouyáéíóöőúüýăâäąęě")


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _surname(rng: random.Random, region: Region, female: bool) -> str:
    syllables = rng.choice((1, 2, 2, 2, 3))
    stem = "".join(
        rng.choice(region.onsets) + rng.choice(region.vowels) + rng.choice(region.codas)
        for _ in range(syllables)
    )
    suffix = rng.choice(region.female_suffixes if female else region.male_suffixes)
    if stem[-1] in VOWELS and suffix[0] in VOWELS:
        stem = stem[:-1]  # "Barya" + "ovsky" gives "Baryovsky", not "Baryaovsky"
    return _capitalise(stem + suffix)


def _synthetic_record(
    rng: random.Random, index: int, name: str, region: Region, first: str
) -> Defector:
    aliases: tuple[str, ...] = ()
    variants = FIRST_NAME_VARIANTS.get(first)
    if variants and rng.random() < 0.5:
        rest = name.split(" ", 1)[1]
        alias = f"{rng.choice(variants)} {rest}"
        if fold(alias) != fold(name):
            aliases = (alias,)
    method = rng.choice(list(Method))
    return Defector(
        slug=slugify(name),
        name=name,
        year=rng.randint(1920, 1990),
        aliases=aliases,
        profession=rng.choice(PROFESSIONS),
        birthplace=rng.choice(region.cities),
        birth_country=None,
        origin_country=region.country,
        destination_country=rng.choice(DESTINATIONS),
        defected_in=None,
        method=method,
        method_evidence=None if method is Method.UNKNOWN else "synthetic",
        notes=None,
        status=rng.choice((Status.DEFECTED,) * 8 + (Status.FAILED, Status.RETURNED)),
        source_line=100_000 + index,
        curated=False,
    )


def synthetic_catalogue(
    real: Sequence[Defector], size: int, seed: int
) -> tuple[tuple[Defector, ...], tuple[Defector, ...]]:
    """``size`` records: the real ones, then generated ones with unique folded names.

    Returns (all records, the synthetic ones alone).
    """
    rng = random.Random(seed)
    taken = {fold(record.name) for record in real}
    taken.update(fold(alias) for record in real for alias in record.aliases)
    synthetic: list[Defector] = []
    while len(real) + len(synthetic) < size:
        region = rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
        female = rng.random() < 0.3
        first = rng.choice(region.female if female else region.male)
        parts = [first]
        if region.country == "Soviet Union" and rng.random() < 0.1:
            # a patronymic, as in "Igor Vasilyevich Ivanov"
            patronymic = rng.choice(PATRONYMICS)
            parts.append(patronymic[:-3] + "na" if female else patronymic)
        elif rng.random() < 0.05:
            parts.append(rng.choice(region.female if female else region.male))
        surname = _surname(rng, region, female)
        if rng.random() < 0.03:
            surname = f"{surname}-{_surname(rng, region, female)}"
        parts.append(surname)
        name = " ".join(parts)
        key = fold(name)
        if key in taken:
            continue
        taken.add(key)
        synthetic.append(_synthetic_record(rng, len(synthetic), name, region, first))
    return (*real, *synthetic), tuple(synthetic)


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip in the last word: a dropped, doubled, swapped or wrong letter."""
    words = text.split()
    if not words or len(words[-1]) < 4:
        return text
    word = words[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap", "replace"))
    if kind == "drop":
        word = word[:i] + word[i + 1 :]
    elif kind == "double":
        word = word[:i] + word[i] + word[i:]
    elif kind == "swap":
        word = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    else:
        word = word[:i] + rng.choice("aeioukrstnl") + word[i + 1 :]
    return " ".join([*words[:-1], word])


def synthetic_queries(synthetic: Sequence[Defector], seed: int) -> list[str]:
    """Queries of synthetic names for the large catalogue, drawn deterministically: exact
    names, surnames, without accents, typos, then two kinds of prefix."""
    rng = random.Random(seed + 1)
    if len(synthetic) < 24:
        return []
    picks = [record.name for record in rng.sample(list(synthetic), 24)]
    queries = picks[:5] + [name.split()[-1] for name in picks[5:9]]
    queries += [fold(name) for name in picks[9:12]]
    queries += [typo(rng, fold(name)) for name in picks[12:18]]
    queries += [fold(name).split()[-1][: rng.randint(3, 5)] for name in picks[18:21]]
    queries += [f"{w[0]} {w[-1][:2]}" for w in (fold(name).split() for name in picks[21:24])]
    return queries


# -- timing -------------------------------------------------------------------------------


def time_queries(
    call: Callable[[str], object],
    queries: Sequence[str],
    repeats: int,
    warmup: bool,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> list[int]:
    """Nanoseconds of every call, ``repeats`` rounds over the whole query list.

    ``clock`` is wall time by default; ``time.thread_time_ns`` gives the CPU time the
    call itself used, without the time the scheduler gave other processes meanwhile.
    """
    if warmup:
        for query in queries:
            call(query)
    samples: list[int] = []
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for query in queries:
                start = clock()
                call(query)
                samples.append(clock() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


@dataclass(frozen=True)
class Figures:
    median_us: float
    p99_us: float
    samples: int

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> Figures:
        ordered = sorted(samples_ns)
        return cls(
            median_us=statistics.median(ordered) / 1000.0,
            p99_us=harness.percentile(ordered, 0.99) / 1000.0,
            samples=len(ordered),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "median_us": round(self.median_us, 2),
            "p99_us": round(self.p99_us, 2),
            "samples": self.samples,
        }


@dataclass(frozen=True)
class Row:
    size: int
    operation: str
    queries: int
    ours: Figures
    baseline: Figures
    target: float | None = TARGET_RATIO
    """The ratio to reach, or None for a figure only reported."""
    p99_limit_us: float | None = None
    """Our p99 must also stay at or under this, when set (CPU time when measured)."""
    ours_cpu: Figures | None = None
    """The same calls timed in thread CPU time (only where an absolute limit is set)."""

    @property
    def median_ratio(self) -> float:
        return self.baseline.median_us / self.ours.median_us

    @property
    def p99_ratio(self) -> float:
        return self.baseline.p99_us / self.ours.p99_us

    @property
    def meets_target(self) -> bool:
        return not self._misses()

    def _misses(self) -> list[str]:
        misses = []
        if self.target is not None:
            misses = [
                label
                for label, ratio in (("median", self.median_ratio), ("p99", self.p99_ratio))
                if ratio < self.target
            ]
        limited = self.ours_cpu or self.ours
        if self.p99_limit_us is not None and limited.p99_us > self.p99_limit_us:
            misses.append(f"p99 > {self.p99_limit_us / 1000:g} ms")
        return misses

    def to_dict(self) -> dict[str, object]:
        return {
            "size": self.size,
            "operation": self.operation,
            "queries": self.queries,
            "ours": self.ours.to_dict(),
            "baseline": self.baseline.to_dict(),
            "median_ratio": round(self.median_ratio, 2),
            "p99_ratio": round(self.p99_ratio, 2),
            "target_ratio": self.target,
            "p99_limit_us": self.p99_limit_us,
            "ours_cpu": None if self.ours_cpu is None else self.ours_cpu.to_dict(),
            "meets_target": self.meets_target,
        }


@dataclass(frozen=True)
class Plan:
    ours_repeats: int
    baseline_repeats: int
    query_stride: int = 1


def naive_fulltext(records: Sequence[Defector]) -> Callable[[str], object]:
    """The baseline: every record's texts folded once; a query counts its words in each."""
    texts = [
        fold(
            " ".join((r.name, *r.aliases, r.profession or "", r.birthplace or "", r.notes or ""))
            + " "
            + facts_text(r)
        )
        for r in records
    ]

    def call(query: str) -> object:
        words = [w for w in fold(query).split() if w not in STOP_WORDS]
        scored = [
            (found, i)
            for i, text in enumerate(texts)
            if (found := sum(1 for w in words if w in text))
        ]
        return heapq.nlargest(FULLTEXT_LIMIT, scored)

    return call


def built(make: Callable[[], T]) -> tuple[T, float]:
    """``make()`` and the milliseconds it took."""
    start = time.perf_counter_ns()
    return make(), (time.perf_counter_ns() - start) / 1e6


def compare(
    operation: str,
    size: int,
    calls: tuple[Callable[[str], object], Callable[[str], object]],
    queries: Sequence[str],
    plan: Plan,
    log: Callable[[str], None],
    target: float | None = TARGET_RATIO,
) -> Row:
    """Ours and the baseline timed on the same queries. The baseline is warmed up only where
    that is cheap (difflib and the scan have no lazy state to fill)."""
    ours_call, base_call = calls
    t0 = time.perf_counter()
    ours = time_queries(ours_call, queries, plan.ours_repeats, warmup=True)
    t1 = time.perf_counter()
    theirs = time_queries(base_call, queries, plan.baseline_repeats, warmup=size < 10_000)
    log(
        f"  {operation}: ours {t1 - t0:.1f} s ({plan.ours_repeats}x), "
        f"baseline {time.perf_counter() - t1:.1f} s ({plan.baseline_repeats}x)"
    )
    limit, cpu = None, None
    if operation == "autocomplete" and size >= LARGE_SIZE:
        # The absolute limit is on what a call costs: on a shared machine the wall-clock
        # tail is mostly the scheduler running someone else mid-call.
        limit = AUTOCOMPLETE_P99_LIMIT_US
        cpu = Figures.of(
            time_queries(ours_call, queries, plan.ours_repeats, False, time.thread_time_ns)
        )
        log(f"  {operation}: CPU time p99 {cpu.p99_us:,.1f} µs (median {cpu.median_us:,.1f})")
    return Row(size, operation, len(queries), Figures.of(ours), Figures.of(theirs), target,
               p99_limit_us=limit, ours_cpu=cpu)  # fmt: skip


def bench_size(
    records: Sequence[Defector], queries: Sequence[str], plan: Plan, log: Callable[[str], None]
) -> tuple[list[Row], float]:
    """Rows for autocomplete and lookup at one size, and the index build time in ms."""
    index, build_ms = built(lambda: SearchIndex(records))
    folded_names = [fold(record.name) for record in records]
    chosen = list(queries[:: plan.query_stride])
    log(f"  {len(records):,} records: index built in {build_ms:.0f} ms; {len(chosen)} queries")

    def difflib_at(limit: int) -> Callable[[str], object]:
        return lambda q: difflib.get_close_matches(fold(q), folded_names, limit, BASELINE_CUTOFF)

    size = len(records)
    rows = [
        compare("autocomplete", size, (lambda q: index.autocomplete(q, limit=AUTOCOMPLETE_LIMIT),
                difflib_at(AUTOCOMPLETE_LIMIT)), chosen, plan, log),
        compare("lookup", size, (lambda q: index.lookup(q, limit=LOOKUP_LIMIT),
                difflib_at(LOOKUP_LIMIT)), chosen, plan, log),
    ]  # fmt: skip
    return rows, build_ms


def bench_fulltext(
    records: Sequence[Defector], plan: Plan, log: Callable[[str], None]
) -> tuple[Row, float]:
    """The full-text row at one size, and the full-text index build time in ms."""
    fulltext, build_ms = built(lambda: FullTextIndex(records))
    log(f"  full text: index built in {build_ms:,.0f} ms")
    calls = (lambda q: fulltext.search(q, limit=FULLTEXT_LIMIT), naive_fulltext(records))
    queries = list(FULLTEXT_QUERIES[:: plan.query_stride])
    return compare("full text", len(records), calls, queries, plan, log, None), build_ms


def index_memory_mib(records: Sequence[Defector]) -> float:
    """Memory held by a freshly built index (records themselves excluded), in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = SearchIndex(records)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del index
    return held / (1024 * 1024)


# -- output -------------------------------------------------------------------------------


def table_rows(rows: Sequence[Row]) -> list[harness.Row]:
    """Median and p99 of each row against the baseline, and the p99 limit where set."""
    table = []
    for row in rows:
        where = f"{row.operation}, {row.size:,} records"
        target = f"≥ {row.target:g}x faster" if row.target else ""
        for stat, ratio in (("median", row.median_ratio), ("p99", row.p99_ratio)):
            ours, base = getattr(row.ours, f"{stat}_us"), getattr(row.baseline, f"{stat}_us")
            met = harness.at_least(ratio, row.target)
            table.append(harness.Row("lookup", f"{where}: {stat}", ours, base, "µs", ratio,
                                     speedup=True, target=target, met=met))  # fmt: skip
        if row.p99_limit_us is not None:
            limited = row.ours_cpu or row.ours
            figure = f"{where}: p99 CPU time" if row.ours_cpu else f"{where}: p99"
            table.append(harness.Row("lookup", figure, limited.p99_us, None, "µs",
                                     target=f"≤ {row.p99_limit_us:,.0f} µs",
                                     met=limited.p99_us <= row.p99_limit_us))  # fmt: skip
    return table


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = harness.parser(
        "bench.lookup",
        "Latency of catalogue autocomplete and lookup against difflib.",
        quick="fewer repeats (CI smoke run)",
        check=f"exit 1 if any ratio (median or p99) is below {TARGET_RATIO:g}",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="synthetic data seed")
    parser.add_argument(
        "--size", type=int, default=LARGE_SIZE, help="records in the synthetic catalogue"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc measurement")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    log = harness.log
    started = time.perf_counter()
    real = load_catalogue()
    if args.size < len(real):
        raise SystemExit(f"--size must be at least {len(real)}")
    t0 = time.perf_counter()
    large, synthetic = synthetic_catalogue(real, args.size, args.seed)
    log(
        f"synthetic catalogue: {len(large):,} records in {time.perf_counter() - t0:.1f} s "
        f"(seed {args.seed})"
    )

    fixed = list(FIXED_QUERIES)
    extra = synthetic_queries(synthetic, args.seed)
    if args.quick:
        small_plan = Plan(ours_repeats=20, baseline_repeats=3)
        large_plan = Plan(ours_repeats=3, baseline_repeats=1, query_stride=8)
    else:
        small_plan = Plan(ours_repeats=200, baseline_repeats=30)
        large_plan = Plan(ours_repeats=10, baseline_repeats=1)

    rows: list[Row] = []
    builds: dict[int, float] = {}
    log(f"real catalogue ({'quick' if args.quick else 'full'} run)")
    small_rows, builds[len(real)] = bench_size(real, fixed, small_plan, log)
    rows.extend(small_rows)
    log("synthetic catalogue")
    large_rows, builds[len(large)] = bench_size(large, fixed + extra, large_plan, log)
    rows.extend(large_rows)
    fulltext_builds: dict[int, float] = {}
    log("full text")
    for catalogue, plan in ((real, small_plan), (large, large_plan)):
        row, fulltext_builds[len(catalogue)] = bench_fulltext(catalogue, plan, log)
        rows.append(row)

    memory = None if args.no_memory or args.quick else index_memory_mib(large)
    elapsed = time.perf_counter() - started
    ok = all(row.meets_target for row in rows)

    document = {
        "target_ratio": TARGET_RATIO,
        "quick": args.quick,
        "seed": args.seed,
        "python": platform.python_version(),
        "baseline": "difflib.get_close_matches(fold(q), folded_names, n=limit, cutoff=0.6)",
        "limits": {"autocomplete": AUTOCOMPLETE_LIMIT, "lookup": LOOKUP_LIMIT},
        "queries": {"fixed": len(fixed), "synthetic": len(extra)},
        "index_build_ms": {str(size): round(ms, 1) for size, ms in builds.items()},
        "fulltext_build_ms": {str(size): round(ms, 1) for size, ms in fulltext_builds.items()},
        "fulltext_baseline": "naive scan: count of the query's words in each folded text",
        "index_memory_mib": None if memory is None else round(memory, 1),
        "rows": [row.to_dict() for row in rows],
        "all_meet_target": ok,
        "elapsed_s": round(elapsed, 1),
    }
    after = [f"index build, {size:,} records: {ms:,.0f} ms" for size, ms in builds.items()]
    after += [f"full-text index build, {n:,} records: {ms:,.0f} ms"
              for n, ms in fulltext_builds.items()]  # fmt: skip
    after += [
        f"{row.operation}, {row.size:,} records, CPU time per call: median "
        f"{row.ours_cpu.median_us:,.1f} µs, p99 {row.ours_cpu.p99_us:,.1f} µs "
        f"(target ≤ {AUTOCOMPLETE_P99_LIMIT_US:,.0f} µs)"
        for row in rows
        if row.ours_cpu is not None
    ]
    after += [
        "index memory: not measured (--quick or --no-memory)" if memory is None
        else f"index memory, {len(large):,} records (tracemalloc): {memory:,.1f} MiB",
        f"all ratios meet the target: {'yes' if ok else 'no'}",
        f"elapsed: {elapsed:.1f} s",
    ]  # fmt: skip
    harness.print_figures(
        table_rows(rows), args.json, document,
        f"Catalogue search vs difflib.get_close_matches (cutoff {BASELINE_CUTOFF}), "
        f"per-query latency; target: ratio ≥ {TARGET_RATIO:g}x",
        f"{len(fixed)} fixed queries at both sizes, plus {len(extra)} synthetic-name "
        f"queries at {len(large):,}; limits: autocomplete {AUTOCOMPLETE_LIMIT}, "
        f"lookup {LOOKUP_LIMIT}{'; quick run' if args.quick else ''}",
        after=after,
    )  # fmt: skip
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
