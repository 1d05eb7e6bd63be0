"""Country names as players type them: synonyms, abbreviations and demonyms.

Every key is folded (``bot.catalog.normalize.fold``); every value is a country as the
catalogue spells it.
"""

from __future__ import annotations

from bot.catalog.normalize import fold

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Soviet Union": (
        "soviet union", "the soviet union", "ussr", "u s s r", "the ussr", "soviet", "soviets",
        "cccp", "sssr", "union of soviet socialist republics",
    ),
    "East Germany": (
        "east germany", "gdr", "g d r", "ddr", "d d r", "east german",
        "german democratic republic", "e germany",
    ),
    "West Germany": (
        "west germany", "frg", "f r g", "brd", "b r d", "west german",
        "federal republic of germany", "w germany",
    ),
    "Germany": ("germany", "german", "deutschland"),
    "United States": (
        "united states", "the united states", "us", "u s", "usa", "u s a", "america",
        "united states of america", "the us", "the usa", "the states", "american", "states",
    ),
    "United Kingdom": (
        "united kingdom", "the united kingdom", "uk", "u k", "the uk", "britain",
        "great britain", "british", "gb", "england", "english",
    ),
    "Poland": ("poland", "polish", "pl"),
    "Czechoslovakia": ("czechoslovakia", "czechoslovak", "czechoslovakian", "cssr", "csr"),
    "Hungary": ("hungary", "hungarian", "magyarorszag"),
    "Romania": ("romania", "romanian", "rumania", "roumania", "rumanian"),
    "Bulgaria": ("bulgaria", "bulgarian"),
    "Albania": ("albania", "albanian"),
    "China": ("china", "chinese", "prc", "peoples republic of china"),
    "Russia": ("russia", "russian", "russian federation"),
    "Ukraine": ("ukraine", "ukrainian", "the ukraine"),
    "Belarus": ("belarus", "belarusian", "byelorussia", "belorussia"),
    "Georgia": ("georgia", "georgian", "sakartvelo"),
    "Latvia": ("latvia", "latvian"),
    "Lithuania": ("lithuania", "lithuanian"),
    "Estonia": ("estonia", "estonian"),
    "Turkmenistan": ("turkmenistan", "turkmen"),
    "France": ("france", "french"),
    "Canada": ("canada", "canadian"),
    "Sweden": ("sweden", "swedish", "swede"),
    "Austria": ("austria", "austrian"),
    "Italy": ("italy", "italian"),
    "Spain": ("spain", "spanish"),
    "Japan": ("japan", "japanese"),
    "Turkey": ("turkey", "turkish", "turkiye"),
    "Australia": ("australia", "australian"),
    "Belgium": ("belgium", "belgian"),
    "Denmark": ("denmark", "danish"),
    "Switzerland": ("switzerland", "swiss"),
    "Netherlands": ("netherlands", "the netherlands", "holland", "dutch"),
    "South Korea": ("south korea", "korea", "republic of korea", "rok", "south korean"),
    "North Korea": ("north korea", "dprk", "north korean"),
    "Finland": ("finland", "finnish"),
    "Iceland": ("iceland", "icelandic"),
    "Philippines": ("philippines", "the philippines", "filipino", "philippine"),
    "Yugoslavia": ("yugoslavia", "yugoslav", "yugoslavian"),
    "Luxembourg": ("luxembourg", "luxemburg", "luxembourgish"),
    "Manchukuo": ("manchukuo", "manchuria", "manchoukuo"),
    "Iran": ("iran", "iranian", "persia"),
    "India": ("india", "indian"),
    "Pakistan": ("pakistan", "pakistani"),
    "Greece": ("greece", "greek"),
    "Norway": ("norway", "norwegian"),
    "Czech Republic": ("czech republic", "czechia", "czech"),
    "Slovakia": ("slovakia", "slovak"),
}  # fmt: skip

# Answers that are near the truth but not it: said "close", never scored.
_CLOSE: dict[str, frozenset[str]] = {
    "Soviet Union": frozenset({"Russia"}),
    "East Germany": frozenset({"Germany"}),
    "West Germany": frozenset({"Germany"}),
    "Germany": frozenset({"East Germany", "West Germany"}),
}

VARIANTS: dict[str, str] = {
    fold(variant): country for country, variants in _SYNONYMS.items() for variant in variants
}
COUNTRIES: tuple[str, ...] = tuple(_SYNONYMS)

# Regions used for plausible distractors and hints.
REGIONS: dict[str, str] = {
    **dict.fromkeys(
        ["Soviet Union", "Russia", "Ukraine", "Belarus", "Latvia", "Lithuania", "Estonia"],
        "the Soviet sphere",
    ),
    **dict.fromkeys(["Georgia", "Turkmenistan"], "the Caucasus and Central Asia"),
    **dict.fromkeys(
        ["East Germany", "Poland", "Czechoslovakia", "Hungary", "Czech Republic", "Slovakia"],
        "Central Europe",
    ),
    **dict.fromkeys(["Romania", "Bulgaria", "Albania", "Yugoslavia", "Greece"], "the Balkans"),
    **dict.fromkeys(
        ["West Germany", "Germany", "Austria", "Switzerland", "France", "Belgium",
         "Netherlands", "Luxembourg"],
        "Western Europe",
    ),
    **dict.fromkeys(["Italy", "Spain"], "Southern Europe"),
    **dict.fromkeys(["United Kingdom"], "the British Isles"),
    **dict.fromkeys(["Sweden", "Denmark", "Finland", "Iceland", "Norway"], "the Nordic countries"),
    **dict.fromkeys(["United States", "Canada"], "North America"),
    **dict.fromkeys(
        ["China", "Japan", "South Korea", "North Korea", "Philippines", "Manchukuo"], "East Asia"
    ),
    **dict.fromkeys(["Australia"], "Oceania"),
    **dict.fromkeys(["Turkey", "Iran", "India", "Pakistan"], "the Middle East and South Asia"),
}  # fmt: skip


def canonical_country(text: str) -> str | None:
    """The country a player's text names exactly (after folding), or None."""
    folded = fold(text)
    if folded.startswith("the ") and folded not in VARIANTS:
        folded = folded[4:]
    return VARIANTS.get(folded)


def is_close_country(expected: str, given: str) -> bool:
    return given in _CLOSE.get(expected, frozenset())


def region_of(country: str) -> str | None:
    return REGIONS.get(country)
