"""What people read: entry views with timing in words, and the message catalog.

Shared by the API, the CLI and the page, so all three say the same thing.
"""

from app.core.config import Language
from app.presentation.describe import (
    entry_view,
    outcome_in_words,
    reason_in_words,
    timing_in_words,
    trigger_in_words,
    upcoming,
)
from app.presentation.messages import message, page_words
from app.presentation.preview import timing_preview
from app.presentation.times import next_run_sentence, relative_in_words

__all__ = [
    "relative_in_words",
    "Language",
    "entry_view",
    "message",
    "next_run_sentence",
    "page_words",
    "outcome_in_words",
    "reason_in_words",
    "timing_preview",
    "timing_in_words",
    "trigger_in_words",
    "upcoming",
]
