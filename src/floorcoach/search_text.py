"""The one rule for matching what someone types against names, teams and behaviours.

A supervisor types `zoe` for Zoë Ångström and `fashion` for the team "Fashion": case and
accents never decide whether something is found. Every search (the app's pickers, the
employee list, the palette, the command line's `--employee` and `--team`) folds both
sides with `fold` and compares the results; the behaviour filter ranks what it finds
(`behaviour_matches`).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from floorcoach.models import Behaviour

# Letters that carry no combining mark to strip, but that people type without the accent.
_PLAIN = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t"})


def fold(text: str) -> str:
    """`text` without case or accents: Unicode case folding, then the combining marks of
    its compatibility decomposition dropped (`Zoë Ångström` → `zoe angstrom`,
    `Straße` → `strasse`)."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def contains(haystack: str, needle: str) -> bool:
    """Whether `needle` occurs in `haystack`, ignoring case and accents."""
    return fold(needle) in fold(haystack)


def add_fold_function(conn: sqlite3.Connection) -> None:
    """Make `fold(text)` callable in SQL on this connection, so a query filters by the same
    rule before it pages (`WHERE instr(fold(name), ?) > 0 … LIMIT n`)."""
    conn.create_function("fold", 1, _fold_or_null, deterministic=True)


def _fold_or_null(value: object) -> str | None:
    return None if value is None else fold(str(value))


class Match(NamedTuple):
    """One behaviour found by a filter: how well it matched, and where if not its title."""

    behaviour: Behaviour
    rank: int  # TITLE_WORDS, TITLE or ELSEWHERE: lower is better
    where: str  # "" for a title match, else e.g. "look-for: Hands over to a colleague…"


TITLE_WORDS, TITLE, ELSEWHERE = 0, 1, 2
_WORD = re.compile(r"\w+")


def title_words(title: str) -> list[str]:
    """The folded words of a title, for matching word starts."""
    return _WORD.findall(fold(title))


def behaviour_matches(behaviours: Iterable[Behaviour], text: str) -> list[Match]:
    """The behaviours every typed word finds, best first, keeping the given order within a rank.

    A title whose words start with what was typed ranks first (`hand` finds "Gives a clear
    handover"), then a title that contains it anywhere, then a behaviour found only in its
    look-fors, standard, touch point or id, with `where` saying which, so the list can
    show why it is there.
    """
    words = fold(text).split()
    found: list[Match] = []
    for behaviour in behaviours:
        title = fold(behaviour.title)
        starts = title_words(behaviour.title)
        if all(any(w.startswith(word) for w in starts) for word in words):
            found.append(Match(behaviour, TITLE_WORDS, ""))
            continue
        if all(word in title for word in words):
            found.append(Match(behaviour, TITLE, ""))
            continue
        places = [
            *(("look-for", look_for) for look_for in behaviour.look_fors),
            ("standard", behaviour.standard),
            ("touch point", behaviour.touch_point),
            ("id", behaviour.id),
        ]
        everything = " ".join([title, *(fold(value) for _, value in places)])
        if not all(word in everything for word in words):
            continue
        missing = [word for word in words if word not in title]
        where = next(
            f"{name}: {value}"
            for name, value in places
            if any(word in fold(value) for word in missing)
        )
        found.append(Match(behaviour, ELSEWHERE, where))
    return sorted(found, key=lambda match: match.rank)
