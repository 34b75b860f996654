"""Columns that stay aligned with Korean, emoji and other wide characters.

Widths are terminal cells (wcwidth), not code points: "주간업데이트" is 6 characters
but 12 cells. Rows arrive in chunks (a page of entries at a time), so a table of
100,000 schedules starts printing at once and never holds more than one chunk. Column
widths only grow: each chunk is laid out with the widest cell seen so far, and when a
chunk needs wider columns the header is printed again above it, so every block under
a header is aligned.

On a terminal (Style.width set), a table wider than the screen is fitted to it rather
than wrapped: columns marked `drop` are hidden, lowest number first, while even their
neighbours clipped to their `shrink` floor would not fit; then the widest `shrink`
columns are clipped (with an ellipsis) until the table fits. Output to a pipe or a
file is never fitted, so programs see every column in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TextIO

from wcwidth import iter_graphemes, width

from app.cli.terminal import Style, printable

ELLIPSIS = "…"
PLAIN_GAP = "  "
# Narrowest a `shrink` column gets when even its floor does not fit.
HARD_MIN = 6


def cell_width(text: str) -> int:
    # Printable ASCII is one cell a character; the rest is measured once per distinct
    # text (a table's cells repeat: tasks, timings, states), since wcwidth walks the
    # text a character at a time and a cell is measured up to four times.
    if text.isascii() and text.isprintable():
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=8192)
def _wide_width(text: str) -> int:
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


# Memos for the per-cell work of a long table: most cells repeat from row to row (task,
# timing, state, origin, next run), so each distinct text is escaped, clipped and
# padded once per width rather than once per row.
@lru_cache(maxsize=16384)
def _shown(text: str, cap: int) -> str:
    return clip(printable(text), cap)


@lru_cache(maxsize=16384)
def _laid_out(text: str, size: int, align: Literal["left", "right"]) -> str:
    return pad(clip(text, size), size, align)


@dataclass(frozen=True)
class Column:
    title: str
    align: Literal["left", "right"] = "left"
    # Longest cell shown, so one 200-character name cannot push every row off-screen.
    cap: int = 60
    # On a narrow terminal: hidden in this order (0: never), and clipped towards this
    # many cells (0: never clipped), as the module docstring says.
    drop: int = 0
    shrink: int = 0


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
        self.natural = [0] * len(self.columns)  # the widest cell seen, per column
        self.widths = list(self.natural)  # as shown (fitted to style.width)
        self.hidden: frozenset[int] = frozenset()
        self.rows_written = 0

    def write_chunk(self, rows: Sequence[Sequence[Cell]]) -> None:
        if not rows:
            return
        fitted = [
            [self._fit(cell, col) for cell, col in zip(row, self.columns, strict=True)]
            for row in rows
        ]
        changed = self._grow(fitted)
        if changed or self.rows_written == 0:
            self._write_header(first=self.rows_written == 0)
        for row in fitted:
            self.out.write(self._line(row) + "\n")
        self.rows_written += len(fitted)

    def close(self) -> None:
        if self.style.box and self.rows_written:
            self.out.write(self._rule("└", "┴", "┘") + "\n")

    @property
    def shown(self) -> list[int]:
        return [i for i in range(len(self.columns)) if i not in self.hidden]

    def _fit(self, cell: Cell, column: Column) -> Cell:
        return Cell(_shown(cell.text, column.cap), cell.paint)

    def _grow(self, rows: Sequence[Sequence[Cell]]) -> bool:
        """Widen to this chunk's cells, fit to the screen; whether the layout changed."""
        titles = [cell_width(c.title) for c in self.columns]
        needed = [
            max([titles[i], *(cell_width(row[i].text) for row in rows)])
            for i in range(len(self.columns))
        ]
        self.natural = [max(old, new) for old, new in zip(self.natural, needed, strict=True)]
        widths, hidden = self._layout()
        changed = (widths, hidden) != (self.widths, self.hidden)
        self.widths, self.hidden = widths, hidden
        return changed

    def _total(self, sizes: Sequence[int], hidden: set[int] | frozenset[int]) -> int:
        shown = [size for i, size in enumerate(sizes) if i not in hidden]
        gaps = 3 * len(shown) + 1 if self.style.box else len(PLAIN_GAP) * (len(shown) - 1)
        return sum(shown) + gaps

    def _layout(self) -> tuple[list[int], frozenset[int]]:
        limit = self.style.width
        if limit is None:
            return list(self.natural), self.hidden
        hidden = set(self.hidden)  # a hidden column stays hidden: columns never jump
        floors = [
            min(size, col.shrink) if col.shrink else size
            for size, col in zip(self.natural, self.columns, strict=True)
        ]
        for i in sorted((i for i, c in enumerate(self.columns) if c.drop), key=self._drop_rank):
            if self._total(floors, hidden) <= limit:
                break
            hidden.add(i)
        widths = list(self.natural)
        for floor in (floors, [HARD_MIN] * len(widths)):
            self._shrink(widths, floor, hidden, limit)
        return widths, frozenset(hidden)

    def _drop_rank(self, index: int) -> int:
        return self.columns[index].drop

    def _shrink(self, widths: list[int], floors: list[int], hidden: set[int], limit: int) -> None:
        """Clip the widest `shrink` columns, a cell at a time, down to `floors`."""
        while self._total(widths, hidden) > limit:
            candidates = [
                i
                for i, col in enumerate(self.columns)
                if col.shrink and i not in hidden and widths[i] > floors[i]
            ]
            if not candidates:
                return
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1

    def _line(self, row: Sequence[Cell]) -> str:
        cells = [
            self.style.paint(
                _laid_out(row[i].text, self.widths[i], self.columns[i].align), *row[i].paint
            )
            for i in self.shown
        ]
        if self.style.box:
            return "│ " + " │ ".join(cells) + " │"
        return PLAIN_GAP.join(cells).rstrip()

    def _rule(self, left: str, middle: str, right: str) -> str:
        return left + middle.join("─" * (self.widths[i] + 2) for i in self.shown) + right

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
