"""Path and query parameters several route modules take, declared once so that the
OpenAPI document describes them alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.monitor import CURSOR_PATTERN

Name = Annotated[
    str, Path(description="The schedule's name, percent-encoded.", examples=["테스트_크롤링"])
]
# A stream id (`<ms>-<seq>`) that a previous page answered as `next_cursor`.
Cursor = Annotated[
    str | None,
    Query(
        pattern=CURSOR_PATTERN,
        max_length=41,
        description="The previous page's `next_cursor`.",
        examples=["1767225600123-0"],
    ),
]
