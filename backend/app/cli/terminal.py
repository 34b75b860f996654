"""What the output stream can show: colour, box drawing, and which characters are safe."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal, TextIO

ColorChoice = Literal["auto", "always", "never"]

# SGR codes used by the CLI; kept few so plain and coloured output read the same.
CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33"}

# C0/C1 controls (ESC starts terminal sequences) and the bidi overrides and isolates,
# which reorder what follows them on screen; the bidi marks, zero-width and invisible
# characters (U+200B, U+2060-2064, U+FEFF), which make one name look like another; and
# the line and paragraph separators, which other tools take as line breaks. Names
# written with RedBeat's own API are not validated by us (ours refuse all of these), so
# a name could carry any; ZWJ and ZWNJ stay, since emoji sequences and scripts need them.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)


def printable(text: str) -> str:
    """`text` with control and bidi-override characters shown as escapes, not obeyed."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class Style:
    """Colour, box drawing and the screen's width, each only when it suits the stream."""

    color: bool = False
    box: bool = False
    # Terminal cells a table is fitted to (see table.py); None: never fitted.
    width: int | None = None

    @classmethod
    def for_stream(
        cls, stream: TextIO, choice: ColorChoice = "auto", *, no_color: bool = False
    ) -> Style:
        """`no_color`: Settings.no_color, the NO_COLOR convention (no-color.org), which
        only `auto` obeys: --color=always is the operator asking in so many words."""
        tty = stream.isatty()
        color = choice == "always" or (choice == "auto" and tty and not no_color)
        return cls(color=color, box=tty, width=terminal_width(stream) if tty else None)

    def paint(self, text: str, *names: str) -> str:
        if not self.color or not names or not text:
            return text
        codes = ";".join(CODES[name] for name in names)
        return f"\x1b[{codes}m{text}\x1b[0m"


def terminal_width(stream: TextIO) -> int | None:
    """COLUMNS when set (as shutil and most tools honour it), else the terminal's own."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError):
        return None
