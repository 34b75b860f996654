"""app/schedules/keys.py: schedule name <-> Redis key, one-to-one and never internal.

hypothesis is not installed, so the property is checked over a large generated table:
every tricky prefix crossed with every tricky body.
"""

import itertools

import pytest

from app.core.constants import (
    OWN_PREFIX,
    REDBEAT_LOCK_KEY,
    REDBEAT_PREFIX,
    REDBEAT_SCHEDULE_KEY,
)
from app.schedules.keys import entry_key, name_from_key
from app.schedules.spec import validate_name

REDBEAT_INTERNAL = REDBEAT_PREFIX + ":"  # "redbeat::", RedBeat's own bookkeeping
PREFIXES = [
    "",
    ":",
    "::",
    "%",
    "%%",
    "%3A",
    "%41",
    "%25",
    ":%",
    "%:",
    "redbeat:",
    "redbeat::",
    REDBEAT_PREFIX,
    OWN_PREFIX,
    "a ",  # an inner space (a name may not start with one)
    "a:",
]
BODIES = [
    "",
    "schedule",
    "lock",
    "statics",
    ":schedule",
    ":lock",
    "a:b",
    "%",
    "%41",
    "%zz",
    "주간업데이트",
    "테스트_크롤링",
    "🚀",
    "é",
    "e\u0301",  # the same letter decomposed: a different name, a different key
    "*?[]",
    "+ /",
    "x" * 150,
]
# Valid names only: none blank, none with whitespace at either end (" :lock" is refused).
NAMES = sorted(
    {p + b for p, b in itertools.product(PREFIXES, BODIES) if (p + b).strip() == p + b != ""}
)
# Names straight from the brief and the seeds, kept visible.
NAMED = [":schedule", ":lock", "%41", "%", "a:b", "주간업데이트", "🚀", "커스텀 수집 작업"]


def test_table_is_large_and_holds_only_valid_names() -> None:
    assert len(NAMES) > 250
    for name in NAMES + NAMED:
        assert validate_name(name) == name


@pytest.mark.parametrize("name", NAMED + NAMES)
def test_round_trip(name: str) -> None:
    assert name_from_key(entry_key(name)) == name


@pytest.mark.parametrize("name", NAMED + NAMES)
def test_never_an_internal_key(name: str) -> None:
    key = entry_key(name)
    assert key.startswith(REDBEAT_PREFIX)
    assert not key.startswith(REDBEAT_INTERNAL)
    assert key not in (REDBEAT_SCHEDULE_KEY, REDBEAT_LOCK_KEY)
    assert not key.startswith(OWN_PREFIX)


def test_injective_over_the_table() -> None:
    names = set(NAMES + NAMED)
    assert len({entry_key(name) for name in names}) == len(names)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # Seed 004 reads plain names straight from redis-cli: they must stay readable.
        ("주간업데이트", "redbeat:주간업데이트"),
        ("테스트_크롤링", "redbeat:테스트_크롤링"),
        ("a:b", "redbeat:a:b"),
        ("schedule", "redbeat:schedule"),
        # Only names that would enter RedBeat's namespace (or look escaped) are escaped.
        (":schedule", "redbeat:%%3Aschedule"),
        (":lock", "redbeat:%%3Alock"),
        ("%41", "redbeat:%%2541"),
        ("%", "redbeat:%%25"),
    ],
)
def test_key_spelling(name: str, key: str) -> None:
    assert entry_key(name) == key


def test_internal_keys_are_where_redbeat_puts_them() -> None:
    # If these moved, the checks above would guard the wrong keys.
    assert REDBEAT_SCHEDULE_KEY == "redbeat::schedule"
    assert REDBEAT_LOCK_KEY == "redbeat::lock"
