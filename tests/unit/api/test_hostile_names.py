"""Names that look like Redis key patterns, internal keys, paths or markup: each is
stored as the text it is (and read back the same by every route) or refused with 422;
none reaches another entry, RedBeat's due index or the Beat lock. Names with invisible
characters are refused (app/schedules/spec.py says which and why)."""

from __future__ import annotations

from urllib.parse import quote

import fakeredis
import pytest
from fastapi.testclient import TestClient

from app.core.constants import REDBEAT_LOCK_KEY, REDBEAT_SCHEDULE_KEY
from app.schedules import ScheduleStore
from tests.unit.api.conftest import BASE, CRAWL

STORED = [
    "*",
    "?",
    "[a-z]",
    ":lock",
    "::schedule",
    "redbeat::lock",
    "redbeat:foo",
    "batchsched:paused",
    "../x",
    "a/../../b",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "' OR 1=1 --",
    "x" * 200,
]
# Not here: names with "%" (`%3Alock`). Starlette's TestClient decodes a path twice, so
# `/schedule/%253Alock` reaches the route as `:lock`; tests/integration/test_api.py
# reads them through a real server.
REFUSED = {
    "x" * 201: "at most 200",
    "a\u202eb": "U+202E",  # right-to-left override
    "a\u2066b": "U+2066",  # left-to-right isolate
    "a\u200bb": "U+200B",  # zero-width space
    "a\u200db": "U+200D",  # zero-width joiner
    "a\u2060b": "U+2060",  # word joiner
    "\ufeffa": "U+FEFF",  # byte order mark
    "a\u2028b": "U+2028",  # line separator
    "a\u2029b": "U+2029",  # paragraph separator
    "a\x00b": "U+0000",
    "a\nb": "U+000A",
    "a\x1b[2Jb": "U+001B",
    "\xad": "U+00AD",  # soft hyphen (format, invisible)
}
NEIGHBOUR = "이웃"


def url(name: str) -> str:
    return f"{BASE}/{quote(name, safe='')}"


@pytest.fixture
def neighbour(client: TestClient, store: ScheduleStore, fake_redis: fakeredis.FakeRedis) -> str:
    made = client.post(BASE, json={"name": NEIGHBOUR, "task": CRAWL, "cron": "0 3 * * *"})
    assert made.status_code == 201
    # The Beat lock, held as a running Beat holds it.
    store.beats.claim("beat-token", "beat-1", "{}", 30)
    return fake_redis.get(REDBEAT_LOCK_KEY)


def test_key_like_path_like_and_markup_names_are_stored_as_written(
    client: TestClient, fake_redis: fakeredis.FakeRedis, neighbour: str
) -> None:
    before = client.get(url(NEIGHBOUR)).json()
    for name in STORED:
        created = client.post(BASE, json={"name": name, "task": CRAWL, "interval": 60})
        assert created.status_code == 201, (name, created.text)
        assert created.json()["schedule"]["name"] == name
    for name in STORED:
        read = client.get(url(name))
        assert read.status_code == 200, (name, read.text)
        assert read.json()["name"] == name
    listed = client.get(BASE, params={"limit": 100}).json()["schedule"]
    assert sorted(listed) == sorted([*STORED, NEIGHBOUR])
    assert all(listed[name]["name"] == name for name in listed)
    # Nothing else moved: the neighbour, the lock, the due index's type.
    after = client.get(url(NEIGHBOUR)).json()
    assert (after["version"], after["next_run_at"]) == (before["version"], before["next_run_at"])
    assert fake_redis.get(REDBEAT_LOCK_KEY) == neighbour
    assert fake_redis.type(REDBEAT_SCHEDULE_KEY) == "zset"
    assert fake_redis.zcard(REDBEAT_SCHEDULE_KEY) == len(STORED) + 1
    # And each goes again by its own name only.
    for name in STORED:
        assert client.delete(url(name)).status_code == 200, name
    assert list(client.get(BASE).json()["schedule"]) == [NEIGHBOUR]
    assert fake_redis.get(REDBEAT_LOCK_KEY) == neighbour


@pytest.mark.parametrize(("name", "says"), list(REFUSED.items()), ids=lambda v: repr(v)[:12])
def test_invisible_and_overlong_names_are_refused_naming_the_character(
    client: TestClient, fake_redis: fakeredis.FakeRedis, name: str, says: str
) -> None:
    resp = client.post(BASE, json={"name": name, "task": CRAWL, "interval": 60})
    assert resp.status_code == 422
    problem = resp.json()["detail"][0]
    assert problem["field"] == "name" and says in problem["message"]
    assert not fake_redis.exists(REDBEAT_SCHEDULE_KEY)


def test_a_lock_key_with_an_invisible_character_is_refused(client: TestClient) -> None:
    body = {"name": "locked", "task": CRAWL, "interval": 60, "lock_key": "db\u200b"}
    resp = client.post(BASE, json=body)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == "policy.lock_key"
