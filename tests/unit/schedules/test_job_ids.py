"""store/_job_ids.py: seed 000's numeric job ids, on fakeredis and a real redis-server.

An id is given when an entry is created, in the same transaction; it is never given to
another name; it goes with its entry (API delete, the file sync's drop); an entry
written around the store (RedBeat's own API) gets one when first asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.celery_app import celery_app
from app.core.constants import JOB_ID_COUNTER_KEY, JOB_IDS_KEY, JOB_NAMES_KEY
from app.schedules import ScheduleStore, TaskRegistry
from app.schedules.keys import entry_key
from app.schedules.spec import parse_spec
from app.schedules_file import sync_file

TASK = "app.tasks.reports.analyze_trends"
DAILY = parse_spec({"task": TASK, "cron": "0 3 * * *"})
SHIPPED = Path(__file__).resolve().parents[3] / "backend" / "app" / "config" / "schedules.json"


@pytest.fixture
def store(store_on_both: ScheduleStore) -> ScheduleStore:
    return store_on_both


def mapping(store: ScheduleStore) -> tuple[dict[str, str], dict[str, str]]:
    return store.redis.hgetall(JOB_IDS_KEY), store.redis.hgetall(JOB_NAMES_KEY)  # type: ignore[return-value]


def test_ids_follow_creation_order_and_saves_keep_them(store: ScheduleStore) -> None:
    for name in ("b", "a", "c"):
        store.save(name, DAILY)
    store.save("b", parse_spec({"task": TASK, "cron": "0 4 * * *"}))  # an edit, not a new job

    assert store.job_ids(["a", "b", "c"]) == {"a": 2, "b": 1, "c": 3}
    assert mapping(store) == ({"b": "1", "a": "2", "c": "3"}, {"1": "b", "2": "a", "3": "c"})
    assert [store.job_name(i) for i in (1, 2, 3, 4)] == ["b", "a", "c", None]


def test_a_deleted_entry_takes_its_id_along_and_a_new_one_never_reuses_it(
    store: ScheduleStore,
) -> None:
    store.save("a", DAILY)
    store.save("b", DAILY)
    store.delete("b")

    assert mapping(store) == ({"a": "1"}, {"1": "a"})  # in the delete's own transaction
    assert store.job_name(2) is None
    store.save("b", DAILY)  # the same name again: a new job, with a new id
    store.save("c", DAILY)
    assert store.job_ids(["a", "b", "c"]) == {"a": 1, "b": 3, "c": 4}
    assert store.job_name(2) is None


def test_an_entry_written_around_the_store_gets_an_id_when_first_asked(
    store: ScheduleStore,
) -> None:
    store.save("ours", DAILY)
    # As RedBeat's own API or an older version of this project leaves an entry: no id.
    store.redis.hdel(JOB_IDS_KEY, "ours")
    store.redis.hdel(JOB_NAMES_KEY, "1")

    assert store.job_ids(["ours", "gone"]) == {"ours": 2}  # an absent entry gets none
    assert store.job_ids(["ours"]) == {"ours": 2}
    assert store.redis.get(JOB_ID_COUNTER_KEY) == "2"


def test_an_entry_deleted_behind_the_stores_back_loses_its_id_when_looked_up(
    store: ScheduleStore,
) -> None:
    store.save("a", DAILY)
    store.redis.delete(entry_key("a"))  # RedBeat's own delete: the store never saw it

    assert store.job_name(1) is None
    assert mapping(store) == ({}, {})


def test_the_file_sync_numbers_the_shipped_file_in_its_order_and_drops_ids_with_entries(
    store: ScheduleStore, tmp_path: Path
) -> None:
    """Seed 000's `/scheduler/jobs/1` is the file's first job on a fresh Redis."""
    registry = TaskRegistry.from_celery(celery_app)
    path = tmp_path / "schedules.json"
    document = json.loads(SHIPPED.read_text(encoding="utf-8"))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    sync_file(store, path, registry)
    names = list(document["schedules"])

    assert names[0] == "도매처_상품_수집"
    assert store.job_ids(names) == {name: i for i, name in enumerate(names, start=1)}
    del document["schedules"]["도매처_상품_수집"]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    sync_file(store, path, registry)
    assert "도매처_상품_수집" not in mapping(store)[0]  # in the sync's own transaction
    assert store.job_name(1) is None
    assert store.job_name(2) == names[1]
