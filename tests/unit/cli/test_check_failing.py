"""`status --check` fails on schedules whose last ALERT_CONSECUTIVE_FAILURES runs failed."""

from __future__ import annotations

import json

from app.cli.health import DETAILED
from tests.unit.cli.conftest import World, at

ERROR = ("ValueError", "days must be positive")


def fail(world: World, name: str, times: int, first_hour: int = 1) -> None:
    for hour in range(first_hour, first_hour + times):
        world.run(name, at(hour), "failed", took=0.5, error=ERROR)


def check(world: World, *args: str, language: str = "en", **env: str) -> tuple[int, list[str]]:
    result = world.cli("status", "--check", "--ping-timeout", "0", *args, language=language, **env)
    assert result.err == ""
    return result.code, result.lines


def test_three_failures_in_a_row_fail_the_check_with_a_line_per_schedule(world: World) -> None:
    world.add("주간업데이트")
    fail(world, "주간업데이트", 3)
    world.add("수집")
    world.run("수집", at(1))
    world.lose("수집", at(2))
    world.lose("수집", at(3))
    world.run("수집", at(4), "timed_out", took=60, error=("SoftTimeLimitExceeded", "60 s"))
    world.add("유실")
    world.lose("유실", at(1))
    world.lose("유실", at(2))
    world.lose("유실", at(3))
    world.lose("유실", at(4))
    world.add("건강한")
    world.run("건강한", at(1))

    assert check(world) == (
        1,
        [
            "CHECK FAILED: 3 schedule(s) failed 3 or more times in a row: 유실 ×4, 수집 ×3, "
            "주간업데이트 ×3",
            "  유실: its last 4 runs failed; the last one lost at 2026-11-30 06:00:00: "
            "lease expired: its worker stopped answering",
            "  수집: its last 3 runs failed; the last one timed_out at 2026-11-30 04:01:01: "
            "SoftTimeLimitExceeded: 60 s",
            "  주간업데이트: its last 3 runs failed; the last one failed at 2026-11-30 03:00:01: "
            "ValueError: days must be positive",
        ],
    )


def test_the_check_in_korean(world: World) -> None:
    world.add("주간업데이트")
    fail(world, "주간업데이트", 4)

    assert check(world, language="ko") == (
        1,
        [
            "CHECK FAILED (점검 실패): 스케줄 1개가 3회 이상 연이어 실패: 주간업데이트 4연속",
            "  주간업데이트: 최근 4회 연속 실패; 마지막 실행은 2026-11-30 04:00:01에 실패: "
            "ValueError: days must be positive",
        ],
    )


def test_fewer_failures_than_the_threshold_pass(world: World) -> None:
    world.add("a")
    fail(world, "a", 2)

    code, lines = check(world)

    assert code == 0
    assert lines[0].startswith("OK: Beat ")


def test_the_threshold_is_the_alert_consecutive_failures_setting(world: World) -> None:
    world.add("a")
    fail(world, "a", 1)

    assert check(world)[0] == 0
    code, lines = check(world, ALERT_CONSECUTIVE_FAILURES="1")
    assert code == 1
    assert lines[0] == "CHECK FAILED: 1 schedule(s) failed 1 or more times in a row: a ×1"


def test_a_success_clears_the_alert(world: World) -> None:
    world.add("a")
    fail(world, "a", 5)
    world.run("a", at(8))

    assert check(world)[0] == 0


def test_a_paused_schedule_does_not_fail_the_check(world: World) -> None:
    world.add("a")
    fail(world, "a", 3)
    assert world.cli("pause", "a").code == 0

    assert check(world)[0] == 0
    assert world.cli("resume", "a").code == 0
    assert check(world)[0] == 1


def test_the_name_filter_applies_to_failing_schedules(world: World) -> None:
    world.add("수집_a")
    fail(world, "수집_a", 3)

    assert check(world, "수집")[0] == 1
    assert check(world, "리포트")[0] == 0


def test_many_failing_schedules_are_counted_and_the_first_ones_described(world: World) -> None:
    names = [f"job{i:02d}" for i in range(DETAILED + 2)]
    for name in names:
        world.add(name)
        fail(world, name, 3)

    code, lines = check(world)

    assert code == 1
    assert lines[0] == (
        f"CHECK FAILED: {len(names)} schedule(s) failed 3 or more times in a row: "
        "job00 ×3, job01 ×3, job02 ×3, and 9 more"
    )
    assert len(lines) == 1 + DETAILED + 1
    assert lines[-1] == "  and 2 more"


def test_failing_joins_the_other_problems_in_the_first_line(world: World) -> None:
    world.add("a")
    fail(world, "a", 3)
    world.store.beats.release("beat", "beat")

    code, lines = check(world)

    assert code == 1
    assert lines[0] == (
        "CHECK FAILED: no Beat is running (no leader heartbeat, and the lock is free); "
        "1 schedule(s) failed 3 or more times in a row: a ×3"
    )


def test_check_json_reports_failing_as_a_problem_with_the_last_error(world: World) -> None:
    world.add("a")
    fail(world, "a", 3)

    result = world.cli("status", "--check", "--json", "--ping-timeout", "0")

    assert result.code == 1
    check_part = json.loads(result.out)["check"]
    assert check_part["ok"] is False
    [problem] = check_part["problems"]
    assert problem["code"] == "failing"
    assert problem["message"] == "1 schedule(s) failed 3 or more times in a row: a ×3"
    [entry] = problem["detail"]["schedules"]
    assert (problem["detail"]["count"], problem["detail"]["threshold"]) == (1, 3)
    assert (entry["name"], entry["consecutive_failures"]) == ("a", 3)
    assert entry["last_error"]["error"] == {"type": "ValueError", "message": ERROR[1]}
    assert entry["last_error"]["scheduled_at"] == "2026-11-29T18:00:00Z"


def test_status_json_carries_the_same_verdict(world: World) -> None:
    world.add("a")
    fail(world, "a", 3)

    document = json.loads(world.cli("status", "--json", "--ping-timeout", "0").out)

    assert [p["code"] for p in document["check"]["problems"]] == ["failing"]
    assert document["schedules"][0]["consecutive_failures"] == 3
