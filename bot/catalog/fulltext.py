"""Full-text search: find people by what they did ("stalin's daughter", "mig-25 pilot").

A tantivy index held in memory, built once from the records: no files, no database, no
discord (so it belongs with the other pure catalogue code). Each person is one document with
the fields a reader remembers them by:

* ``name``: the name and aliases;
* ``profession``, ``birthplace`` and ``notes``: the table's own cells;
* ``facts``: what the curated data adds in words: the countries left, born in and gone to,
  where it happened, the method ("flew or hijacked a plane"), the status, year and decade,
  and the other countries and methods the row supports (its ``also_*`` readings);
* ``synonyms``: the other words a reader uses for what the texts say (see ``SYNONYMS``).

Text is folded first with :func:`bot.catalog.normalize.fold` (accents, case, punctuation:
"MiG-25" and "mig 25" are the same two words, and so is "mig25"), then tokenised and stemmed
by tantivy's English stemmer ("defected", "defection" → "defect"). Ranking is tantivy's BM25,
with field boosts so that a word in someone's name or profession counts for more than one in
a note; a query's words next to each other in a text (a phrase) count for more again. Every
content word must match (stop words are dropped); a query of three words or more that finds
nobody is retried allowing one word to miss. Words of five letters or more also match with
one typo, of eight or more with two ("grandmster", "defecton").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import tantivy

from bot.catalog.models import Defector
from bot.catalog.normalize import fold
from bot.catalog.vocab import Method, Status

MAX_QUERY_CHARS = 200
MAX_WORDS = 12

_ANALYZER = "defector_en"
_PLAIN_ANALYZER = "defector_plain"

# Field → how much a word found there counts.
FIELD_BOOSTS: dict[str, float] = {
    "name": 3.0,
    "profession": 2.5,
    "notes": 1.5,
    "birthplace": 1.0,
    "facts": 1.0,
    "synonyms": 0.8,
}
# The table's own words unstemmed (and their stems), for typos: a typo can change a word's
# stem ("hocky" stems to "hocki", three edits from "hockey"), not its letters by more than two.
_PLAIN = "plain"
_PLAIN_BOOST = 1.2
_PHRASE_FIELDS = ("name", "profession", "notes", "facts")
_PHRASE_BOOST = 2.0

# Groups of words and phrases (folded) that mean the same to a reader. When a person's
# texts contain any member of a group, every member is added to their ``synonyms`` field,
# so a query with any of them finds the person.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("soviet union", "ussr", "soviet", "soviets", "u s s r"),
    ("russia", "russian", "russians"),
    ("united states", "u s", "us", "usa", "u s a", "america", "american", "americans"),
    ("united kingdom", "uk", "u k", "britain", "great britain", "british", "england"),
    ("east germany", "gdr", "ddr", "east german", "east germans"),
    ("west germany", "frg", "west german"),
    ("germany", "german", "germans"),
    ("hungary", "hungarian", "hungarians"),
    ("poland", "polish", "pole", "poles"),
    ("czechoslovakia", "czechoslovak", "czech", "czechs"),
    ("romania", "romanian", "romanians"),
    ("bulgaria", "bulgarian"),
    ("albania", "albanian"),
    ("china", "chinese"),
    ("japan", "japanese"),
    ("canada", "canadian"),
    ("france", "french"),
    ("sweden", "swedish"),
    ("spy", "spies", "spying", "espionage"),
    ("fly", "flew", "flown", "flying", "flight"),
    ("run", "ran", "running"),
    ("swim", "swam", "swum", "swimming"),
    ("flee", "fled", "fleeing"),
    ("seek", "sought"),
    ("football", "footballer", "soccer"),
    ("ballet", "ballerina"),
    ("plane", "aircraft", "airplane", "jet"),
)
# One-way: the secret police agencies are "secret police" and "spy" to a reader, but a
# person called a spy was not necessarily KGB.
SECRET_POLICE = (
    "kgb",
    "nkvd",
    "ogpu",
    "gpu",
    "mgb",
    "cheka",
    "stasi",
    "securitate",
    "stb",
    "avh",
    "avo",
)
_SECRET_POLICE_WORDS = "secret police spy"

_STOP_WORDS_TEXT = """a an the of in on at to from for by with and or but who whom whose what
    which that
    this these those was were is are be been being he she his her him hers they their them
    it its as into than then also did does do had has have about me my i you your s who
    someone somebody person people guy"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_DIGIT = re.compile(r"[0-9]")
_DIGIT_BOUNDARY = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_DECADE_FULL = re.compile(r"\b(1[89][0-9]0) s\b")
_DECADE_SHORT = re.compile(r"\b([1-9]0) s\b")
_DECADE_WORDS = {
    "twenties": "decade1920",
    "thirties": "decade1930",
    "forties": "decade1940",
    "fifties": "decade1950",
    "sixties": "decade1960",
    "seventies": "decade1970",
    "eighties": "decade1980",
    "nineties": "decade1990",
}
_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]+)[\"“”„«»]")


def prepare(text: str) -> str:
    """Fold ``text`` and spell numbers the way the index does.

    >>> prepare("MiG-25 in the 1960s")
    'mig 25 in the decade1960'
    """
    folded = fold(text)
    if _DIGIT.search(folded):
        folded = _DIGIT_BOUNDARY.sub(" ", folded)
        if "0 s" in folded:
            folded = _DECADE_FULL.sub(r"decade\1", folded)
            folded = _DECADE_SHORT.sub(lambda m: f"decade19{m.group(1)}", folded)
    if "ties" not in folded:
        return folded
    return " ".join(_DECADE_WORDS.get(word, word) for word in folded.split())


# Each synonym group as the words it adds; one-word members found by a set lookup, longer
# ones by a substring test (one pass each over a record's text, not a regex per group).
_GROUP_WORDS = [" ".join(group) for group in SYNONYMS]
_SINGLE_WORD = {
    member: i for i, group in enumerate(SYNONYMS) for member in group if " " not in member
}
_MULTI_WORD = [
    (f" {member} ", i) for i, group in enumerate(SYNONYMS) for member in group if " " in member
]
_SECRET_POLICE_SET = frozenset(SECRET_POLICE)


def synonyms_of(prepared: str) -> str:
    """The synonym words to add for a prepared text."""
    words = set(prepared.split())
    groups = {_SINGLE_WORD[word] for word in words & _SINGLE_WORD.keys()}
    padded = f" {prepared} "
    groups.update(i for member, i in _MULTI_WORD if i not in groups and member in padded)
    extra = [_GROUP_WORDS[i] for i in sorted(groups)]
    if words & _SECRET_POLICE_SET:
        extra.append(_SECRET_POLICE_WORDS)
    return " ".join(extra)


def facts_text(record: Defector) -> str:
    """The curated facts in words, for the ``facts`` field: the other readings a row supports
    (``also_*`` in data/curated.toml) as well as the main ones, since a reader may remember
    either ("flew him to Washington": went to the United States)."""
    parts = [
        *(f"left {country}" for country in record.origins),
        f"born in {record.birth_country}" if record.birth_country else "",
        *(f"went to {country}" for country in record.destinations),
        f"in {record.defected_in}" if record.defected_in else "",
        record.method.label,
        record.method.phrase,
        *(f"{Method(r.value).label} {Method(r.value).phrase}" for r in record.also_methods),
        {
            Status.DEFECTED: "defected",
            Status.FAILED: "tried to defect failed caught arrested",
            Status.RETURNED: "defected returned went back",
        }[record.status],
        str(record.year),
        f"{record.decade}s",
    ]
    return " ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class Hit:
    record: Defector
    score: float
    matched: tuple[str, ...] = ()
    """The query's words found in the record (empty unless asked for)."""


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    """As typed, folded."""
    query: tantivy.Query


def _analyzer(*, stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


class FullTextIndex:
    """A tantivy index over ``records``, in memory."""

    def __init__(self, records: Iterable[Defector]) -> None:
        self.records: tuple[Defector, ...] = tuple(records)
        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field("position", stored=False, fast=True, indexed=False)
        for field in FIELD_BOOSTS:
            builder.add_text_field(field, stored=False, tokenizer_name=_ANALYZER)
        builder.add_text_field(
            _PLAIN, stored=False, tokenizer_name=_PLAIN_ANALYZER, index_option="basic"
        )
        self._schema = builder.build()
        self._index = tantivy.Index(self._schema)
        self._analyzer = _analyzer(stem=True)
        self._index.register_tokenizer(_ANALYZER, self._analyzer)
        self._index.register_tokenizer(_PLAIN_ANALYZER, _analyzer(stem=False))
        writer = self._index.writer(heap_size=64_000_000, num_threads=1)
        for position, record in enumerate(self.records):
            fields = {
                "name": prepare(" ".join((record.name, *record.aliases))),
                "profession": prepare(record.profession or ""),
                "notes": prepare(record.notes or ""),
                "birthplace": prepare(record.birthplace or ""),
                "facts": prepare(facts_text(record)),
            }
            fields["synonyms"] = synonyms_of(" ".join(fields.values()))
            plain = " ".join(
                (fields["name"], fields["profession"], fields["notes"], fields["birthplace"])
            )
            # With the stems too: "jumpd" is one edit from "jump" (of "jumping").
            fields[_PLAIN] = plain + " " + " ".join(self._stems(plain))
            document = tantivy.Document(**fields)
            document.add_unsigned("position", position)
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
        self._searcher = self._index.searcher()

    def __len__(self) -> int:
        return len(self.records)

    # -- building a query ----------------------------------------------------------------

    def _stems(self, word: str) -> list[str]:
        return [str(token) for token in self._analyzer.analyze(word)]

    def _word_query(self, word: str) -> tantivy.Query | None:
        stems = self._stems(word)
        if not stems:
            return None
        stem = stems[0]
        clauses = [
            tantivy.Query.boost_query(tantivy.Query.term_query(self._schema, field, stem), boost)
            for field, boost in FIELD_BOOSTS.items()
        ]
        if word.isalpha() and len(word) >= 5:
            # A typo scores a constant, below the same word spelled right.
            distance = 2 if len(word) >= 9 else 1
            fuzzy = tantivy.Query.fuzzy_term_query(self._schema, _PLAIN, word, distance)
            clauses.append(tantivy.Query.boost_query(fuzzy, _PLAIN_BOOST))
        return tantivy.Query.disjunction_max_query(clauses, tie_breaker=0.1)

    def _phrase_query(self, words: Sequence[str], slop: int) -> tantivy.Query | None:
        stems: list[str | tuple[int, str]] = [stem for word in words for stem in self._stems(word)]
        if len(stems) < 2:
            return None
        return tantivy.Query.disjunction_max_query(
            [
                tantivy.Query.phrase_query(self._schema, field, stems, slop=slop)
                for field in _PHRASE_FIELDS
            ]
        )

    def _parse(self, query: str) -> tuple[list[_Word], list[tantivy.Query]]:
        """The query's content words and its quoted phrases."""
        text = query
        if len(text) > MAX_QUERY_CHARS:
            # Cut at a space: half a word at the end would be a word no one has.
            text = text[:MAX_QUERY_CHARS].rsplit(maxsplit=1)[0]
        phrases: list[tantivy.Query] = []
        for quoted in _QUOTED.findall(text):
            phrase = self._phrase_query(prepare(quoted).split(), slop=0)
            if phrase is not None:
                phrases.append(phrase)
        words = prepare(_QUOTED.sub(lambda m: " " + m.group(1) + " ", text)).split()
        content = [w for w in words if w not in STOP_WORDS]
        unique = list(dict.fromkeys(content))[:MAX_WORDS]
        parsed: list[_Word] = []
        for word in unique:
            word_query = self._word_query(word)
            if word_query is not None:
                parsed.append(_Word(word, word_query))
        return parsed, phrases

    # -- searching -----------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 10, explain: bool = False) -> list[Hit]:
        """The people ``query`` describes, best first; nothing for nonsense."""
        words, phrases = self._parse(query)
        if not words or limit < 1:
            return []
        Occur = tantivy.Occur
        extra: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (Occur.Must, phrase) for phrase in phrases
        ]
        near = self._phrase_query([w.text for w in words], slop=2)
        if near is not None:
            extra.append((Occur.Should, tantivy.Query.boost_query(near, _PHRASE_BOOST)))
        strict = tantivy.Query.boolean_query([(Occur.Must, w.query) for w in words] + extra)
        hits = self._run(strict, limit)
        if not hits and len(words) >= 3:
            most = tantivy.Query.boolean_query(
                [(Occur.Should, w.query) for w in words],
                minimum_number_should_match=len(words) - 1,
            )
            loose = tantivy.Query.boolean_query([(Occur.Must, most), *extra])
            hits = self._run(loose, limit)
        if not explain:
            return [Hit(self.records[position], score) for score, position, _ in hits]
        return [
            Hit(self.records[position], score, self._matched(words, address))
            for score, position, address in hits
        ]

    def _run(self, query: tantivy.Query, limit: int) -> list[tuple[float, int, tantivy.DocAddress]]:
        result = self._searcher.search(query, limit, count=False)
        addresses = [address for _, address in result.hits]
        positions = self._searcher.fast_field_values("position", addresses)
        return [
            (round(float(score), 2), int(position), address)
            for (score, address), position in zip(result.hits, positions, strict=True)
            if position is not None
        ]

    def _matched(self, words: Sequence[_Word], address: tantivy.DocAddress) -> tuple[str, ...]:
        found: list[str] = []
        for word in words:
            try:
                word.query.explain(self._searcher, address)
            except ValueError:
                continue
            found.append(_shown(word.text))
        return tuple(found)


def _shown(word: str) -> str:
    """A query word as a person would write it ("decade1960" → "1960s")."""
    return f"{word[6:]}s" if word.startswith("decade") and word[6:].isdigit() else word


def build_fulltext(records: Sequence[Defector]) -> FullTextIndex:
    return FullTextIndex(records)
