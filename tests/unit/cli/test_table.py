"""app/cli/table.py: columns line up in terminal cells, whatever the script."""

from __future__ import annotations

import io

import pytest

from app.cli.table import Cell, Column, TableWriter, cell_width, clip, pad
from app.cli.terminal import Style

COLUMNS = (Column("NAME"), Column("TASK"), Column("RUNS", align="right"))
ROWS = [
    ["주간업데이트", "crawl_all_complexes", "42"],
    ["📦 배송_수집", "collect", "7"],
    ["family 👩‍👩‍👧", "report", "1234"],
    ["plain", "x", "0"],
]


PLAIN = Style()


def render(rows: list[list[str]], style: Style = PLAIN, chunks: int = 1) -> list[str]:
    out = io.StringIO()
    writer = TableWriter(COLUMNS, out, style)
    cells = [[Cell(value) for value in row] for row in rows]
    size = max(len(cells) // chunks, 1)
    for start in range(0, len(cells), size):
        writer.write_chunk(cells[start : start + size])
    writer.close()
    return out.getvalue().splitlines()


def starts(line: str, marks: str) -> list[int]:
    """Display cells at which each character of `marks` appears in `line`."""
    return [cell_width(line[:i]) for i, char in enumerate(line) if char in marks]


@pytest.mark.parametrize(
    ("text", "cells"),
    [("abc", 3), ("주간업데이트", 12), ("📦", 2), ("👩‍👩‍👧", 2), ("e\u0301", 1), ("", 0)],
)
def test_cell_width_counts_terminal_cells(text: str, cells: int) -> None:
    assert cell_width(text) == cells


def test_plain_table_aligns_korean_and_emoji_in_every_column() -> None:
    lines = render(ROWS)

    assert lines == [
        "NAME          TASK                 RUNS",
        "주간업데이트  crawl_all_complexes    42",
        "📦 배송_수집  collect                 7",
        "family 👩‍👩‍👧     report               1234",
        "plain         x                       0",
    ]
    # Every row starts TASK at the same cell, and ends RUNS at the same cell.
    tasks = ["TASK", *(row[1] for row in ROWS)]
    pairs = zip(lines, tasks, strict=True)
    assert {cell_width(line[: line.index(task)]) for line, task in pairs} == {14}
    assert {cell_width(line) for line in lines} == {39}


def test_box_table_draws_borders_at_the_same_cells_on_every_line() -> None:
    lines = render(ROWS, Style(box=True))

    assert lines[0].startswith("┌") and lines[-1].startswith("└")
    borders = {tuple(starts(line, "│┌┐└┘├┤┬┴┼")) for line in lines}
    assert len(borders) == 1, lines
    assert {cell_width(line) for line in lines} == {cell_width(lines[0])}


def test_colour_codes_do_not_count_as_width() -> None:
    out = io.StringIO()
    writer = TableWriter(COLUMNS, out, Style(color=True))
    writer.write_chunk([[Cell("주간", ("red",)), Cell("t"), Cell("1")]])
    header, row = out.getvalue().splitlines()

    assert "\x1b[31m" in row
    assert cell_width(row) == cell_width(header)


def test_a_wider_later_chunk_repeats_the_header_with_wider_columns() -> None:
    lines = render([["a", "b", "1"], ["아주_긴_이름입니다", "b", "2"]], chunks=2)

    assert lines == [
        "NAME  TASK  RUNS",
        "a     b        1",
        "",
        "NAME                TASK  RUNS",
        "아주_긴_이름입니다  b        2",
    ]


def test_a_chunk_that_fits_keeps_the_columns_and_prints_no_header() -> None:
    lines = render([["긴_이름", "b", "1"], ["a", "b", "2"]], chunks=2)

    assert lines == ["NAME     TASK  RUNS", "긴_이름  b        1", "a        b        2"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("abcdefghij", 5, "abcd…"),
        ("주간업데이트", 7, "주간업…"),
        ("주간업데이트", 6, "주간…"),  # a wide character never hangs over the limit
        ("a📦b📦", 4, "a📦…"),
    ],
)
def test_clip_cuts_at_a_cell_limit_with_an_ellipsis(text: str, limit: int, expected: str) -> None:
    assert clip(text, limit) == expected
    assert cell_width(clip(text, limit)) <= limit


def test_cells_over_the_column_cap_are_clipped() -> None:
    out = io.StringIO()
    writer = TableWriter([Column("NAME", cap=8)], out, Style())
    writer.write_chunk([[Cell("가나다라마바사")]])

    assert out.getvalue().splitlines() == ["NAME", "가나다…"]


def test_control_characters_in_a_cell_are_shown_escaped() -> None:
    out = io.StringIO()
    writer = TableWriter([Column("NAME")], out, Style())
    writer.write_chunk([[Cell("evil\x1b[2Jname\u202e")]])

    assert out.getvalue().splitlines()[1] == "evil\\x1b[2Jname\\u202e"


@pytest.mark.parametrize(
    ("text", "size", "align", "expected"),
    [
        ("가", 4, "left", "가  "),
        ("가", 4, "right", "  가"),
        ("toolong", 3, "left", "toolong"),
    ],
)
def test_pad_fills_to_a_cell_width(text: str, size: int, align: str, expected: str) -> None:
    assert pad(text, size, align) == expected  # type: ignore[arg-type]


FITTED = (
    Column("NAME", shrink=6),
    Column("TASK", drop=2, shrink=6),
    Column("ORIGIN", drop=1),
    Column("RUNS", align="right"),
)
WIDE_ROW = ["주간업데이트_상품_수집", "app.tasks.scheduler.crawl_all_complexes", "file", "42"]


def fitted(width: int | None, rows: list[list[str]], box: bool = False) -> list[str]:
    out = io.StringIO()
    writer = TableWriter(FITTED, out, Style(box=box, width=width))
    for row in rows:
        writer.write_chunk([[Cell(value) for value in row]])
    writer.close()
    return out.getvalue().splitlines()


def test_a_table_that_fits_the_width_is_left_as_it_is() -> None:
    assert fitted(200, [WIDE_ROW]) == fitted(None, [WIDE_ROW])


def test_the_widest_shrinking_column_is_clipped_first() -> None:
    assert fitted(67, [WIDE_ROW]) == [
        "NAME                    TASK                           ORIGIN  RUNS",
        "주간업데이트_상품_수집  app.tasks.scheduler.crawl_al…  file      42",
    ]
    assert fitted(30, [WIDE_ROW]) == [
        "NAME     TASK     ORIGIN  RUNS",
        "주간업…  app.ta…  file      42",
    ], "clipping to the floor is enough: nothing is hidden"


def test_columns_are_hidden_in_their_order_when_even_the_floors_do_not_fit() -> None:
    assert fitted(20, [WIDE_ROW]) == [
        "NAME    TASK    RUNS",
        "주간…   app.t…    42",
    ]
    assert fitted(14, [WIDE_ROW]) == [
        "NAME      RUNS",
        "주간업…     42",
    ]


def test_a_wider_chunk_that_no_longer_fits_hides_columns_under_a_new_header() -> None:
    lines = fitted(24, [["a", "t", "api", "1"], WIDE_ROW, ["b", "t", "api", "2"]])

    assert lines == [
        "NAME  TASK  ORIGIN  RUNS",
        "a     t     api        1",
        "",
        "NAME      TASK      RUNS",
        "주간업…   app.tas…    42",
        "b         t            2",
    ]


def test_a_box_table_counts_its_borders_when_it_fits() -> None:
    assert fitted(30, [WIDE_ROW], box=True) == [
        "┌──────────┬──────────┬──────┐",
        "│ NAME     │ TASK     │ RUNS │",
        "├──────────┼──────────┼──────┤",
        "│ 주간업…  │ app.tas… │   42 │",
        "└──────────┴──────────┴──────┘",
    ]
