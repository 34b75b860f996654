"""What the output stream can show: colour, box drawing, and which characters are safe."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal, TextIO

from app.schedules import WHITE_SPACE, invisible_in_names

ColorChoice = Literal["auto", "always", "never"]

# SGR codes used by the CLI; kept few so plain and coloured output read the same.
CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33"}

# Shown as escapes (`bad\\u2028name`), not obeyed: every character a schedule name may
# not hold (app/schedules/spec.py: controls, where ESC starts terminal sequences; format
# characters, among them the bidi overrides and isolates that reorder what follows them,
# the bidi marks, zero-width characters, the soft hyphen, U+180E and the tag characters;
# lone surrogates; the line and paragraph separators, which other tools take as line
# breaks; and the other default-ignorable characters, such as the Hangul fillers and
# U+034F, which are drawn as nothing). Names written with RedBeat's own API are not
# validated by us, so a name could carry any. In other text (descriptions, messages)
# ZWJ, ZWNJ and the variation selectors stay, since emoji sequences and scripts need
# them; in a name they are escaped too, as is whitespace at either end (printable_name).
_KEPT_IN_TEXT = frozenset(
    chr(code)
    for low, high in ((0x200C, 0x200D), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
    for code in range(low, high + 1)
)
_ASCII_UNSAFE = re.compile("[\x00-\x1f\x7f]")
_WHITE_SPACE = "".join(WHITE_SPACE)


def _escaped(ch: str) -> str:
    shown = ch.encode("unicode_escape").decode("ascii")
    return shown if shown != ch else f"\\x{ord(ch):02x}"  # a space: unicode_escape keeps it


def printable(text: str) -> str:
    """`text` with invisible, control and bidi-override characters shown as escapes."""
    if text.isascii():
        return _ASCII_UNSAFE.sub(lambda m: _escaped(m.group()), text)
    return "".join(
        _escaped(ch) if invisible_in_names(ch) and ch not in _KEPT_IN_TEXT else ch for ch in text
    )


def printable_name(name: str) -> str:
    """A schedule name with every character names refuse shown as an escape: what
    printable() escapes, ZWJ, ZWNJ and the variation selectors too, and whitespace at
    either end, so `backup ` and `backup` (written past our checks) do not look alike."""
    body = name.lstrip(_WHITE_SPACE)
    lead = name[: len(name) - len(body)]
    core = body.rstrip(_WHITE_SPACE)
    trail = body[len(core) :]
    shown = "".join(_escaped(ch) if invisible_in_names(ch) else ch for ch in core)
    return "".join(map(_escaped, lead)) + shown + "".join(map(_escaped, trail))


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
