"""`runs NAME` and the history part of `show NAME`."""

from __future__ import annotations

import json

from app.cli.failures import EXIT_FAILED
from tests.unit.cli.conftest import World, at

ERROR = ("ValueError", "days must be positive\n  (got -3)")


def busy_world(world: World) -> None:
    """수집: a success, a timeout, a failure, a skip and a miss (Beat), one running."""
    world.add("수집")
    world.run("수집", at(5), result='{"rows": 3}')
    world.run("수집", at(6), "timed_out", took=60, error=("SoftTimeLimitExceeded", ""))
    world.run("수집", at(7), "failed", took=0.42, error=ERROR)
    world.start("수집", at(9))
    world.beat_fire("수집", at(10))  # skipped: the 09:00 run is still going
    world.beat_fire("수집", at(11), mode="missed")


RUNS_TABLE = """\
SCHEDULED            OUTCOME    TRIGGER  ATTEMPT  DURATION  WORKER    DETAIL
2026-11-30 09:00:00  running    run now        1         -  worker@a  running on worker@a since 2026-11-30 09:00:01
2026-11-30 11:00:00  missed     Beat           1         -  -         catchup_window: too late to run when Beat came back (2 slots)
2026-11-30 10:00:00  skipped    Beat           1         -  -         overlap: the previous run had not ended
2026-11-30 07:00:00  failed     run now        1     0.42s  worker@a  ValueError: days must be positive (got -3)
2026-11-30 06:00:00  timed_out  run now        1        1m  worker@a  SoftTimeLimitExceeded
2026-11-30 05:00:00  succeeded  run now        1     2.50s  worker@a  {"rows": 3}
"""  # noqa: E501 (a golden table is as wide as it is)


def test_runs_lists_fires_in_progress_then_history_newest_first(world: World) -> None:
    busy_world(world)

    result = world.cli("runs", "수집")

    assert (result.code, result.err) == (0, "")
    assert result.out == RUNS_TABLE


RUNS_TABLE_KO = """\
SCHEDULED            OUTCOME    TRIGGER    ATTEMPT  DURATION  WORKER    DETAIL
2026-11-30 09:00:00  실행 중    수동 실행        1         -  worker@a  worker@a에서 2026-11-30 09:00:01부터 실행 중
2026-11-30 11:00:00  놓침       Beat             1         -  -         catchup_window: Beat가 돌아왔을 때 실행하기엔 너무 늦음 (2회분)
2026-11-30 10:00:00  건너뜀     Beat             1         -  -         overlap: 이전 실행이 끝나지 않음
2026-11-30 07:00:00  실패       수동 실행        1     0.42s  worker@a  ValueError: days must be positive (got -3)
2026-11-30 06:00:00  시간 초과  수동 실행        1        1m  worker@a  SoftTimeLimitExceeded
2026-11-30 05:00:00  성공       수동 실행        1     2.50s  worker@a  {"rows": 3}
"""  # noqa: E501


def test_runs_in_korean(world: World) -> None:
    busy_world(world)

    assert world.cli("runs", "수집", language="ko").out == RUNS_TABLE_KO


def test_a_lost_run_says_its_lease_expired(world: World) -> None:
    world.add("a")
    world.lose("a", at(9))

    [row] = world.cli("runs", "a").lines[1:]

    assert row.split("  ")[1].strip() == "lost"
    assert row.endswith("lease expired: its worker stopped answering")
    korean = world.cli("runs", "a", language="ko").lines[1]
    assert korean.endswith("lease 만료: 워커가 응답하지 않음")


def test_failed_keeps_only_attempts_that_went_wrong(world: World) -> None:
    busy_world(world)

    lines = world.cli("runs", "수집", "--failed").lines

    assert [line[21:30].strip() for line in lines[1:]] == ["failed", "timed_out"]


def test_limit_and_before_page_through_the_history(world: World) -> None:
    world.add("a")
    for hour in range(1, 8):
        world.run("a", at(hour))
    ids = [r.id for r in world.store.runs("a", 10)]

    first = world.cli("runs", "a", "--limit", "3")

    assert [line[:19] for line in first.lines[1:4]] == [
        "2026-11-30 07:00:00",
        "2026-11-30 06:00:00",
        "2026-11-30 05:00:00",
    ]
    assert first.lines[4] == f"Older runs: add --before {ids[2]}."
    last = world.cli("runs", "a", "--limit", "3", "--before", ids[5] or "")
    assert [line[:19] for line in last.lines[1:]] == ["2026-11-30 01:00:00"]
    assert world.cli("runs", "a", "--before", ids[6] or "").out == ""


def test_failed_pages_skip_the_successes_between_failures(world: World) -> None:
    world.add("a")
    for hour in range(1, 9):
        world.run("a", at(hour), "failed" if hour % 2 else "succeeded", error=ERROR)

    first = json.loads(world.cli("runs", "a", "--failed", "--limit", "2", "--json").out)
    scheduled = [r["scheduled_at"] for r in first["runs"]]
    rest = world.cli("runs", "a", "--failed", "--before", first["next_cursor"], "--json").out

    assert scheduled == ["2026-11-29T22:00:00Z", "2026-11-29T20:00:00Z"]
    assert [r["scheduled_at"] for r in json.loads(rest)["runs"]] == [
        "2026-11-29T18:00:00Z",
        "2026-11-29T16:00:00Z",
    ]
    assert json.loads(rest)["next_cursor"] is None


def test_runs_json_is_one_document_with_the_records_as_the_api_shows_them(world: World) -> None:
    busy_world(world)

    document = json.loads(world.cli("runs", "수집", "--limit", "2", "--json").out)

    assert document["schedule"] == "수집"
    [running] = document["in_progress"]
    assert (running["outcome"], running["worker"], running["started_at"]) == (
        "running",
        "worker@a",
        "2026-11-30T00:00:01Z",
    )
    assert [(r["outcome"], r["reason"]) for r in document["runs"]] == [
        ("missed", "catchup_window"),
        ("skipped", "overlap"),
    ]
    assert document["runs"][0]["missed_count"] == 2
    assert document["next_cursor"] == document["runs"][1]["id"]


def test_no_runs_yet_is_said_in_a_sentence(world: World) -> None:
    world.add("새_작업")

    assert world.cli("runs", "새_작업").out == "No runs of '새_작업' are recorded.\n"
    assert world.cli("runs", "새_작업", "--failed", language="ko").out == (
        "'새_작업'의 실패한 실행 기록이 없습니다.\n"
    )


def test_an_unknown_schedule_is_one_line_and_exit_1(world: World) -> None:
    english = "No schedule named '없음', and no run history is kept for that name.\n"
    korean = "'없음' 스케줄이 없고, 그 이름으로 보관된 실행 기록도 없습니다.\n"
    for args, language, line in [
        ((), "en", english),
        (("--failed",), "en", english),
        (("--json",), "ko", korean),
    ]:
        result = world.cli("runs", "없음", *args, language=language)

        assert (result.code, result.out, result.err) == (EXIT_FAILED, "", line)


def test_a_deleted_schedule_still_shows_its_history_with_a_note(world: World) -> None:
    world.add("지운_작업")
    world.run("지운_작업", at(9), "failed", error=ERROR)
    world.cli("delete", "지운_작업")

    result = world.cli("runs", "지운_작업")

    assert result.code == 0
    assert result.lines[1].startswith("2026-11-30 09:00:00  failed")
    note = "'지운_작업' is no longer scheduled; its history stays until it ages out.\n"
    assert result.err == note


SHOW_HISTORY = """\
Runs recorded: 3, 2 failed (success rate 33.3%); 2 failure(s) in a row.
Duration: last 0.42s, average 21.0s, p95 1m (recent runs).
Last 3 run(s), newest first:
SCHEDULED            OUTCOME  TRIGGER  ATTEMPT  DURATION  WORKER    DETAIL
2026-11-30 09:00:00  running  run now        1         -  worker@a  running on worker@a since 2026-11-30 09:00:01
2026-11-30 11:00:00  missed   Beat           1         -  -         catchup_window: too late to run when Beat came back (2 slots)
2026-11-30 10:00:00  skipped  Beat           1         -  -         overlap: the previous run had not ended
"""  # noqa: E501


def test_show_gives_the_figures_and_the_last_runs(world: World) -> None:
    busy_world(world)

    result = world.cli("show", "수집", "--runs", "2")

    assert result.code == 0
    assert result.out.split("\n\n")[-1] == SHOW_HISTORY


def test_show_in_korean(world: World) -> None:
    busy_world(world)

    history = world.cli("show", "수집", "--runs", "0", language="ko").out.split("\n\n")[-1]

    assert history.splitlines() == [
        "기록된 실행: 3회, 실패 2회 (성공률 33.3%); 연속 실패 2회.",
        "실행 시간: 마지막 0.42s, 평균 21.0s, p95 1m (최근 실행 기준).",
        "최근 실행 1개 (최신순):",
        "SCHEDULED            OUTCOME  TRIGGER    ATTEMPT  DURATION  WORKER    DETAIL",
        "2026-11-30 09:00:00  실행 중  수동 실행        1         -  worker@a  "
        "worker@a에서 2026-11-30 09:00:01부터 실행 중",
    ]


def test_show_of_a_schedule_that_never_ran(world: World) -> None:
    world.add("새_작업")

    history = world.cli("show", "새_작업").out.split("\n\n")[-1]
    korean = world.cli("show", "새_작업", language="ko").out.split("\n\n")[-1]

    assert history == "Runs recorded: none yet; last sent -, 0 time(s) in all.\n"
    assert korean == "기록된 실행: 아직 없음. 마지막 전송 -, 총 0회 전송.\n"


def test_show_json_has_stats_runs_in_progress_and_recent_runs(world: World) -> None:
    busy_world(world)

    document = json.loads(world.cli("show", "수집", "--json", "--runs", "3").out)

    assert document["stats"] == {
        "run_count": 3,
        "error_count": 2,
        "success_rate": 0.3333,
        "consecutive_failures": 2,
        "last_outcome": "failed",
        "last_finished_at": "2026-11-29T22:00:01.420000Z",
        "last_duration_seconds": 0.42,
        "avg_duration_seconds": 20.973,
        "p95_duration_seconds": 60.0,
    }
    assert [r["outcome"] for r in document["in_progress"]] == ["running"]
    assert [r["outcome"] for r in document["recent_runs"]] == ["missed", "skipped", "failed"]
    assert document["recent_runs"][2]["error"] == {
        "type": "ValueError",
        "message": "days must be positive\n  (got -3)",
    }


def test_run_is_refused_while_a_run_is_in_progress_unless_forced(
    world: World, monkeypatch: object
) -> None:
    from app.core.celery_app import celery_app

    sent: list[str] = []
    setattr_ = monkeypatch.setattr  # type: ignore[attr-defined]
    setattr_(celery_app, "send_task", lambda name, *a, **kw: sent.append(kw["task_id"]))
    world.add("수집")
    first = world.cli("run", "수집")
    assert first.code == 0 and len(sent) == 1

    refused = world.cli("run", "수집")
    assert refused.code == EXIT_FAILED and len(sent) == 1
    assert "Add --force to run it anyway." in refused.err

    forced = world.cli("run", "수집", "--force")
    assert forced.code == 0 and len(sent) == 2
    assert len(world.store.in_progress("수집")) == 2
