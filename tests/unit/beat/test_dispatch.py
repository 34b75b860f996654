"""app/beat/dispatch.py: what one Beat pass decides for each due row.

Entries are built with entry.encode/decode, as the store writes and reads them; every
`now` is explicit. The commit itself is the store's (tests/unit/schedules/test_store*.py
and test_scheduler.py here).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.beat.dispatch import BROKEN_ENTRY_RETRY_SECONDS, Step, plan_batch, plan_step
from app.core.celery_app import celery_app
from app.core.constants import FIELD_DEFINITION, FIELD_MANAGER, NEVER_SCORE
from app.schedules import entry as codec
from app.schedules.entry import Entry, revision_of
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules.store import DueRow, ScheduleStore

TZ = "Asia/Seoul"
SEOUL = ZoneInfo(TZ)
NY = ZoneInfo("America/New_York")
TASK = "app.tasks.scheduler.crawl_all_complexes"
WEEKLY = {"task": TASK, "day_of_week": "1", "hour": 6, "minute": 0, "expires": 3600}
NAME = "주간업데이트"
KEY = entry_key(NAME)


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SEOUL)


def fields(
    raw: dict[str, Any],
    last_run_at: datetime | None = None,
    count: int = 0,
    slot: datetime | None = None,
) -> list[str | None]:
    encoded = codec.encode(NAME, parse_spec(raw), "file", TZ, celery_app)
    meta = codec.encode_meta(last_run_at, count)
    if slot is not None and last_run_at is not None:
        row = [encoded[FIELD_DEFINITION], meta, encoded[FIELD_MANAGER]]
        return [*row, codec.encode_slot(slot, last_run_at)]
    return [encoded[FIELD_DEFINITION], meta, encoded[FIELD_MANAGER]]


def decode(key: str, row: list[str | None]) -> Entry | None:
    return codec.decode(key, row, TZ, celery_app)


def due_row(key: str, score: float, row: list[str | None]) -> DueRow:
    """A row as ScheduleStore.due returns it."""
    try:
        return DueRow(key, score, decode(key, row), revision_of(row[0], row[2]))
    except Exception as exc:
        return DueRow(key, score, None, revision_of(row[0], row[2]), exc)


def entry(
    raw: dict[str, Any],
    last_run_at: datetime | None = None,
    count: int = 0,
    slot: datetime | None = None,
) -> Entry:
    decoded = decode(KEY, fields(raw, last_run_at, count, slot))
    assert decoded is not None
    return decoded


def sent(step: Step) -> bool:
    return step.entry is not None


def test_disabled_entry_is_parked_without_sending() -> None:
    step = plan_step(
        KEY,
        kst(2026, 3, 9, 6, 0).timestamp(),
        entry({**WEEKLY, "enabled": False}),
        kst(2026, 3, 9, 6, 0, 1),
    )
    assert (step.score, step.meta, sent(step)) == (NEVER_SCORE, "", False)


@pytest.mark.parametrize(
    ("raw", "last_run_at", "score", "now", "true_time"),
    [
        # Ran at 06:00:00.5; the row still says 06:00 (stock RedBeat truncates scores).
        pytest.param(
            WEEKLY,
            kst(2026, 3, 9, 6, 0, 0, 500000),
            kst(2026, 3, 9, 6, 0),
            kst(2026, 3, 9, 6, 0, 1),
            kst(2026, 3, 16, 6, 0),
            id="weekly_already_ran",
        ),
        pytest.param(
            {"task": TASK, "interval": 30},
            kst(2026, 3, 4, 12, 0, 10),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 4, 12, 0, 15),
            kst(2026, 3, 4, 12, 0, 40),
            id="interval_ran_recently",
        ),
        pytest.param(
            {"task": TASK, "interval": 172800, "anchor": "2024-01-01T01:00"},
            kst(2024, 1, 3, 1, 0, 1),
            kst(2024, 1, 3, 1, 0),
            kst(2024, 1, 3, 1, 0, 2),
            kst(2024, 1, 5, 1, 0),
            id="anchored_ran",
        ),
    ],
)
def test_not_due_yet_is_rescheduled_to_its_true_time(
    raw: dict[str, Any], last_run_at: datetime, score: datetime, now: datetime, true_time: datetime
) -> None:
    step = plan_step(KEY, score.timestamp(), entry(raw, last_run_at, 3), now)
    assert not sent(step)
    assert step.meta == ""
    assert step.score == true_time.timestamp()


def test_finished_one_off_with_stale_score_is_parked() -> None:
    raw = {"task": TASK, "at": "2026-03-05T09:00"}
    step = plan_step(
        KEY,
        kst(2026, 3, 5, 9, 0).timestamp(),
        entry(raw, kst(2026, 3, 5, 9, 0, 1), 1),
        kst(2026, 3, 5, 9, 0, 2),
    )
    assert (step.score, sent(step)) == (NEVER_SCORE, False)


@pytest.mark.parametrize(
    ("raw", "last_run_at", "due", "now", "following", "backlog"),
    [
        pytest.param(
            WEEKLY,
            kst(2026, 3, 2, 6, 0, 0, 300000),
            kst(2026, 3, 9, 6, 0),
            kst(2026, 3, 9, 6, 0, 0, 200000),
            kst(2026, 3, 16, 6, 0),
            False,
            id="weekly",
        ),
        pytest.param(
            WEEKLY,
            None,
            kst(2026, 3, 9, 6, 0),
            kst(2026, 3, 9, 6, 0, 1),
            kst(2026, 3, 16, 6, 0),
            False,
            id="first_run",
        ),
        # Counted from the slot, not the send time: no drift.
        pytest.param(
            {"task": TASK, "interval": 30},
            kst(2026, 3, 4, 11, 59, 30),
            kst(2026, 3, 4, 12, 0),
            kst(2026, 3, 4, 12, 0, 0, 800000),
            kst(2026, 3, 4, 12, 0, 30),
            False,
            id="interval",
        ),
        # Beat was down for a month: one send, then the next slot after now.
        pytest.param(
            {"task": TASK, "cron": "0 */2 * * *"},
            kst(2026, 2, 1, 0, 0, 1),
            kst(2026, 2, 1, 2, 0),
            kst(2026, 3, 4, 13, 5),
            kst(2026, 3, 4, 14, 0),
            True,
            id="backlog_collapsed",
        ),
    ],
)
def test_due_entry_is_sent_and_moves_to_the_next_slot(
    raw: dict[str, Any],
    last_run_at: datetime | None,
    due: datetime,
    now: datetime,
    following: datetime,
    backlog: bool,
) -> None:
    due_entry = entry(raw, last_run_at, 5)
    step = plan_step(KEY, due.timestamp(), due_entry, now)
    assert step.entry is due_entry
    assert codec.decode_meta(step.meta) == (now, 6)
    # The slot served is kept beside the send time; a collapsed backlog serves `now`.
    assert codec.decode_slot(step.slot, now) == (now if backlog else due)
    assert step.score == following.timestamp()
    assert step.revision == due_entry.revision


def test_an_interval_sent_late_keeps_its_rhythm() -> None:
    """A fire sent late must not push the next one later (drift): with run state
    counted from the send time, a next pass that wakes less late than the last one
    would find the entry "not due yet" and re-score it by the difference."""
    raw = {"task": TASK, "interval": 30}
    slot = kst(2026, 3, 4, 12, 0)
    last_run_at, count, served = kst(2026, 3, 4, 11, 59, 30), 1, None
    for late_ms in (40, 5, 1):
        now = slot + timedelta(milliseconds=late_ms)
        step = plan_step(KEY, slot.timestamp(), entry(raw, last_run_at, count, served), now)
        assert sent(step), f"not sent {late_ms} ms after its slot"
        assert step.score == (slot + timedelta(seconds=30)).timestamp()
        last_run_at, count = codec.decode_meta(step.meta)
        served = codec.decode_slot(step.slot, last_run_at)
        slot += timedelta(seconds=30)


def test_one_off_sends_once_then_parks() -> None:
    raw = {"task": TASK, "at": "2026-03-05T09:00"}
    at = kst(2026, 3, 5, 9, 0)
    now = at + timedelta(milliseconds=200)
    first = plan_step(KEY, at.timestamp(), entry(raw), now)
    assert sent(first)
    assert first.score == NEVER_SCORE
    # Even if the row were picked up again, the recorded run finishes it.
    last_run_at, count = codec.decode_meta(first.meta)
    again = plan_step(
        KEY, at.timestamp(), entry(raw, last_run_at, count), now + timedelta(seconds=1)
    )
    assert (again.score, sent(again)) == (NEVER_SCORE, False)


def test_batch_mixes_sends_drops_and_broken_rows() -> None:
    now = kst(2026, 3, 9, 6, 0, 1)
    due = kst(2026, 3, 9, 6, 0).timestamp()
    rows = [
        due_row(KEY, due, fields(WEEKLY)),
        due_row(entry_key("gone"), due, [None, None, None]),
        due_row(entry_key("broken"), due, ["{garbage", None, None]),
        due_row(entry_key("off"), due, fields({**WEEKLY, "enabled": False})),
    ]
    steps = plan_batch(rows, now)
    assert [(s.key, sent(s)) for s in steps] == [
        (KEY, True),
        (entry_key("gone"), False),
        (entry_key("broken"), False),
        (entry_key("off"), False),
    ]
    assert steps[0].score == kst(2026, 3, 16, 6, 0).timestamp()
    # A row whose hash is gone is dropped from the index.
    assert (steps[1].revision, steps[1].score, steps[1].meta) == ("", NEVER_SCORE, "")
    assert steps[0].revision == rows[0].revision
    assert steps[2].score == now.timestamp() + BROKEN_ENTRY_RETRY_SECONDS
    assert steps[3].score == NEVER_SCORE


VALID = fields(WEEKLY)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(["{garbage", None, None], id="definition_not_json"),
        pytest.param([json.dumps({"name": "x"}), None, None], id="definition_without_task"),
        pytest.param([VALID[0], "{garbage", VALID[2]], id="meta_not_json"),
        pytest.param([VALID[0], VALID[1], "{garbage"], id="manager_not_json"),
        pytest.param(
            [
                VALID[0],
                VALID[1],
                json.dumps({"spec": {"task": TASK}, "definition": codec.digest(VALID[0] or "")}),
            ],
            id="manager_spec_invalid",
        ),
    ],
)
def test_undecodable_row_is_retried_later_and_does_not_raise(
    row: list[str | None], caplog: pytest.LogCaptureFixture
) -> None:
    now = kst(2026, 3, 9, 6, 0, 1)
    [step] = plan_batch([due_row(KEY, now.timestamp(), row)], now)
    assert not sent(step)
    assert step.meta == ""
    assert step.score == now.timestamp() + BROKEN_ENTRY_RETRY_SECONDS
    # Fenced on what is there, so a fix made meanwhile is not overwritten.
    assert step.revision == revision_of(row[0], row[2])
    assert "cannot read schedule" in caplog.text


def test_a_broken_entry_can_be_deleted(store: ScheduleStore) -> None:
    store.save(NAME, parse_spec(WEEKLY))
    store.redis.hset(KEY, "definition", "{garbage")
    store.delete(NAME)
    assert not store.redis.exists(KEY)


def test_anchored_entry_in_a_dst_zone_is_sent_once_per_slot() -> None:
    raw = {
        "task": TASK,
        "interval": 172800,
        "anchor": "2026-03-01T01:00",
        "timezone": "America/New_York",
    }
    slot = datetime(2026, 3, 9, 1, 0, tzinfo=NY).astimezone(UTC)
    now = slot + timedelta(milliseconds=300)
    first = plan_step(KEY, slot.timestamp(), entry(raw), now)
    assert sent(first)
    last_run_at, count = codec.decode_meta(first.meta)
    again = plan_step(KEY, first.score, entry(raw, last_run_at, count), now + timedelta(seconds=1))
    assert not sent(again)


def fire_of(step: Step) -> tuple[str, dict[str, Any]]:
    assert step.fire is not None
    return step.fire.mode, json.loads(step.fire.record)


def test_a_fire_carries_its_record_and_overlap_mode() -> None:
    raw = {"task": TASK, "interval": 60, "policy": {"overlap": "buffer_one", "lock_key": "k"}}
    now = kst(2025, 7, 21, 6, 0, 0)
    step = plan_step(KEY, now.timestamp(), entry(raw), now + timedelta(milliseconds=5))

    mode, rec = fire_of(step)
    assert step.fire is not None and (mode, step.fire.lock) == ("buffer", "k")
    assert (rec["schedule"], rec["outcome"], rec["task_id"]) == (NAME, "sent", step.fire.task_id)
    assert rec["scheduled_at"] == now.timestamp()
    assert rec["sent_at"] - rec["scheduled_at"] == pytest.approx(0.005, abs=1e-4)


def test_without_history_a_fire_is_sent_plain() -> None:
    from app.beat.dispatch import FirePolicy

    now = kst(2025, 7, 21, 6, 0, 0)
    step = plan_step(
        KEY, now.timestamp(), entry({"task": TASK, "interval": 60}), now, "", FirePolicy(False)
    )
    assert step.fire is not None and (step.fire.mode, step.fire.record) == ("plain", "")


@pytest.mark.parametrize(
    ("interval", "window", "down_for", "expected"),
    [
        # Beat was down 10 min; a 1 min interval collapses into one run, whose latest
        # slot is within a 5 min window: run once for the slot due now, standing for
        # the 10 slots before it.
        (60, 300, 600, ("skip", "sent", 10)),
        # A 1 h interval missed by 10 min, outside a 5 min window: recorded as missed.
        (3600, 300, 600, ("missed", "missed", 1)),
        # No window: always one catch-up run.
        (3600, None, 600, ("skip", "sent", None)),
        # Late by less than the on-time tolerance: on time, whatever the window.
        (3600, 0, 1, ("skip", "sent", None)),
        # A 1 s interval sent 1.5 s late (a busy Beat): on time, but the slot it
        # collapsed is counted, not lost.
        (1, None, 1.5, ("skip", "sent", 1)),
    ],
)
def test_catchup_window(
    interval: int, window: float | None, down_for: float, expected: tuple[str, str, int | None]
) -> None:
    raw = {"task": TASK, "interval": interval, "policy": {"catchup_window_seconds": window}}
    slot = kst(2025, 7, 21, 6, 0, 0)
    now = slot + timedelta(seconds=down_for)
    step = plan_step(KEY, slot.timestamp(), entry(raw), now)

    mode, rec = fire_of(step)
    assert (mode, rec["outcome"], rec.get("missed_count")) == expected
    assert step.score > now.timestamp(), "the next slot is in the future either way"
    if mode == "missed":
        assert rec["reason"] == "catchup_window" and "task_id" not in rec
        assert codec.decode_meta(step.meta)[1] == 0, "a missed fire is not a run"
