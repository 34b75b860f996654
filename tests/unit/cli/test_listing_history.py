"""The table's LAST OUTCOME and the status summary, from the run history (list, status)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.cli.table import cell_width
from app.schedules import ScheduleStore
from tests.unit.cli.conftest import World, at

ERROR = ("ValueError", "days must be positive")


def outcome_column(result_lines: list[str]) -> dict[str, str]:
    """NAME -> LAST OUTCOME of a plain table (the last column, after two spaces)."""
    header, *rows = result_lines
    start = cell_width(header[: header.index("LAST OUTCOME")])
    found = {}
    for row in rows:
        if not row:
            break
        cells = 0
        for i, char in enumerate(row):
            if cells >= start:
                found[row.split("  ")[0]] = row[i:]
                break
            cells += cell_width(char)
    return found


def failing_world(world: World) -> None:
    world.add("성공_작업")
    world.run("성공_작업", at(9))
    world.add("실패_작업")
    world.run("실패_작업", at(6))  # a success, then three failures of any kind
    world.run("실패_작업", at(7), "failed", error=ERROR)
    world.run("실패_작업", at(8), "timed_out", error=("SoftTimeLimitExceeded", ""))
    world.run("실패_작업", at(9), "failed", error=ERROR)
    world.add("한번_실패")
    world.run("한번_실패", at(9), "failed", error=ERROR)
    world.add("유실_작업")
    world.lose("유실_작업", at(9))
    world.add("새_작업")


def test_the_table_shows_each_last_outcome_and_the_failure_streak(world: World) -> None:
    failing_world(world)

    result = world.cli("list")

    assert (result.code, result.err) == (0, "")
    assert outcome_column(result.lines) == {
        "새_작업": "never run",
        "성공_작업": "succeeded",
        "실패_작업": "failed ×3",
        "유실_작업": "lost ×1",
        "한번_실패": "failed ×1",
    }


def test_the_table_is_in_korean_with_language_ko(world: World) -> None:
    failing_world(world)

    result = world.cli("list", language="ko")

    assert outcome_column(result.lines) == {
        "새_작업": "실행된 적 없음",
        "성공_작업": "성공",
        "실패_작업": "실패 3연속",
        "유실_작업": "유실 1연속",
        "한번_실패": "실패 1연속",
    }


def test_a_fire_sent_but_not_ended_has_no_outcome_yet(world: World) -> None:
    world.add("대기")
    world.queue("대기", at(11))
    world.beat_fire("대기", at(11, 30))  # skipped: the first is still queued; Beat sent it

    assert outcome_column(world.cli("list").lines) == {"대기": "no outcome yet"}
    assert outcome_column(world.cli("list", language="ko").lines) == {"대기": "결과 없음"}


def test_a_success_ends_the_streak(world: World) -> None:
    world.add("a")
    world.run("a", at(7), "failed", error=ERROR)
    world.run("a", at(8), "failed", error=ERROR)
    world.run("a", at(9))

    assert outcome_column(world.cli("list").lines) == {"a": "succeeded"}


def test_failing_rows_are_red_on_a_colour_terminal(world: World) -> None:
    world.add("a")
    world.run("a", at(9), "failed", error=ERROR)
    world.add("b")
    world.run("b", at(9))

    out = world.cli("list", "--color", "always").out

    assert "\x1b[31mfailed ×1" in out
    assert "\x1b[32msucceeded" in out


def test_stats_are_read_once_per_page_not_once_per_schedule(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        world.add(f"s{i}")
        world.run(f"s{i}", at(9))
    calls: list[list[str]] = []
    real = ScheduleStore.stats_many

    def counting(self: ScheduleStore, names: Any) -> Any:
        names = list(names)
        calls.append(names)
        return real(self, names)

    monkeypatch.setattr(ScheduleStore, "stats_many", counting)

    assert world.cli("list").code == 0
    assert calls == [["s0", "s1", "s2", "s3", "s4"]]


def test_json_carries_the_outcome_streak_and_counters(world: World) -> None:
    failing_world(world)

    document = json.loads(world.cli("list", "--json").out)

    rows = {s["name"]: s for s in document["schedules"]}
    failing = rows["실패_작업"]
    assert (failing["last_outcome"], failing["consecutive_failures"]) == ("failed", 3)
    assert failing["history"] == {
        "run_count": 4,
        "error_count": 3,
        "success_rate": 0.25,
        "consecutive_failures": 3,
        "last_outcome": "failed",
        "last_finished_at": "2026-11-30T00:00:03.500000Z",
        "last_duration_seconds": 2.5,
    }
    assert (rows["새_작업"]["last_outcome"], rows["새_작업"]["consecutive_failures"]) == (None, 0)
    assert rows["새_작업"]["history"]["run_count"] == 0


def test_status_summary_names_the_failing_schedules(world: World) -> None:
    failing_world(world)

    summary = world.cli("status", "--ping-timeout", "0").out.split("\n\n")[1].splitlines()

    assert summary[1] == (
        "Times are in Asia/Seoul unless marked. LAST OUTCOME is how the last run ended; "
        "×N: its last N runs failed."
    )
    assert summary[2] == (
        "Failing: 1 schedule(s) failed 3 or more times in a row (ALERT_CONSECUTIVE_FAILURES): "
        "실패_작업 ×3."
    )
    korean = world.cli("status", "--ping-timeout", "0", language="ko").out
    assert (
        "연속 실패: 스케줄 1개가 3회 이상 연이어 실패했습니다 (ALERT_CONSECUTIVE_FAILURES): "
        "실패_작업 3연속." in korean.splitlines()
    )


def test_status_summary_says_when_history_is_off(world: World) -> None:
    world.add("a")

    on = world.cli("status", "--ping-timeout", "0").out
    off = world.cli("status", "--ping-timeout", "0", HISTORY_ENABLED="false").out

    line = "Run history is off (HISTORY_ENABLED=false): outcomes are not recorded."
    assert line not in on.splitlines()
    assert line in off.splitlines()


def test_at_80_columns_the_table_fits_and_keeps_the_outcome(world: World) -> None:
    world.add("아주_긴_이름의_주간_상품_가격_수집_작업", interval=172800)
    world.run("아주_긴_이름의_주간_상품_가격_수집_작업", at(9), "failed", error=ERROR)
    world.add("b")
    world.run("b", at(9))

    for language in ("en", "ko"):
        result = world.cli("list", "--color", "never", language=language, tty=True, COLUMNS="80")

        lines = result.lines
        assert {cell_width(line) for line in lines} == {80}, "\n".join(lines)
        assert [c.strip() for c in lines[1].strip("│").split("│")] == [
            "NAME",
            "TIMING",
            "STATE",
            "NEXT RUN",
            "LAST OUTCOME",
        ]
        assert "아주_긴_이름의" in lines[4] and "…" in lines[4]
        assert ("failed ×1" if language == "en" else "실패 1연속") in lines[4]


def test_a_pipe_gets_every_column_whatever_the_width(world: World) -> None:
    world.add("a")

    header = world.cli("list", COLUMNS="40").lines[0]

    assert header.split() == [
        "NAME",
        "TASK",
        "TIMING",
        "STATE",
        "ORIGIN",
        "NEXT",
        "RUN",
        "DUE",
        "LAST",
        "RUN",
        "RUNS",
        "LAST",
        "OUTCOME",
    ]
