"""The CLI's table with names that look like keys, paths or markup, and names written
past our validation (RedBeat's own API takes any): one row each, in its own column,
invisible and line-breaking characters shown as escapes."""

from __future__ import annotations

from app.cli.table import cell_width
from tests.unit.cli.conftest import World

KEY_LIKE = ["*", ":lock", "::schedule", "redbeat::lock", "redbeat:foo", "%3Alock", "../x"]
MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
# Refused by the API and the file, but a foreign writer can store them.
FOREIGN = {
    "bad\u2028name": "bad\\u2028name",
    "zero\u200bwidth": "zero\\u200bwidth",
    "rl\u202eo": "rl\\u202eo",
    "bom\ufeff": "bom\\ufeff",
    "nul\x00": "nul\\x00",
    # Also invisible (format or default-ignorable): soft hyphen, Mongolian vowel
    # separator, a tag character, a Hangul filler, the combining grapheme joiner, ZWJ.
    "soft\xadhyphen": "soft\\xadhyphen",
    "mvs\u180e": "mvs\\u180e",
    "tag\U000e0041": "tag\\U000e0041",
    "back\u3164up": "back\\u3164up",
    "cg\u034fj": "cg\\u034fj",
    "zw\u200dj": "zw\\u200dj",
    # Whitespace at either end, which would look like `backup`; NBSP inside is a space.
    "backup ": "backup\\x20",
    "\u3000backup": "\\u3000backup",
    "back\xa0up": "back\xa0up",
}


def test_every_name_gets_one_row_with_its_columns_aligned(world: World) -> None:
    names = [*KEY_LIKE, *MARKUP, *FOREIGN, "n" * 200]
    for name in names:
        world.add(name)
    result = world.cli("list")
    assert result.code == 0, result.err
    header, *rows = result.out.rstrip("\n").split("\n")
    assert len(rows) == len(names)
    shown = {row.split("  ")[0] for row in rows}
    assert set(KEY_LIKE) | set(MARKUP) | set(FOREIGN.values()) <= shown
    assert any(cell.startswith("nnnn") and cell.endswith("…") for cell in shown)
    # Same terminal cells to the TASK column on every row: no name shifts its row.
    task_at = cell_width(header[: header.index("TASK")])
    for row in rows:
        column = row.index("app.tasks.")
        assert cell_width(row[:column]) == task_at, row
    for raw in ("\u2028", "\u200b", "\u202e", "\ufeff", "\x00", "\xad", "\u3164", "\u3000"):
        assert raw not in result.out


def test_show_reads_a_key_like_name_as_itself(world: World) -> None:
    world.add(":lock", interval=60)
    world.add("redbeat::lock", cron="0 3 * * *")
    shown = world.cli("show", ":lock")
    assert shown.code == 0, shown.err
    assert "Name:           :lock" in shown.lines
    assert "every 1 minute" in shown.out
    assert world.cli("show", "redbeat::lock").out.count("At 03:00") >= 1
