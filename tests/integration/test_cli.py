"""./check_schedules.sh and `python -m app.cli` against a real Redis, as an operator runs them.

The CLI reads its settings from the environment, so each call is a subprocess with
REDIS_URL pointing at the test's redis-server. Golden outputs are stable because every
time in them is fixed: one-off and anchored timings in the future, due times written
into RedBeat's index directly, run state written as Beat writes it, and `--now`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from celery.schedules import schedule as every
from redbeat.decoder import RedBeatJSONEncoder
from redbeat.schedules import rrule
from redis import Redis

from app.beat.leadership import Leadership
from app.core.celery_app import celery_app
from app.core.constants import (
    FIELD_DEFINITION,
    FIELD_META,
    REDBEAT_SCHEDULE_KEY,
)
from app.core.embedded_redis import RedisServer, free_port
from app.schedules.entry import encode_meta
from app.schedules.keys import entry_key
from app.schedules.registry import TaskRegistry
from app.schedules.spec import parse_spec
from app.schedules.store import BeatLocks, ScheduleStore
from app.schedules_file.format import load_file
from app.schedules_file.sync import read_state, record_state, sync_file
from tests.integration.conftest import ROOT, Stack, base_env, wait_until, write_schedules

KST = ZoneInfo("Asia/Seoul")
NOW = "2026-01-01T01:00:00+09:00"
CRAWL = "app.tasks.scheduler.crawl_all_complexes"
REPORT = "app.tasks.reports.generate_daily_report"
HEALTH = "app.tasks.maintenance.health_check"
CLEANUP = "app.tasks.maintenance.cleanup_old_data"
COLLECT = "app.tasks.collection.collect_supplier"
# Long enough for a cold Python start with Celery imported on a loaded CI machine.
CLI_TIMEOUT = 120


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=KST)  # type: ignore[misc]


def cli_env(redis_url: str, **extra: str) -> dict[str, str]:
    # Everything the output depends on, so a developer's .env cannot change it.
    fixed = {"REDIS_URL": redis_url, "TIMEZONE": "Asia/Seoul", "LANGUAGE": "en", "PYTHONUTF8": "1"}
    return base_env(**{**fixed, **extra})


def run(command: list[str], redis_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=ROOT / "backend",
        env=cli_env(redis_url, **extra),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=CLI_TIMEOUT,
        check=False,
    )


def cli(redis_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "app.cli", *args], redis_url, **extra)


def check_script(redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(ROOT / "check_schedules.sh"), *args], redis_url)


def set_due(redis: Redis, name: str, due: datetime) -> None:
    """Put an entry's due time where Beat would, so the next run shown is fixed."""
    redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key(name): due.timestamp()})


def save_foreign(redis: Redis, name: str, schedule: Any, due: datetime, **fields: Any) -> None:
    """An entry as RedBeat's own API writes it (seed 004's third method): no manager."""
    definition = {
        "name": name,
        "task": CRAWL,
        "args": [],
        "kwargs": {},
        "options": {},
        "schedule": schedule,
        "enabled": True,
        **fields,
    }
    redis.hset(entry_key(name), FIELD_DEFINITION, json.dumps(definition, cls=RedBeatJSONEncoder))
    set_due(redis, name, due)


def lead(redis: Redis) -> Leadership:
    """A Beat's leadership without the Beat: the same lock and heartbeat writes."""
    leadership = Leadership(BeatLocks(redis), lock_timeout=60, instance_id="beat-test:1")
    leadership.beat()
    return leadership


def seed_world(store: ScheduleStore) -> None:
    redis = store.redis
    store.save(
        "주간업데이트",
        parse_spec({"task": CRAWL, "day_of_week": "1", "hour": 6, "minute": 0}),
        origin="file",
    )
    set_due(redis, "주간업데이트", kst(2030, 1, 7, 6, 0))
    redis.hset(entry_key("주간업데이트"), FIELD_META, encode_meta(kst(2029, 12, 31, 6, 0), 42))
    store.save("한번만_리포트", parse_spec({"task": REPORT, "at": "2030-01-01T09:00:00"}))
    store.save(
        "격일_배치",
        parse_spec({"task": HEALTH, "interval": 172800, "anchor": "2030-06-01T01:00:00"}),
    )
    store.save(
        "일시중지_정리",
        parse_spec(
            {"task": CLEANUP, "cron": "0 1 * * 0", "kwargs": {"days": 30}, "enabled": False}
        ),
    )
    store.save(
        "📦 이모지_수집",
        parse_spec(
            {
                "task": COLLECT,
                "interval": 3600,
                "anchor": "2030-02-01T00:00:00",
                "timezone": "UTC",
                "kwargs": {"supplier": "오너클랜"},
            }
        ),
    )
    store.save("늦은_작업", parse_spec({"task": HEALTH, "interval": 60}))
    set_due(redis, "늦은_작업", kst(2026, 1, 1, 0, 0))
    save_foreign(
        redis, "임시_테스트", crontab(hour=16, minute=0, day_of_week=3), kst(2030, 1, 2, 16, 0)
    )
    six_hourly = rrule("HOURLY", dtstart=kst(2030, 1, 1), interval=6, app=celery_app)
    save_foreign(redis, "여섯시간마다", six_hourly, kst(2030, 1, 1, 6, 0))
    record_state(
        store,
        {
            "ok": True,
            "path": "schedules.json",
            "counts": {"created": 1, "unchanged": 0},
            "checked_at": "2025-12-31T15:00:00+00:00",
            "applied_at": "2025-12-31T15:00:00+00:00",
        },
    )


GOLDEN_TABLE = """\
NAME            TASK                                     TIMING                                            STATE    ORIGIN   NEXT RUN                    DUE             LAST RUN          RUNS  LAST OUTCOME
격일_배치       app.tasks.maintenance.health_check       every 2 days from 2030-06-01 01:00:00             enabled  api      2030-06-01 01:00            in 1612 d       -                    0  never run
늦은_작업       app.tasks.maintenance.health_check       every 1 minute                                    enabled  api      2026-01-01 00:00 (late 1h)  1 h ago         -                    0  never run
여섯시간마다    app.tasks.scheduler.crawl_all_complexes  <rrule: freq: 4, dtstart: 2030-01-01 00:00:00+0…  enabled  redbeat  2030-01-01 06:00            in 1461 d 5 h   -                    0  never run
일시중지_정리   app.tasks.maintenance.cleanup_old_data   At 01:00, only on Sunday                          paused   api      -                           -               -                    0  never run
임시_테스트     app.tasks.scheduler.crawl_all_complexes  At 16:00, only on Wednesday                       enabled  redbeat  2030-01-02 16:00            in 1462 d 15 h  -                    0  never run
주간업데이트    app.tasks.scheduler.crawl_all_complexes  At 06:00, only on Monday                          enabled  file     2030-01-07 06:00            in 1467 d 5 h   2029-12-31 06:00    42  no outcome yet
한번만_리포트   app.tasks.reports.generate_daily_report  once, at 2030-01-01 09:00:00                      enabled  api      2030-01-01 09:00            in 1461 d 8 h   -                    0  never run
📦 이모지_수집  app.tasks.collection.collect_supplier    every 1 hour from 2030-02-01 00:00:00             enabled  api      2030-02-01 00:00 UTC        in 1492 d 8 h   -                    0  never run

Schedules: 8 shown of 8 stored; 7 enabled, 1 paused; 1 overdue by more than 5m.
Times are in Asia/Seoul unless marked. LAST OUTCOME is how the last run ended; ×N: its last N runs failed.
Dispatching: running (Beat sends each schedule when it comes due).
Beat: none running (no leader heartbeat, and the lock is free). Start one with ./run_celery_beat.sh.
Workers: not checked.
schedules.json: applied 2026-01-01 00:00:00 from schedules.json (1 created).
Redis: redis://<test> reachable.
"""  # noqa: E501 (a golden table is as wide as it is)


def normalized(output: str, redis_url: str) -> str:
    return output.replace(redis_url, "redis://<test>")


def test_table_with_korean_names_and_summary(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    seed_world(store)

    result = check_script(redis_server.url, "--now", NOW, "--ping-timeout", "0")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert normalized(result.stdout, redis_server.url) == GOLDEN_TABLE


GOLDEN_SUMMARY_KO = """\
스케줄: 저장된 8개 중 8개 표시; 활성 7개, 일시 중지 1개; 5m 넘게 지연된 스케줄 1개.
따로 표시하지 않은 시각은 Asia/Seoul 기준입니다. LAST OUTCOME은 마지막 실행의 결과이고, N연속은 최근 N번의 실행이 연이어 실패했다는 뜻입니다.
디스패치: 실행 중 (Beat가 각 스케줄을 실행 시각에 전송합니다).
Beat: 실행 중인 Beat가 없습니다 (리더 하트비트가 없고 잠금도 비어 있습니다). ./run_celery_beat.sh로 시작하세요.
워커: 확인하지 않았습니다.
schedules.json: 2026-01-01 00:00:00에 schedules.json의 내용을 적용했습니다 (1 created).
Redis: redis://<test>에 연결할 수 있습니다.
"""  # noqa: E501


def test_language_ko_gives_the_table_cells_and_summary_in_korean(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    seed_world(store)

    result = cli(redis_server.url, "status", "--now", NOW, "--ping-timeout", "0", LANGUAGE="ko")

    assert result.returncode == 0, result.stderr
    table, summary = normalized(result.stdout, redis_server.url).split("\n\n")
    assert summary == GOLDEN_SUMMARY_KO
    late = next(line for line in table.splitlines() if line.startswith("늦은_작업"))
    assert "2026-01-01 00:00 (1h 지연)" in late and late.endswith("실행된 적 없음")


def test_json_is_one_document_with_the_same_facts(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    seed_world(store)

    result = cli(redis_server.url, "status", "--json", "--now", NOW, "--ping-timeout", "0")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    schedules = {s["name"]: s for s in document.pop("schedules")}
    assert {
        name: (
            s["timing_text"],
            s["enabled"],
            s["origin"],
            s["next_run_at"],
            s["last_run_at"],
            s["total_run_count"],
            s["last_outcome"],
            s["overdue_seconds"],
        )
        for name, s in schedules.items()
    } == {
        "격일_배치": (
            "every 2 days from 2030-06-01 01:00:00",
            True,
            "api",
            "2030-06-01T01:00:00+09:00",
            None,
            0,
            None,
            None,
        ),
        "늦은_작업": (
            "every 1 minute",
            True,
            "api",
            "2026-01-01T00:00:00+09:00",
            None,
            0,
            None,
            3600.0,
        ),
        "여섯시간마다": (None, True, "redbeat", "2030-01-01T06:00:00+09:00", None, 0, None, None),
        "일시중지_정리": ("At 01:00, only on Sunday", False, "api", None, None, 0, None, None),
        "임시_테스트": (
            "At 16:00, only on Wednesday",
            True,
            "redbeat",
            "2030-01-02T16:00:00+09:00",
            None,
            0,
            None,
            None,
        ),
        "주간업데이트": (
            "At 06:00, only on Monday",
            True,
            "file",
            "2030-01-07T06:00:00+09:00",
            "2029-12-31T06:00:00+09:00",
            42,
            None,
            None,
        ),
        "한번만_리포트": (
            "once, at 2030-01-01 09:00:00",
            True,
            "api",
            "2030-01-01T09:00:00+09:00",
            None,
            0,
            None,
            None,
        ),
        "📦 이모지_수집": (
            "every 1 hour from 2030-02-01 00:00:00",
            True,
            "api",
            "2030-02-01T00:00:00+00:00",
            None,
            0,
            None,
            None,
        ),
    }
    emoji = schedules["📦 이모지_수집"]
    emoji.pop("version")
    assert emoji == {
        "name": "📦 이모지_수집",
        "task": COLLECT,
        "interval": 3600.0,
        "anchor": "2030-02-01T00:00:00",
        "timezone": "UTC",
        # The repr of the schedule object, as seed 004's listing shows it.
        "schedule": "<rrule: freq: 4, dtstart: 2030-02-01 00:00:00+00:00, interval: 1, "
        "wkst: None, count: None, until: None, bysetpos: None, bymonth: None, "
        "bymonthday: None, byyearday: None, byeaster: None, byweekno: None, "
        "byweekday: None, byhour: None, byminute: None, bysecond: None>",
        "timing": {
            "kind": "interval",
            "timezone": "UTC",
            "interval": 3600.0,
            # With the offset it was read with: 00:00 in the schedule's zone, UTC.
            "anchor": "2030-02-01T00:00:00+00:00",
        },
        "timing_text": "every 1 hour from 2030-02-01 00:00:00",
        "args": [],
        "kwargs": {"supplier": "오너클랜"},
        "options": {},
        "enabled": True,
        "origin": "api",
        "description": "",
        "policy": {
            "overlap": "skip",
            "timeout_seconds": None,
            "max_retries": 0,
            "retry_backoff_seconds": None,
            "min_gap_seconds": 0.0,
            "catchup_window_seconds": None,
            "lock_key": None,
            "lease_seconds": None,
            "alert_webhook_url": None,
            "alert_failed_items": None,
            "alert_long_run_seconds": None,
        },
        "category": None,
        "next_run_at": "2030-02-01T00:00:00+00:00",
        # From --now, 2026-01-01 01:00 in Seoul.
        "next_run_in_seconds": 128937600.0,
        "next_run_in": "in 1492 d 8 h",
        "last_run_at": None,
        "total_run_count": 0,
        "last_outcome": None,
        "consecutive_failures": 0,
        "history": {
            "run_count": 0,
            "error_count": 0,
            "success_rate": None,
            "consecutive_failures": 0,
            "last_outcome": None,
            "last_finished_at": None,
            "last_duration_seconds": None,
        },
        "overdue_seconds": None,
    }
    status = document["status"]
    assert status.pop("checked_at")
    assert status == {
        "redis_url": redis_server.url,
        "redis_error": None,
        "redis_ok": True,
        "beat": {"leader": None, "lock_holder": None, "instances": [], "running": False},
        # No Beat leads, so none has said whether it hears keyspace notifications.
        "pickup": None,
        "sync": {
            "ok": True,
            "path": "schedules.json",
            "counts": {"created": 1, "unchanged": 0},
            "checked_at": "2025-12-31T15:00:00+00:00",
            "applied_at": "2025-12-31T15:00:00+00:00",
        },
        "workers": None,
        "workers_error": None,
        "worker_details": None,
        "workers_source": None,
        "schedules": 8,
        "paused": False,
        "pause": {"paused": False, "since": None, "reason": None, "by": None},
    }
    assert document == {
        "timezone": "Asia/Seoul",
        "now": "2026-01-01T01:00:00+09:00",
        "count": 8,
        "status": status,
        "check": {
            "ok": False,
            "grace_seconds": 300.0,
            "problems": [
                {
                    "code": "no_beat",
                    "message": "no Beat is running (no leader heartbeat, and the lock is free)",
                    "detail": {},
                },
                {
                    "code": "overdue",
                    "message": "1 enabled schedule(s) overdue by more than 5m: 늦은_작업 1h late",
                    "detail": {
                        "count": 1,
                        "entries": [
                            {
                                "name": "늦은_작업",
                                "due_at": "2025-12-31T15:00:00+00:00",
                                "late_seconds": 3600.0,
                            }
                        ],
                    },
                },
            ],
        },
    }


def check_line(redis_url: str, *args: str) -> tuple[int, str]:
    result = check_script(redis_url, "--check", "--now", NOW, "--ping-timeout", "0", *args)
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1, result.stdout
    return result.returncode, result.stdout.rstrip("\n")


def healthy_world(store: ScheduleStore) -> None:
    store.save("한번만_리포트", parse_spec({"task": REPORT, "at": "2030-01-01T09:00:00"}))
    store.save("늦은_작업", parse_spec({"task": HEALTH, "interval": 60}))
    set_due(store.redis, "늦은_작업", kst(2030, 1, 1))
    record_state(store, {"ok": True, "path": "schedules.json", "counts": {}})


def test_check_passes_when_beat_leads_the_file_applied_and_nothing_is_late(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    healthy_world(store)
    lead(store.redis)

    assert check_line(redis_server.url) == (
        0,
        "OK: Beat beat-test:1 leads; 2 schedules, none overdue by more than 5m; "
        "schedules.json applied.",
    )


def test_check_fails_when_no_beat_runs(redis_server: RedisServer, store: ScheduleStore) -> None:
    healthy_world(store)
    lead(store.redis).release()  # a Beat that stopped cleanly: lock and heartbeat gone

    assert check_line(redis_server.url) == (
        1,
        "CHECK FAILED: no Beat is running (no leader heartbeat, and the lock is free)",
    )


def test_check_fails_when_schedules_json_did_not_apply(
    redis_server: RedisServer,
    store: ScheduleStore,
    registry: TaskRegistry,
    tmp_path: Path,
) -> None:
    healthy_world(store)
    lead(store.redis)
    broken = tmp_path / "schedules.json"
    broken.write_text('{"schedules": {\n  "x": {"task": "nope", "interval": 5}', "utf-8")
    assert sync_file(store, broken, registry) is None

    assert check_line(redis_server.url) == (
        1,
        "CHECK FAILED: schedules.json was not applied: invalid JSON at line 2, column 39: "
        "Expecting ',' delimiter",
    )


def test_check_fails_when_an_enabled_schedule_is_overdue_past_the_grace(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    healthy_world(store)
    lead(store.redis)
    set_due(store.redis, "늦은_작업", kst(2026, 1, 1, 0, 0))  # an hour before NOW
    # Paused, but RedBeat's own API left a past due time: not overdue, it will not fire.
    save_foreign(store.redis, "멈춘_옛작업", every(60), kst(2025, 1, 1), enabled=False)

    assert check_line(redis_server.url) == (
        1,
        "CHECK FAILED: 1 enabled schedule(s) overdue by more than 5m: 늦은_작업 1h late",
    )
    code, line = check_line(redis_server.url, "--grace", "7200")
    assert code == 0, line
    assert check_line(redis_server.url, "수집")[0] == 0, "the name filter applies to --check"


def test_check_lists_every_failed_condition_in_its_one_line(
    redis_server: RedisServer, store: ScheduleStore, registry: TaskRegistry, tmp_path: Path
) -> None:
    healthy_world(store)
    set_due(store.redis, "늦은_작업", kst(2025, 12, 31, 1, 0))
    missing = tmp_path / "gone.json"
    sync_file(store, missing, registry)

    code, line = check_line(redis_server.url)

    assert code == 1
    assert line.startswith("CHECK FAILED: no Beat is running")
    assert "; schedules.json was not applied: cannot read: No such file or directory; " in line
    assert line.endswith("늦은_작업 1d late")


def test_check_json_carries_the_same_verdict(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    healthy_world(store)

    result = cli(redis_server.url, "status", "--check", "--json", "--ping-timeout", "0")

    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert set(document) == {"status", "check"}
    assert [p["code"] for p in document["check"]["problems"]] == ["no_beat"]


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--check"],
        ["status", "--json"],
        ["list"],
        ["show", "주간업데이트"],
        ["runs", "주간업데이트"],
        ["pause", "주간업데이트"],
        ["run", "주간업데이트"],
        ["export"],
    ],
    ids=" ".join,
)
def test_redis_unreachable_is_one_line_with_the_password_hidden_and_exit_2(
    args: list[str],
) -> None:
    port = free_port()
    url = f"redis://:s3cret-pw@127.0.0.1:{port}/0"

    if args[0] == "status":
        result = check_script(url, *args[1:])
    else:
        result = cli(url, *args)

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"Redis is unreachable at redis://:***@127.0.0.1:{port}/0: ")
    assert "Check that Redis runs there and that REDIS_URL" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


SPECS: dict[str, dict[str, Any]] = {
    "주간업데이트": {
        "task": CRAWL,
        "day_of_week": "1",
        "hour": 6,
        "minute": 0,
        "options": {"expires": 3600},
        "description": "매주 월요일 오전 6시",
    },
    "도매처_상품_수집": {
        "task": "app.tasks.collection.collect_wholesale_products",
        "cron": "0 2 * * *",
        "kwargs": {"suppliers": ["zentrade", "ownerclan"], "test_mode": False},
        "policy": {
            "timeout_seconds": 3600,
            "max_retries": 3,
            "overlap": "buffer_one",
            "lock_key": "수집",
        },
    },
    "격일_배치": {
        "task": HEALTH,
        "interval": 172800,
        "anchor": "2024-01-01T01:00:00",
        "timezone": "UTC",
    },
    "한번만": {
        "task": REPORT,
        "at": "2030-01-01T09:00:00",
        "options": {"queue": "reports", "priority": 5},
    },
    "잠시_멈춤": {"task": CLEANUP, "cron": "0 1 * * 0", "args": [30], "enabled": False},
}


def test_export_then_flush_then_apply_reproduces_the_live_state(
    redis_server: RedisServer,
    redis: Redis,
    store: ScheduleStore,
    registry: TaskRegistry,
    tmp_path: Path,
) -> None:
    for name, raw in SPECS.items():
        store.save(name, parse_spec(raw), origin="api" if "한" in name else "file")
    save_foreign(redis, "임시_테스트", crontab(hour=16, minute=0, day_of_week=3), kst(2030, 1, 1))
    save_foreign(
        redis, "여섯시간마다", rrule("HOURLY", interval=6, app=celery_app), kst(2030, 1, 1)
    )
    before = {
        n: e.spec.to_document()
        for n, e in store.get_many([*SPECS, "임시_테스트"]).items()
        if e.spec is not None
    }
    exported = tmp_path / "exported.json"

    result = cli(redis_server.url, "export", "--output", str(exported))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote 6 schedule(s) to {exported}.\n"
    assert result.stderr.startswith("Not exported: '여섯시간마다': its timing <rrule: freq: 4")
    assert result.stderr.count("\n") == 1
    to_stdout = cli(redis_server.url, "export")
    assert to_stdout.stdout == exported.read_text("utf-8"), "stdout and --output agree"
    assert json.loads(to_stdout.stdout)["$schema"] == "./schedules.schema.json"
    assert set(load_file(exported, registry).specs) == set(before), "a valid schedules.json"

    redis.flushall()
    applied = cli(redis_server.url, "apply", str(exported))

    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[0] == f"Applied {exported}: 6 created."
    assert applied.stderr.startswith(f"Note: {exported} is not SCHEDULES_FILE (")
    after = {
        n: e.spec.to_document() for n, e in store.get_many(before).items() if e.spec is not None
    }
    assert after == before
    assert after["잠시_멈춤"]["enabled"] is False
    assert read_state(store)["ok"] is True  # type: ignore[index]
    [created] = store.audit("잠시_멈춤", 5)
    assert (created.action, created.source) == ("created", "cli"), "apply is the operator's"

    again = cli(redis_server.url, "apply", str(exported))
    assert again.stdout == f"Applied {exported}: 6 unchanged.\n"


def test_apply_of_an_invalid_file_names_each_problem_and_changes_nothing(
    redis_server: RedisServer, redis: Redis, store: ScheduleStore, tmp_path: Path
) -> None:
    store.save("남은_항목", parse_spec({"task": HEALTH, "interval": 60}))
    record_state(store, {"ok": True, "path": "schedules.json", "counts": {}})
    snapshot = {key: redis.dump(key) for key in redis.keys("*")}
    bad = tmp_path / "bad.json"
    write_schedules(
        bad,
        {
            "주간업데이트": {"task": "app.tasks.nope", "hour": 6},
            "격일": {"task": HEALTH, "cron": "0 25 * * *"},
            "정상": {"task": HEALTH, "interval": 60},
        },
    )

    result = cli(redis_server.url, "apply", str(bad))

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{bad} was not applied; nothing was changed:"
    assert lines[1].startswith("  schedules.주간업데이트.task: unknown task; available: ")
    assert lines[1].endswith("(got 'app.tasks.nope')")
    assert lines[2].startswith("  schedules.격일.cron: field hour: '25' is not valid")
    assert len(lines) == 3
    assert {key: redis.dump(key) for key in redis.keys("*")} == snapshot


def test_apply_reports_json_syntax_errors_by_line_and_column(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "schedules": {\n    "x": {"task": "t",}\n  }\n}\n', "utf-8")

    result = cli(redis_server.url, "apply", str(bad))

    assert result.returncode == 1
    assert result.stderr.splitlines()[1] == (
        "  invalid JSON at line 3, column 23: Expecting property name enclosed in double quotes"
    )


def test_apply_dry_run_validates_without_writing(
    redis_server: RedisServer, redis: Redis, tmp_path: Path
) -> None:
    good = tmp_path / "good.json"
    write_schedules(good, {"정상": {"task": HEALTH, "interval": 60}})

    result = cli(redis_server.url, "apply", "--dry-run", str(good))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{good} is valid: 1 schedule(s); nothing was changed (--dry-run).\n"
    assert redis.dbsize() == 0


def test_apply_tells_what_changed_and_what_stays_deleted(
    redis_server: RedisServer, store: ScheduleStore, tmp_path: Path
) -> None:
    path = tmp_path / "schedules.json"
    write_schedules(
        path, {"하나": {"task": HEALTH, "interval": 60}, "둘": {"task": HEALTH, "interval": 120}}
    )
    assert cli(redis_server.url, "apply", str(path)).returncode == 0
    assert cli(redis_server.url, "delete", "둘").returncode == 0
    write_schedules(
        path,
        {
            "하나": {"task": HEALTH, "interval": 90},
            "둘": {"task": HEALTH, "interval": 120},
            "셋": {"task": HEALTH, "interval": 30},
        },
    )

    result = cli(redis_server.url, "apply", str(path), SCHEDULES_FILE=str(path))

    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "applying SCHEDULES_FILE itself needs no note"
    assert result.stdout.splitlines() == [
        f"Applied {path}: 1 created, 1 updated, 1 kept deleted.",
        "  created: 셋",
        "  updated (edited in the file since the last sync): 하나",
        "  kept deleted (deleted through the API or CLI since; edit the entry in the file to "
        "bring it back): 둘",
    ]


def test_show_gives_the_next_five_fire_times_and_says_no_run_is_recorded(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    seed_world(store)

    result = cli(redis_server.url, "show", "격일_배치")

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("Version:")]
    # How far the next run is depends on today's date: checked, then left out.
    next_run = next(i for i, line in enumerate(lines) if line.startswith("Next run:"))
    assert re.fullmatch(r"Next run: +2030-06-01 01:00 \(in \d+ d( \d+ h)?\)", lines[next_run])
    lines[next_run] = lines[next_run].partition(" (in ")[0]
    assert (
        "\n".join(lines) + "\n"
        == """\
Name:           격일_배치
Task:           app.tasks.maintenance.health_check
Timing:         every 2 days from 2030-06-01 01:00:00
Timing fields:  interval: timezone=Asia/Seoul interval=172800.0 anchor=2030-06-01T01:00:00+09:00
State:          enabled
Origin:         api
Description:    -
Args:           []
Kwargs:         {}
Options:        {}
Policy:         {"overlap": "skip", "timeout_seconds": null, "max_retries": 0, \
"retry_backoff_seconds": null, "min_gap_seconds": 0.0, "catchup_window_seconds": null, \
"lock_key": null, "lease_seconds": null, "alert_webhook_url": null, "alert_failed_items": null, \
"alert_long_run_seconds": null}
Next run:       2030-06-01 01:00
Last run:       -
Runs:           0

Next 5 fire times:
  2030-06-01 01:00:00 KST (Sat)
  2030-06-03 01:00:00 KST (Mon)
  2030-06-05 01:00:00 KST (Wed)
  2030-06-07 01:00:00 KST (Fri)
  2030-06-09 01:00:00 KST (Sun)

Runs recorded: none yet; last sent -, 0 time(s) in all.
"""
    )
    paused = cli(redis_server.url, "show", "일시중지_정리")
    assert "Next fire times: none (paused)." in paused.stdout.splitlines()
    as_json = json.loads(cli(redis_server.url, "show", "주간업데이트", "--json").stdout)
    assert as_json["upcoming"][:2] == ["2030-01-07T06:00:00+09:00", "2030-01-14T06:00:00+09:00"]
    assert (as_json["recent_runs"], as_json["in_progress"]) == ([], [])
    assert as_json["stats"]["run_count"] == 0
    assert as_json["total_run_count"] == 42


def test_pause_resume_run_and_delete_go_through_the_service(
    redis_server: RedisServer, redis: Redis, store: ScheduleStore
) -> None:
    seed_world(store)
    url = redis_server.url

    paused = cli(url, "pause", "주간업데이트")
    assert (paused.returncode, paused.stdout) == (
        0,
        (
            "Schedule '주간업데이트' was paused.\nThis schedule comes from schedules.json: this "
            "change stays until the entry is edited in the file again.\n"
        ),
    )
    assert store.get("주간업데이트").enabled is False  # type: ignore[union-attr]

    resumed = cli(url, "resume", "주간업데이트", LANGUAGE="ko")
    assert resumed.stdout.splitlines()[0] == "스케줄 '주간업데이트'가 재개되었습니다."
    assert store.get("주간업데이트").enabled is True  # type: ignore[union-attr]

    queue = celery_app.conf.task_default_queue
    ran = cli(url, "run", "격일_배치")
    assert ran.returncode == 0, ran.stderr
    task_id = ran.stdout.split("(task id ")[1].split(")")[0]
    assert ran.stdout == (
        f"Schedule '격일_배치' was sent to the workers now (task id {task_id}).\n"
    )
    assert redis.llen(queue) == 1 and task_id in redis.lindex(queue, 0)  # type: ignore[operator]

    deleted = cli(url, "delete", "임시_테스트")
    assert (deleted.returncode, deleted.stdout) == (0, "Schedule '임시_테스트' was deleted.\n")
    assert store.get("임시_테스트") is None

    again = cli(url, "delete", "임시_테스트")
    assert (again.returncode, again.stdout, again.stderr) == (
        1,
        "",
        "No schedule named '임시_테스트'.\n",
    )


@pytest.mark.parametrize("command", ["show", "runs", "run", "pause", "resume", "delete"])
def test_an_unknown_name_is_one_line_and_exit_1(
    redis_server: RedisServer, redis: Redis, command: str
) -> None:
    result = cli(redis_server.url, command, "없는_스케줄")

    known = ", and no run history is kept for that name" if command == "runs" else ""
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"No schedule named '없는_스케줄'{known}.\n",
    )


def test_the_name_filter_and_list_filters_narrow_the_table(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    seed_world(store)

    def names(*args: str) -> list[str]:
        result = cli(redis_server.url, "list", "--json", *args)
        assert result.returncode == 0, result.stderr
        return [s["name"] for s in json.loads(result.stdout)["schedules"]]

    assert names("_작업") == ["늦은_작업"]
    assert names("*리포트") == ["한번만_리포트"]
    assert names("--paused") == ["일시중지_정리"]
    assert names("--origin", "redbeat") == ["여섯시간마다", "임시_테스트"]
    assert names("--task", CRAWL, "--origin", "file") == ["주간업데이트"]
    empty = cli(redis_server.url, "list", "없음")
    assert empty.stdout == "No schedules match.\n"


def test_with_beat_and_a_worker_running_the_check_passes_and_names_them(
    stack: Stack, redis_server: RedisServer, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(
        schedules_file,
        {"주간업데이트": {"task": CRAWL, "day_of_week": "1", "hour": 6, "minute": 0}},
    )
    stack.worker()
    stack.beat()

    wait_until(
        lambda: check_script(redis_server.url, "--check").returncode == 0,
        what="check_schedules.sh --check to pass",
    )
    result = check_script(redis_server.url)

    assert result.returncode == 0, result.stderr
    summary = result.stdout.split("\n\n")[-1].splitlines()
    assert summary[2] == "Dispatching: running (Beat sends each schedule when it comes due)."
    assert summary[3].startswith("Beat: ") and " leads (since " in summary[3]
    # The embedded Redis sends keyspace events, so the leader hears RedBeat's saves.
    assert summary[4] == "Pickup of RedBeat's own saves: at once (keyspace notifications on)."
    assert summary[5].startswith("Workers: 1 online (worker@")
    assert summary[6].startswith("schedules.json: applied ")
    assert "주간업데이트" in result.stdout.split("\n\n")[0]


def test_export_to_a_place_it_cannot_write_is_one_line_and_exit_1(
    redis_server: RedisServer, store: ScheduleStore, tmp_path: Path
) -> None:
    store.save("하나", parse_spec({"task": HEALTH, "interval": 60}))
    target = tmp_path / "missing" / "schedules.json"

    result = cli(redis_server.url, "export", "--output", str(target))

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"Cannot write {target}: No such file or directory; nothing was written.\n"
    )


def test_a_reader_that_stops_early_gets_no_traceback(
    redis_server: RedisServer, store: ScheduleStore
) -> None:
    spec = parse_spec({"task": HEALTH, "interval": 60})
    for i in range(600):  # more rows than a pipe buffers, so the writer meets a closed pipe
        store.save(f"스케줄_{i:04d}", spec)
    with subprocess.Popen(
        [str(ROOT / "check_schedules.sh"), "--ping-timeout", "0"],
        cwd=ROOT / "backend",
        env=cli_env(redis_server.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline().decode()
        process.stdout.close()  # as `| head -1` does
        stderr = process.stderr.read().decode()
        process.wait(CLI_TIMEOUT)

    assert first.startswith("NAME ")
    assert stderr == ""
    assert process.returncode == 1


def test_a_schedule_failing_on_a_real_worker_shows_its_failure_and_fails_the_check(
    stack: Stack, redis_server: RedisServer, store: ScheduleStore
) -> None:
    name = "실패하는_수집"
    # Never due: only the three run-nows below fire it, so the streak is exactly three.
    spec = {"task": CRAWL, "at": "2030-01-01T09:00:00", "kwargs": {"simulate_failure": True}}
    store.save(name, parse_spec(spec))
    stack.worker()
    stack.beat()
    wait_until(
        lambda: check_script(redis_server.url, "--check").returncode == 0,
        what="check_schedules.sh --check to pass before any failure",
    )

    for attempt in range(1, 4):
        sent = cli(redis_server.url, "run", name)
        assert sent.returncode == 0, sent.stderr
        wait_until(
            lambda n=attempt: store.stats(name).run_count == n,
            what=f"run {attempt} of {name} to end on the worker",
        )

    table = check_script(redis_server.url)
    assert table.returncode == 0, table.stderr
    [row] = [line for line in table.stdout.splitlines() if line.startswith(name)]
    assert row.endswith("  failed ×3")
    assert (
        f"Failing: 1 schedule(s) failed 3 or more times in a row (ALERT_CONSECUTIVE_FAILURES): "
        f"{name} ×3." in table.stdout.splitlines()
    )

    check = check_script(redis_server.url, "--check")
    assert (check.returncode, check.stderr) == (1, "")
    first, detail = check.stdout.splitlines()
    assert first == f"CHECK FAILED: 1 schedule(s) failed 3 or more times in a row: {name} ×3"
    assert detail.startswith(f"  {name}: its last 3 runs failed; the last one failed at ")
    assert detail.endswith(
        ": SimulatedFailure: crawl_all_complexes: simulated failure (simulate_failure=True)"
    )

    runs = cli(redis_server.url, "runs", name, "--failed", "--json")
    records = json.loads(runs.stdout)["runs"]
    assert [(r["outcome"], r["trigger"], r["error"]["type"]) for r in records] == [
        ("failed", "run_now", "SimulatedFailure")
    ] * 3
    assert all(r["worker"].startswith("worker@") for r in records)


def control_script(redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(ROOT / "scheduler_control.sh"), *args], redis_url)


def test_collect_runs_that_suppliers_task_on_a_real_worker(
    stack: Stack, redis_server: RedisServer, store: ScheduleStore
) -> None:
    # As schedules.json declares them, due hours from now: only `collect` sends them.
    store.save(
        "오너클랜_수집",
        parse_spec({"task": COLLECT, "cron": "0 3 * * *", "kwargs": {"supplier": "오너클랜"}}),
    )
    store.save(
        "젠트레이드_수집",
        parse_spec({"task": COLLECT, "cron": "0 4 * * *", "kwargs": {"supplier": "젠트레이드"}}),
    )
    stack.worker()

    sent = control_script(redis_server.url, "collect", "오너클랜")

    assert sent.returncode == 0, sent.stderr
    task_id = sent.stdout.split("(task id ")[1].split(")")[0]
    record = wait_until(
        lambda: (r := store.run_by_task(task_id)) and r.outcome == "succeeded" and r,
        what="the collection to succeed on the worker",
    )
    assert (record.schedule, record.trigger) == ("오너클랜_수집", "run_now")
    assert record.worker is not None and record.worker.startswith("worker@")
    assert "ownerclan" in (record.result or "") and "zentrade" not in (record.result or "")
    assert store.runs("젠트레이드_수집", 5) == []

    unknown = control_script(redis_server.url, "collect", "쿠팡")
    assert (unknown.returncode, unknown.stdout) == (1, "")
    assert unknown.stderr == (
        "Unknown supplier '쿠팡'; suppliers with a collection schedule: 젠트레이드, 오너클랜.\n"
    )
