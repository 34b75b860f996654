"""Columns that stay aligned with Korean, emoji and other wide characters.

Widths are terminal cells (wcwidth), not code points: "주간업데이트" is 6 characters
but 12 cells. Rows arrive in chunks (a page of entries at a time), so a table of
100,000 schedules starts printing at once and never holds more than one chunk. Column
widths only grow: each chunk is laid out with the widest cell seen so far, and when a
chunk needs wider columns the header is printed again above it, so every block under
a header is aligned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TextIO

from wcwidth import iter_graphemes, width

from app.cli.terminal import Style, printable

ELLIPSIS = "…"
PLAIN_GAP = "  "


def cell_width(text: str) -> int:
    return int(width(text))


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` cells, ending in an ellipsis when it was cut."""
    if cell_width(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for grapheme in iter_graphemes(text):
        size = cell_width(grapheme)
        if used + size > limit - 1:
            break
        kept.append(grapheme)
        used += size
    return "".join(kept) + ELLIPSIS


def pad(text: str, size: int, align: Literal["left", "right"] = "left") -> str:
    fill = " " * max(size - cell_width(text), 0)
    return fill + text if align == "right" else text + fill


@dataclass(frozen=True)
class Column:
    title: str
    align: Literal["left", "right"] = "left"
    # Longest cell shown, so one 200-character name cannot push every row off-screen.
    cap: int = 60


@dataclass(frozen=True)
class Cell:
    text: str
    paint: tuple[str, ...] = ()  # style names applied after padding (see terminal.CODES)


class TableWriter:
    """Writes rows chunk by chunk; see the module docstring for how widths are chosen."""

    def __init__(self, columns: Sequence[Column], out: TextIO, style: Style) -> None:
        self.columns = list(columns)
        self.out = out
        self.style = style
        self.widths = [0] * len(self.columns)
        self.rows_written = 0

    def write_chunk(self, rows: Sequence[Sequence[Cell]]) -> None:
        if not rows:
            return
        fitted = [
            [self._fit(cell, col) for cell, col in zip(row, self.columns, strict=True)]
            for row in rows
        ]
        grown = self._grow(fitted)
        if grown or self.rows_written == 0:
            self._write_header(first=self.rows_written == 0)
        for row in fitted:
            self.out.write(self._line(row) + "\n")
        self.rows_written += len(fitted)

    def close(self) -> None:
        if self.style.box and self.rows_written:
            self.out.write(self._rule("└", "┴", "┘") + "\n")

    def _fit(self, cell: Cell, column: Column) -> Cell:
        return Cell(clip(printable(cell.text), column.cap), cell.paint)

    def _grow(self, rows: Sequence[Sequence[Cell]]) -> bool:
        titles = [cell_width(c.title) for c in self.columns]
        needed = [
            max([titles[i], *(cell_width(row[i].text) for row in rows)])
            for i in range(len(self.columns))
        ]
        widths = [max(old, new) for old, new in zip(self.widths, needed, strict=True)]
        grown = widths != self.widths
        self.widths = widths
        return grown

    def _line(self, row: Sequence[Cell]) -> str:
        cells = [
            self.style.paint(pad(cell.text, size, col.align), *cell.paint)
            for cell, size, col in zip(row, self.widths, self.columns, strict=True)
        ]
        if self.style.box:
            return "│ " + " │ ".join(cells) + " │"
        return PLAIN_GAP.join(cells).rstrip()

    def _rule(self, left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (size + 2) for size in self.widths) + right

    def _write_header(self, *, first: bool) -> None:
        titles = [Cell(col.title, ("bold",)) for col in self.columns]
        if self.style.box:
            self.out.write(
                self._rule("┌" if first else "├", "┬" if first else "┼", "┐" if first else "┤")
                + "\n"
            )
            self.out.write(self._line(titles) + "\n")
            self.out.write(self._rule("├", "┼", "┤") + "\n")
            return
        if not first:
            self.out.write("\n")
        self.out.write(self._line(titles) + "\n")
