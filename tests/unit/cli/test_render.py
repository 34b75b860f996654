"""app/cli/render.py and terminal.py: the words around the table."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from app.cli.render import local_time, moment_text, short_duration, state_of
from app.cli.terminal import Style, printable, printable_name
from app.core.config import Settings


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (300, "5m"),
        (3725, "1h 2m"),
        (90061, "1d 1h"),
        (timedelta(hours=3), "3h"),
    ],
)
def test_short_duration_keeps_the_two_largest_units(
    seconds: float | timedelta, expected: str
) -> None:
    assert short_duration(seconds) == expected


@pytest.mark.parametrize(
    ("iso", "zone", "expected"),
    [
        ("2030-01-01T09:00:00+09:00", "Asia/Seoul", "2030-01-01 09:00"),
        ("2030-02-01T00:00:00+00:00", "UTC", "2030-02-01 00:00 UTC"),
        (None, "Asia/Seoul", None),
    ],
)
def test_local_time_marks_only_a_zone_other_than_the_default(
    iso: str | None, zone: str, expected: str | None
) -> None:
    assert local_time(iso, "Asia/Seoul", zone) == expected


def test_moment_text_shows_recorded_utc_instants_in_the_settings_zone() -> None:
    assert moment_text("2026-01-01T00:00:00+00:00", "Asia/Seoul") == "2026-01-01 09:00:00"
    assert moment_text(datetime(2026, 1, 1, tzinfo=UTC), "UTC") == "2026-01-01 00:00:00"
    assert moment_text(None, "UTC") == "?"


@pytest.mark.parametrize(
    ("view", "state"),
    [
        ({"enabled": False, "next_run_at": None}, "paused"),
        ({"enabled": True, "next_run_at": "2030-01-01T00:00:00+09:00"}, "enabled"),
        ({"enabled": True, "next_run_at": None, "timing": {"kind": "once"}}, "finished"),
        ({"enabled": True, "next_run_at": None, "timing": None}, "no next run"),
    ],
)
def test_state_of_tells_paused_from_finished(view: dict[str, object], state: str) -> None:
    assert state_of(view) == state


def test_printable_escapes_terminal_controls_but_keeps_emoji_sequences() -> None:
    assert printable("a\x1b[31mb\nc\u202ed") == "a\\x1b[31mb\\nc\\u202ed"
    assert printable("👩‍👩‍👧 주간") == "👩‍👩‍👧 주간"


def test_printable_escapes_every_invisible_character_names_refuse() -> None:
    text = "a\xadb\u180ec\U000e0041d\u3164e\u034ff\u2800g\ud800"
    expected = "a\\xadb\\u180ec\\U000e0041d\\u3164e\\u034ff\\u2800g\\ud800"
    assert printable(text) == expected
    assert printable("❤️ 주간\xa0작업 ") == "❤️ 주간\xa0작업 "  # emoji, NBSP, spaces: text


def test_a_name_also_shows_joiners_selectors_and_whitespace_at_its_ends_escaped() -> None:
    assert printable_name(" backup\u3000") == "\\x20backup\\u3000"
    assert printable_name("a\u200db\ufe0f c\xa0d") == "a\\u200db\\ufe0f c\xa0d"
    assert printable_name("\t") == "\\t"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "choice", "no_color", "expected"),
    [
        (Tty(), "auto", None, Style(color=True, box=True)),
        (Tty(), "auto", "", Style(color=True, box=True)),
        (Tty(), "auto", "1", Style(color=False, box=True)),
        (Tty(), "auto", "0", Style(color=False, box=True)),  # any non-empty value
        (Tty(), "never", "", Style(color=False, box=True)),
        (io.StringIO(), "auto", "", Style(color=False, box=False)),
        (io.StringIO(), "always", "1", Style(color=True, box=False)),
    ],
)
def test_colour_only_on_a_terminal_and_not_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
    stream: io.StringIO,
    choice: str,
    no_color: str | None,
    expected: Style,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # Tty() has no size of its own
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert Style.for_stream(stream, choice, no_color=settings.no_color) == expected  # type: ignore[arg-type]


def test_paint_wraps_in_sgr_codes_only_when_colour_is_on() -> None:
    assert Style(color=True).paint("x", "bold", "red") == "\x1b[1;31mx\x1b[0m"
    assert Style(color=False).paint("x", "red") == "x"


def test_the_pickup_line_says_whether_redbeats_own_saves_are_heard_at_once() -> None:
    from app.cli.render import pickup_line
    from app.monitor import PickupStatus

    on = PickupStatus(keyspace_notifications=True)
    off = PickupStatus(keyspace_notifications=False, reason="Redis sends none", poll_seconds=1.0)
    assert "at once" in pickup_line(on, "en")
    line = pickup_line(off, "en")
    assert "within 1 s" in line and "Redis sends none" in line
    assert "keyspace 알림 꺼짐: Redis sends none" in pickup_line(off, "ko")
