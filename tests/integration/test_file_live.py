"""schedules.json edits apply to a running Beat (issue: live file reload)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from redis import Redis

from app.core.embedded_redis import RedisServer
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from app.schedules_file.sync import read_state
from tests.integration.conftest import Stack, wait_until, write_schedules
from tests.integration.test_cli import check_script, cli

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
WEEKLY = {"task": CRAWL, "day_of_week": "1", "hour": 6, "minute": 0}


def timing_of(store: ScheduleStore, name: str) -> dict[str, object] | None:
    entry = store.get(name)
    return entry.spec.to_document() if entry and entry.spec else None


def test_saving_the_file_applies_without_a_restart(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY, "곧_삭제": {"task": CRAWL, "interval": 60}})
    stack.beat().wait_for_log("schedules.json applied")
    store.save("API_전용", parse_spec({"task": CRAWL, "cron": "30 2 * * *"}))
    api_version = store.get("API_전용").etag  # type: ignore[union-attr]

    write_schedules(
        schedules_file,
        {"주간": {**WEEKLY, "hour": 7}, "새_항목": {"task": CRAWL, "cron": "0 4 * * *"}},
    )
    wait_until(lambda: (timing_of(store, "주간") or {}).get("hour") == "7", what="the edit")
    wait_until(lambda: store.get("새_항목"), what="the new entry")
    wait_until(lambda: store.get("곧_삭제") is None, what="the removed entry to go")
    assert store.get("API_전용").etag == api_version  # type: ignore[union-attr]


def test_in_place_save_applies_too(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY})
    stack.beat().wait_for_log("schedules.json applied")
    text = json.dumps({"schedules": {"주간": {**WEEKLY, "minute": 30}}})
    with schedules_file.open("w", encoding="utf-8") as handle:  # same inode, as `>` does
        handle.write(text)
    wait_until(lambda: (timing_of(store, "주간") or {}).get("minute") == "30", what="the edit")


def test_invalid_save_changes_nothing_until_fixed(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY, "둘째": {"task": CRAWL, "interval": 60}})
    beat = stack.beat()
    beat.wait_for_log("schedules.json applied")
    before = {n: store.get(n).etag for n in ("주간", "둘째")}  # type: ignore[union-attr]

    schedules_file.write_text('{"schedules": {"주간": {"task": "x", "hour": 3,}}}')
    beat.wait_for_log("schedules.json not applied")
    state = wait_until(lambda: (s := read_state(store)) and not s["ok"] and s, what="the error")
    assert "line 1" in state["error"]
    write_schedules(schedules_file, {"주간": {**WEEKLY, "task": "app.tasks.nope"}})
    wait_until(
        lambda: "app.tasks.nope" in json.dumps(read_state(store)), what="the unknown-task error"
    )
    assert {n: store.get(n).etag for n in ("주간", "둘째")} == before  # type: ignore[union-attr]

    write_schedules(schedules_file, {"주간": {**WEEKLY, "hour": 9}})
    wait_until(lambda: (read_state(store) or {}).get("ok"), what="the fixed file to apply")
    assert (timing_of(store, "주간") or {}).get("hour") == "9"
    assert store.get("둘째") is None


def test_an_entry_lost_from_redis_is_recreated(
    stack: Stack, store: ScheduleStore, redis: Redis, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY})
    beat = stack.beat(SCHEDULES_FILE_RESYNC_SECONDS="1")
    beat.wait_for_log("schedules.json applied")
    redis.delete(entry_key("주간"))
    wait_until(lambda: store.get("주간"), what="the entry to come back")
    beat.wait_for_log("was missing from Redis")


def test_only_the_leader_applies_the_file(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY})
    leader = stack.beat()
    leader.wait_for_log("acquired the lock")
    standby = stack.beat()
    standby.wait_for_log("standing by")
    write_schedules(schedules_file, {"주간": {**WEEKLY, "hour": 8}})
    wait_until(lambda: (timing_of(store, "주간") or {}).get("hour") == "8", what="the edit")
    # The entry is written before the line that reports it is logged.
    wait_until(lambda: leader.log().count("schedules.json applied") >= 2, what="the log line")
    assert "schedules.json" not in standby.log().split("standing by", 1)[1]


def test_api_edit_of_a_file_entry_stays_until_the_file_edits_it(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY, "다른": {"task": CRAWL, "interval": 60}})
    beat = stack.beat()
    beat.wait_for_log("schedules.json applied")
    store.save("주간", parse_spec({**WEEKLY, "hour": 15}))  # what the API's PUT does

    write_schedules(schedules_file, {"주간": WEEKLY, "다른": {"task": CRAWL, "interval": 90}})
    wait_until(lambda: (timing_of(store, "다른") or {}).get("interval") == 90, what="the edit")
    assert (timing_of(store, "주간") or {}).get("hour") == "15"
    assert store.get("주간").origin == "file"  # type: ignore[union-attr]

    write_schedules(
        schedules_file, {"주간": {**WEEKLY, "hour": 5}, "다른": {"task": CRAWL, "interval": 90}}
    )
    wait_until(lambda: (timing_of(store, "주간") or {}).get("hour") == "5", what="the file to win")


def test_a_file_error_shows_in_the_api_and_check_schedules(
    stack: Stack, store: ScheduleStore, redis_server: RedisServer, schedules_file: Path
) -> None:
    write_schedules(schedules_file, {"주간": WEEKLY})
    beat = stack.beat()
    beat.wait_for_log("schedules.json applied")
    base = stack.api()
    schedules_file.write_text('{"schedules": {"주간": {"task": "x",,}}}')
    wait_until(lambda: not (read_state(store) or {"ok": True})["ok"], what="the sync error")

    status = httpx.get(f"{base}/api/scheduler/status", params={"workers": "false"}).json()
    assert status["sync"]["ok"] is False and "line 1" in status["sync"]["error"]
    assert status["healthy"] is False
    assert [p["code"] for p in status["problems"]] == ["sync_error"]

    shown = check_script(redis_server.url)
    assert "schedules.json: NOT applied" in shown.stdout and "line 1" in shown.stdout
    checked = check_script(redis_server.url, "--check")
    assert checked.returncode == 1 and "schedules.json" in checked.stdout


def test_api_export_applied_to_an_empty_redis_reproduces_the_live_state(
    stack: Stack, store: ScheduleStore, redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    base = stack.api()
    bodies = [
        {"name": "주간업데이트", **WEEKLY, "options": {"expires": 3600}},
        {
            "name": "격일",
            "task": CRAWL,
            "interval": 172800,
            "anchor": "2024-01-01T01:00:00",
            "policy": {"overlap": "buffer_one", "min_gap_seconds": 60},
        },
        {"name": "한번", "task": CRAWL, "at": "2031-01-01T09:00:00", "enabled": False},
        {
            "name": "수집",
            "task": "app.tasks.collection.collect_wholesale_products",
            "cron": "0 2 * * *",
            "kwargs": {"test_mode": True},
            "args": [],
            "timezone": "UTC",
        },
    ]
    for body in bodies:
        assert httpx.post(f"{base}/api/scheduler/schedule", json=body).status_code == 201
    before = {n: e.spec.to_document() for n, e in store.get_many(b["name"] for b in bodies).items()}

    exported = httpx.get(f"{base}/api/scheduler/export")
    assert exported.headers["X-Export-Left-Out"] == "0"
    path = tmp_path / "exported.json"
    path.write_text(exported.text, encoding="utf-8")
    redis.flushall()
    applied = cli(redis_server.url, "apply", str(path))
    assert applied.returncode == 0, applied.stderr
    after = {n: e.spec.to_document() for n, e in store.get_many(before).items()}
    assert after == before
