"""`list` walks the name index a chunk at a time: entries written with RedBeat's own
`entry.save()` (seed 004's third method) and a Redis from before the index are listed
whole, in name order, across chunks."""

from __future__ import annotations

import json

import pytest
from celery.schedules import crontab
from redbeat import RedBeatSchedulerEntry
from wcwidth import width

from app.cli.table import cell_width
from app.core.celery_app import celery_app
from app.core.constants import NAMES_KEY, REDBEAT_SCHEDULE_KEY
from app.schedules import walk
from tests.unit.cli.conftest import TASK, World

NAMES = ["가_수집", "b_report", "a_crawl", "테스트_크롤링", "c_clean"]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(walk, "FIRST_CHUNK", 1)
    monkeypatch.setattr(walk, "CHUNK", 2)


def names_listed(world: World) -> list[str]:
    result = world.cli("list", "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["count"] == len(document["schedules"])
    return [row["name"] for row in document["schedules"]]


@pytest.mark.usefixtures("small_chunks")
def test_an_entry_saved_by_redbeat_itself_is_listed_in_name_order(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in NAMES[1:]:
        world.add(name)
    monkeypatch.setattr(celery_app, "redbeat_redis", world.redis, raising=False)
    RedBeatSchedulerEntry(NAMES[0], TASK, crontab(minute="0"), app=celery_app).save()

    assert names_listed(world) == sorted(NAMES)
    table = world.cli("list")
    rows = [line for line in table.lines[1:] if line and not line.startswith("NAME")]
    assert [row.split("  ")[0] for row in rows] == sorted(NAMES)
    assert "redbeat" in next(row for row in rows if row.startswith(NAMES[0]))


@pytest.mark.usefixtures("small_chunks")
def test_a_redis_from_before_the_index_is_listed_whole(world: World) -> None:
    for name in NAMES:
        world.add(name)
    world.redis.delete(NAMES_KEY)

    assert names_listed(world) == sorted(NAMES)
    assert names_listed(world) == sorted(NAMES)  # and the rebuilt index serves again


@pytest.mark.usefixtures("small_chunks")
def test_an_entry_deleted_around_the_store_is_not_listed_as_unreadable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in NAMES:
        world.add(name)
    monkeypatch.setattr(celery_app, "redbeat_redis", world.redis, raising=False)
    # RedBeat's own delete() of one and save() of another: the index's size is right,
    # its members are not.
    RedBeatSchedulerEntry("b_report", TASK, crontab(), app=celery_app).delete()
    RedBeatSchedulerEntry("zz_new", TASK, crontab(minute="0"), app=celery_app).save()
    assert world.redis.zcard(NAMES_KEY) == world.redis.zcard(REDBEAT_SCHEDULE_KEY)

    listed = sorted(set(NAMES) - {"b_report"})
    assert names_listed(world) == listed  # the stale member is met, skipped and dropped
    assert "unreadable" not in world.cli("list").out
    assert names_listed(world) == sorted([*listed, "zz_new"])  # sizes differed: rebuilt


@pytest.mark.parametrize(
    "text", ["plain", "", "주간업데이트", "emoji 🎉", "e\u0301", "tab\there", "a\u200bb"]
)
def test_cell_width_agrees_with_wcwidth(text: str) -> None:
    assert cell_width(text) == width(text)
