"""app/cli/entries.py: the name filter and the chunked walk (over fakeredis)."""

from __future__ import annotations

from collections.abc import Iterator

import fakeredis
import pytest

from app.core.celery_app import celery_app
from app.core.constants import REDBEAT_SCHEDULE_KEY
from app.schedules.keys import entry_key
from app.schedules.service import ListFilter
from app.schedules.spec import parse_spec
from app.schedules.store import ScheduleStore
from app.schedules.walk import iter_chunks, name_matches

TASK = "app.tasks.maintenance.health_check"


@pytest.mark.parametrize(
    ("name", "pattern", "matches"),
    [
        ("도매처_상품_수집", "수집", True),
        ("도매처_상품_수집", "정리", False),
        ("Weekly_Report", "report", True),  # substrings ignore case
        ("주간업데이트", None, True),
        ("주간업데이트", "주간*", True),  # a glob when it has * ? or [
        ("월간업데이트", "주간*", False),
        ("a1", "a[0-9]", True),
    ],
)
def test_name_matches(name: str, pattern: str | None, matches: bool) -> None:
    assert name_matches(name, pattern) is matches


@pytest.fixture
def store() -> Iterator[ScheduleStore]:
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    yield ScheduleStore(client, celery_app, "Asia/Seoul")
    client.close()


def test_walk_filters_names_first_and_yields_chunks_in_key_order(store: ScheduleStore) -> None:
    for i in range(7):
        store.save(f"수집_{i}", parse_spec({"task": TASK, "interval": 60, "enabled": i % 2 == 0}))
    store.save("정리", parse_spec({"task": TASK, "interval": 60}))

    chunks = list(iter_chunks(store, "수집", chunk=3))

    assert [[name for name, _ in chunk] for chunk in chunks] == [
        ["수집_0", "수집_1", "수집_2"],
        ["수집_3", "수집_4", "수집_5"],
        ["수집_6"],
    ]
    paused = list(iter_chunks(store, None, ListFilter(enabled=False), chunk=100))
    assert [name for name, _ in paused[0]] == ["수집_1", "수집_3", "수집_5"]


def test_walk_yields_none_for_an_entry_it_cannot_read(store: ScheduleStore) -> None:
    store.save("좋음", parse_spec({"task": TASK, "interval": 60}))
    store.redis.hset(entry_key("망가짐"), "definition", "{not json")
    store.redis.zadd(REDBEAT_SCHEDULE_KEY, {entry_key("망가짐"): 1})

    (chunk,) = iter_chunks(store)

    assert [(name, entry is None) for name, entry in chunk] == [("망가짐", True), ("좋음", False)]
