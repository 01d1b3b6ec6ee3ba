"""How a report writes down an officer, so one officer written two ways still matches.

Two sets of rules live here. The blind index's (`normalise_number`,
`normalise_name`) are frozen: reports already indexed keep their tags, so a
change would stop them linking to new ones. Version 1 canonical identifiers
(`identifiers`), which matching escrow tags, read more ranks and the order of
a name; a change to them needs a version 2, never an edit, for the same reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from portal.core.vocabulary import ENGLAND_AND_WALES, OTHER_UK_FORCES

# The forces an officer can be identified within: not "", "other" or "unknown".
KNOWN_FORCES = frozenset(ENGLAND_AND_WALES + OTHER_UK_FORCES)
VERSION = "v1"

# The blind index's rules (frozen, see above).
_RANKS = r"(?:pc|wpc|dc|ps|ds|sgt|sergeant|insp|inspector|di|dci|dsupt|supt|ch|cst|const|constable)"
_TITLES = {
    "pc",
    "wpc",
    "dc",
    "ps",
    "ds",
    "sgt",
    "sergeant",
    "insp",
    "inspector",
    "di",
    "dci",
    "supt",
    "superintendent",
    "constable",
    "officer",
    "detective",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "chief",
}

# Version 1: the index's ranks and titles and the ones it missed. A number may
# also be written after "No." or "collar", and ranks run together ("Ch Supt").
_V1_NUMBER_PREFIXES = (
    "detective",
    "sergeant",
    "inspector",
    "superintendent",
    "constable",
    "officer",
    "warrant",
    "collar",
    "number",
    "chief",
    "const",
    "dsupt",
    "supt",
    "insp",
    "sgt",
    "wpc",
    "wdc",
    "dci",
    "dcs",
    "cst",
    "det",
    "pc",
    "dc",
    "ps",
    "ds",
    "di",
    "ch",
    "no",
)
_V1_NUMBER_PREFIX = re.compile(rf"^(?:{'|'.join(_V1_NUMBER_PREFIXES)})+(?=\d)")
_V1_TITLES = _TITLES | {"wdc", "dcs", "dsupt", "det", "cst", "const", "ch", "mx", "acting"}
# Particles taken into a surname when they come before its last word ("de la Cruz").
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "st"}
# Hyphens and apostrophes join the parts of one name: Smith-Jones, O'Brien.
_JOINERS = re.compile(r"[-\u2010\u2011\u2012\u2013'\u2019\u02bc`]")


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def normalise_number(number: str) -> str:
    """A collar or warrant number without spacing, punctuation, case or a rank prefix."""
    compact = re.sub(r"[^a-z0-9]", "", _fold(number))
    return re.sub(rf"^{_RANKS}(?=\d)", "", compact)


def normalise_name(name: str) -> str:
    """A name without case, accents, punctuation, titles or word order."""
    words = re.findall(r"[a-z]+", _fold(name))
    return " ".join(sorted(w for w in words if w not in _TITLES))


def identifiers(force: str, name: str, number: str) -> list[str]:
    """The version 1 identifiers of one officer: of their number, then of their name.

    An officer is identified only within a known force, so an empty, "other",
    "unknown" or unlisted force gives none. Number: `v1|<force>|number|<n>`,
    see `canonical_number`. Name: `v1|<force>|name|<surname>|<initial>`, see
    `canonical_name`.
    """
    if force not in KNOWN_FORCES or "|" in force:
        return []
    found = []
    if canonical := canonical_number(number):
        found.append(f"{VERSION}|{force}|number|{canonical}")
    if parts := canonical_name(name):
        found.append(f"{VERSION}|{force}|name|{parts[0]}|{parts[1]}")
    return found


def canonical_number(number: str) -> str:
    """A collar or warrant number as version 1 writes it, or "" for no number.

    Case, accents, spacing and punctuation go (after NFKC), then a leading run of
    ranks or "No." when a digit follows ("PC 4471", "Ch Supt 12", "No. 4471").
    Letters left after that are kept: in the Metropolitan Police "4471AB" names
    a borough as well as a number, so it is not the same officer as "4471". A
    number without a digit ("unknown", "PC") is no number.
    """
    compact = re.sub(r"[^a-z0-9]", "", _fold(unicodedata.normalize("NFKC", number)))
    stripped = _V1_NUMBER_PREFIX.sub("", compact)
    return stripped if any(ch.isdigit() for ch in stripped) else ""


def canonical_name(name: str) -> tuple[str, str] | None:
    """(surname, first initial) as version 1 writes a name, or None when no name is left.

    After NFKC, case, accents and punctuation go; hyphens and apostrophes join
    ("Smith-Jones" is smithjones, "O'Brien" obrien); titles and ranks before a
    name are dropped. With a comma the surname is all before it ("HART, Daniel",
    "Van der Berg, Anna"); without, it is the last word with the particles just
    before it ("Anna van der Berg", "Da Silva"), or the first word when only initials
    follow, the way police lists write names ("HART D"). The initial is the
    first letter of the first given name, or "" when only a surname is given.
    A surname of one Latin letter is an initial, and no name.
    """
    surname_part, comma, given_part = name.partition(",")
    if comma and (surname := _without_titles(_words(surname_part))):
        given = _without_titles(_words(given_part))
        return _named("".join(surname), given)
    words = _without_titles(_words(name))
    if not words:
        return None
    if len(words) > 1 and len(words[0]) > 1 and all(len(word) == 1 for word in words[1:]):
        return _named(words[0], words[1:])
    start = len(words) - 1
    while start > 0 and words[start - 1] in _PARTICLES:
        start -= 1
    return _named("".join(words[start:]), words[:start])


def _named(surname: str, given: list[str]) -> tuple[str, str] | None:
    # A lone Latin letter ("PC D") is an initial, not a surname to link reports by.
    if len(surname) == 1 and surname.isascii():
        return None
    return surname, given[0][0] if given else ""


def _words(text: str) -> list[str]:
    """The words of a name, folded; words with digits in them are not names."""
    folded = _JOINERS.sub("", _fold(unicodedata.normalize("NFKC", text)))
    return [
        word
        for word in re.split(r"[\W_]+", folded)
        if word and not any(ch.isdigit() for ch in word)
    ]


def _without_titles(words: list[str]) -> list[str]:
    start = 0
    while start < len(words) and words[start] in _V1_TITLES:
        start += 1
    return words[start:]


def officer_identifiers(account: dict[str, Any]) -> list[str]:
    """The identifiers of every officer a report's account names, in order, each once."""
    force = str(account.get("force") or "")
    rows = account.get("officers") or []
    return list(dict.fromkeys(_identifiers_of_rows(force, rows)))


def _identifiers_of_rows(force: str, rows: Iterable[Any]) -> Iterable[str]:
    for row in rows:
        if isinstance(row, dict):
            yield from identifiers(force, str(row.get("name") or ""), str(row.get("number") or ""))
