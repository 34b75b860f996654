"""The file-versus-API rules (docs/design.md) across a real Beat restart."""

from __future__ import annotations

from pathlib import Path

from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from app.schedules_file.sync import read_state
from tests.integration.conftest import Stack, wait_until, write_schedules

CRAWL = "app.tasks.scheduler.crawl_all_complexes"
CLEANUP = "app.tasks.maintenance.cleanup_old_data"


def synced_since(store: ScheduleStore, previous: str | None) -> dict[str, object] | None:
    state = read_state(store)
    if state and state.get("checked_at") != previous:
        return state
    return None


def test_reconcile_rules_hold_across_a_real_beat_restart(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    write_schedules(
        schedules_file,
        {
            "주간업데이트": {"task": CRAWL, "day_of_week": "1", "hour": 6, "minute": 0},
            "자주": {"task": CRAWL, "interval": 1, "description": "v1"},
            "곧_삭제": {"task": CLEANUP, "cron": "0 1 * * 0", "kwargs": {"days": 30}},
        },
    )
    stack.worker()
    beat = stack.beat()
    first = wait_until(lambda: synced_since(store, None), what="the first sync")
    assert first["ok"] is True

    # An API edit of a file-managed entry, and an API-managed entry of its own.
    store.save("주간업데이트", parse_spec({"task": CRAWL, "day_of_week": "1", "hour": 15}))
    store.save("API_전용", parse_spec({"task": CRAWL, "cron": "30 2 * * *"}))
    runs = wait_until(
        lambda: store.get("자주").total_run_count >= 2 and store.get("자주").total_run_count,
        what="자주 to run twice",
    )
    beat.stop()

    # In the file: one entry edited, one removed, the edited-by-API one untouched.
    write_schedules(
        schedules_file,
        {
            "주간업데이트": {"task": CRAWL, "day_of_week": "1", "hour": 6, "minute": 0},
            "자주": {"task": CRAWL, "interval": 3600, "description": "v2"},
        },
    )
    stack.beat()
    state = wait_until(lambda: synced_since(store, first["checked_at"]), what="the second sync")
    assert state["ok"] is True

    weekly = store.get("주간업데이트")
    assert weekly is not None and weekly.spec is not None
    assert weekly.spec.hour == "15", "a restart must not undo an API change"
    assert weekly.origin == "file"
    frequent = store.get("자주")
    assert frequent is not None and frequent.spec is not None
    assert frequent.spec.description == "v2" and frequent.spec.interval == 3600
    assert frequent.total_run_count >= runs, "a sync must keep the run count"
    assert store.get("곧_삭제") is None
    api_only = store.get("API_전용")
    assert api_only is not None and api_only.origin == "api"


def test_beat_starts_on_redis_state_when_the_file_is_invalid(
    stack: Stack, store: ScheduleStore, schedules_file: Path
) -> None:
    store.save("남은_항목", parse_spec({"task": CRAWL, "interval": 1}))
    schedules_file.write_text('{"schedules": {"x": {"task": "nope", "interval": 5}', "utf-8")
    beat = stack.beat()
    state = wait_until(lambda: synced_since(store, None), what="the sync attempt")
    assert state["ok"] is False
    assert "line 1" in str(state["error"])
    assert "schedules.json not applied, nothing changed" in beat.log()
    # Beat still dispatches what Redis holds.
    wait_until(lambda: store.get("남은_항목").total_run_count, what="dispatch from Redis state")
    assert store.get("x") is None
