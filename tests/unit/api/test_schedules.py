"""Routes of app/api/routes/schedules.py: shapes, status codes and every validation rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import fakeredis
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.constants import AUDIT_KEY_PREFIX, FIELD_META, REDBEAT_SCHEDULE_KEY
from app.schedules import entry as codec
from app.schedules.keys import entry_key
from tests.unit.api.conftest import BASE, CRAWL, SEED_004_BODY, one


def create(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(BASE, json={"task": CRAWL, **body})
    assert response.status_code == 201, response.text
    return response.json()["schedule"]  # type: ignore[no-any-return]


def test_seed_004_sequence_create_list_update_delete(client: TestClient) -> None:
    created = client.post(BASE, json=SEED_004_BODY)
    assert created.status_code == 201
    body = created.json()
    assert body["message"] == "Schedule '테스트_크롤링' was created."
    assert body["note"]
    assert body["schedule"]["name"] == "테스트_크롤링"
    assert body["schedule"]["task"] == CRAWL
    assert (body["schedule"]["hour"], body["schedule"]["minute"]) == ("14", "30")
    assert body["schedule"]["day_of_week"] == "3"
    assert created.headers["ETag"] == f'"{body["schedule"]["version"]}"'

    listed = client.get(BASE).json()
    assert listed["timezone"] == "Asia/Seoul"
    entry = listed["schedule"]["테스트_크롤링"]
    assert entry["schedule"] == "<crontab: 30 14 * * 3 (m/h/dM/MY/d)>"
    assert entry["origin"] == "api"
    assert entry["timing_text"] == "At 14:30, only on Wednesday"
    assert datetime.fromisoformat(entry["next_run_at"]).strftime("%a %H:%M") == "Wed 14:30"

    updated = client.put(one("테스트_크롤링"), json={"hour": 15, "minute": 0})
    assert updated.status_code == 200
    timing = updated.json()["schedule"]["timing"]
    assert (timing["hour"], timing["minute"], timing["day_of_week"]) == ("15", "0", "3")

    assert client.delete(one("테스트_크롤링")).status_code == 200
    assert client.get(BASE).json()["schedule"] == {}


def test_percent_encoded_korean_name_in_path(client: TestClient) -> None:
    create(client, name="주간업데이트", day_of_week="1", hour=6, minute=0)
    response = client.get(one(quote("주간업데이트")))
    assert response.status_code == 200
    assert response.json()["name"] == "주간업데이트"


def test_get_one_has_five_upcoming_times_in_its_timezone(client: TestClient) -> None:
    create(client, name="뉴욕", cron="0 9 * * *", timezone="America/New_York")
    times = client.get(one("뉴욕")).json()["upcoming"]
    assert len(times) == 5
    parsed = [datetime.fromisoformat(t) for t in times]
    assert all(t.hour == 9 and t.minute == 0 for t in parsed)
    assert all(str(t.utcoffset()) in ("-1 day, 19:00:00", "-1 day, 20:00:00") for t in parsed)
    assert parsed == sorted(parsed) and len(set(parsed)) == 5


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        ({"cron": "0 3 * * *"}, "cron", "At 03:00"),
        ({"day_of_month": "1", "hour": 9, "minute": 0}, "crontab", "At 09:00, on day 1"),
        ({"month_of_year": "1", "day_of_month": "1", "hour": 0, "minute": 0}, "crontab", "January"),
        ({"interval": 1800}, "interval", "every 30 minutes"),
        (
            {"interval": 172800, "anchor": "2024-01-01T01:00:00"},
            "interval",
            "every 2 days from 2024-01-01 01:00:00",
        ),
        ({"at": "2030-01-01T09:00:00"}, "once", "once, at 2030-01-01 09:00:00"),
    ],
)
def test_every_timing_kind(client: TestClient, body: dict[str, Any], kind: str, words: str) -> None:
    entry = create(client, name="t", **body)
    assert entry["timing"]["kind"] == kind
    assert words in entry["timing_text"]
    assert entry["next_run_at"] is not None


def test_optional_fields_are_stored(client: TestClient) -> None:
    entry = create(
        client,
        name="전체",
        task="app.tasks.collection.collect_wholesale_products",
        cron="0 2 * * *",
        parameters={"test_mode": True},
        options={"queue": "collect", "priority": 5, "expires": 3600},
        overlap="buffer_one",
        policy={"timeout_seconds": 3600, "max_retries": 3, "lock_key": "suppliers"},
        enabled=False,
        description="설명",
    )
    assert entry["kwargs"] == {"test_mode": True}
    assert entry["options"] == {"queue": "collect", "priority": 5, "expires": 3600.0}
    assert entry["policy"]["overlap"] == "buffer_one"
    assert entry["policy"]["lock_key"] == "suppliers"
    assert entry["enabled"] is False
    assert entry["next_run_at"] is None  # paused: nothing is due


def test_duplicate_create_is_409_and_changes_nothing(client: TestClient) -> None:
    first = create(client, name="중복", interval=60)
    again = client.post(BASE, json={"name": "중복", "task": CRAWL, "cron": "0 0 * * *"})
    assert again.status_code == 409
    assert again.json()["detail"][0] == {
        "field": "name",
        "value": "중복",
        "message": "a schedule named '중복' already exists",
    }
    assert client.get(one("중복")).json()["version"] == first["version"]


def invalid_fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    return {p["field"]: p["value"] for p in response.json()["detail"]}


VALID = {"name": "x", "task": CRAWL, "cron": "0 3 * * *"}


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"task": "app.tasks.nope"}, "task", "app.tasks.nope"),
        ({"task": "celery.backend_cleanup"}, "task", "celery.backend_cleanup"),
        ({"kwargs": {"bogus": 1}}, "kwargs", {"bogus": 1}),
        ({"args": [1, 2, 3, 4, 5]}, "args", [1, 2, 3, 4, 5]),
        # The task's own value rules, run before anything is written.
        ({"task": "app.tasks.media.process_images", "kwargs": {"limit": 0}}, "kwargs.limit", 0),
        ({"kwargs": {"simulate_seconds": -1}}, "kwargs.simulate_seconds", -1),
        (
            {"task": "app.tasks.collection.collect_supplier", "kwargs": {"supplier": "없는곳"}},
            "kwargs.supplier",
            "없는곳",
        ),
        ({"kwargs": {"simulate_seconds": "slow"}}, "kwargs.simulate_seconds", "slow"),
        ({"cron": "0 3 * *"}, "cron", "0 3 * *"),
        ({"cron": "61 3 * * *"}, "cron", "61"),
        ({"cron": None, "hour": 25}, "hour", "25"),
        ({"cron": None, "minute": ""}, "minute", ""),
        ({"cron": None, "day_of_week": "funday"}, "day_of_week", "funday"),
        ({"interval": 60}, "timing", "cron, interval"),
        ({"cron": None}, "timing", "none"),
        ({"cron": None, "interval": 0}, "interval", 0),
        ({"cron": None, "interval": float("inf")}, "interval", "inf"),
        ({"cron": None, "interval": 1e12}, "interval", 1e12),
        (
            {"cron": None, "interval": 60, "anchor": "0001-01-01T00:00:00"},
            "anchor",
            "0001-01-01T00:00:00",
        ),
        ({"cron": None, "day_of_month": -1}, "day_of_month", "-1"),
        ({"args": [float("nan")]}, "args", "[nan]"),
        ({"timeout_seconds": float("nan")}, "policy.timeout_seconds", "nan"),
        ({"anchor": "2024-01-01T00:00:00"}, "anchor", "2024-01-01T00:00:00"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"cron": None, "at": "2001-01-01T00:00:00"}, "at", "2001-01-01T00:00:00"),
        ({"options": {"priority": 10}}, "options.priority", 10),
        ({"expires": 0}, "options.expires", 0),
        ({"overlap": "sometimes"}, "policy.overlap", "sometimes"),
        ({"name": ""}, "name", ""),
        ({"name": "   "}, "name", "   "),
        ({"name": "x" * 201}, "name", "x" * 80 + "…"),  # echoed short
        ({"name": "tab\there"}, "name", "tab\there"),
        ({"name": None}, "name", None),
        ({"colour": "red"}, "colour", "red"),
    ],
)
def test_validation_refuses_and_writes_nothing(
    client: TestClient,
    fake_redis: fakeredis.FakeRedis,
    change: dict[str, Any],
    field: str,
    value: Any,
) -> None:
    body = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    raw = json.dumps(body, allow_nan=True)  # NaN and Infinity as some JSON encoders write
    response = client.post(BASE, content=raw, headers={"Content-Type": "application/json"})
    fields = invalid_fields(response)
    assert field in fields, fields
    if field != "timing":
        assert fields[field] == value
    else:
        assert value in fields[field]
    assert fake_redis.zcard(REDBEAT_SCHEDULE_KEY) == 0


def test_unknown_task_lists_what_is_available(client: TestClient) -> None:
    detail = client.post(BASE, json={**VALID, "task": "crawl"}).json()["detail"][0]
    assert CRAWL in detail["message"]
    assert "app.tasks.maintenance.health_check" in detail["message"]


def test_bare_function_name_resolves_to_the_registered_task(client: TestClient) -> None:
    entry = create(client, name="짧은_이름", task="crawl_all_complexes", interval=60)
    assert entry["task"] == CRAWL


FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what `curl -d` sends


def test_json_sent_with_a_form_content_type_is_read_as_json(client: TestClient) -> None:
    """`curl -d` without `-H "Content-Type: application/json"` still works."""
    raw = '{"name": "폼", "task": "crawl_all_complexes", "interval": 60}'.encode()
    assert client.post(BASE, content=raw, headers=FORM).status_code == 201


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("headers", [FORM, {"Content-Type": "text/plain"}, {}])
def test_update_reads_json_whatever_the_content_type(
    client: TestClient, method: str, headers: dict[str, str]
) -> None:
    """Seed 004's `curl -X PUT ... -d '{"hour": 15, "minute": 0}'`, with or without `-H`."""
    create(client, name="폼", hour=14, minute=30)
    raw = b'{"hour": 15, "minute": 0}'
    response = client.request(method, one("폼"), content=raw, headers=headers)
    assert response.status_code == 200, response.text
    assert (response.json()["schedule"]["hour"], response.json()["schedule"]["minute"]) == (
        "15",
        "0",
    )
    refused = client.request(method, one("폼"), content=b'{"hour": 99}', headers=headers)
    assert invalid_fields(refused) == {"hour": "99"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [(b"{not json", "body"), (b"[1, 2]", "body"), (b'"text"', "body")],
)
def test_body_that_is_not_a_json_object(client: TestClient, raw: bytes, field: str) -> None:
    response = client.post(BASE, content=raw, headers={"Content-Type": "application/json"})
    assert field in invalid_fields(response)


# Names with "%" are checked over real HTTP in tests/integration/test_api.py: Starlette's
# TestClient unquotes a path that httpx has already unquoted, so "%253A" arrives as ":".
@pytest.mark.parametrize(
    "name",
    [":lock", ":schedule", "redbeat::schedule", "batchsched:beat:leader", "a/b", "🚀"],
)
def test_names_never_touch_internal_keys_or_other_entries(
    client: TestClient, fake_redis: fakeredis.FakeRedis, name: str
) -> None:
    create(client, name="이웃", interval=60)
    before = {k: fake_redis.type(k) for k in fake_redis.keys()}
    create(client, name=name, interval=60)
    got = client.get(one(quote(name, safe="")))
    assert got.status_code == 200 and got.json()["name"] == name
    assert client.delete(one(quote(name, safe=""))).status_code == 200
    after = {k: fake_redis.type(k) for k in fake_redis.keys()}
    # Its audit trail outlives it, for a while, so "who deleted it" stays answerable.
    assert after.pop(AUDIT_KEY_PREFIX + name) == "stream"
    assert fake_redis.ttl(AUDIT_KEY_PREFIX + name) > 0
    assert after == before
    assert client.get(one("이웃")).status_code == 200


@pytest.mark.parametrize("name", ["x/runs", "크롤링/audit", "a/run", "a/b/pause", "y/resume"])
def test_names_ending_like_a_sub_route_are_refused(client: TestClient, name: str) -> None:
    """`GET /schedule/x/runs` is the run history of `x`: entry `x/runs` could never be read."""
    answer = client.post(BASE, json={"name": name, "task": CRAWL, "interval": 60})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["field"] == "name"
    assert client.get(BASE).json()["schedule"] == {}


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("put", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/pause"),
        ("post", "/resume"),
        ("post", "/run"),
    ],
)
def test_unknown_name_is_404(client: TestClient, method: str, suffix: str) -> None:
    kwargs: dict[str, Any] = {"json": {"hour": 1}} if method in ("put", "patch") else {}
    response = client.request(method.upper(), one("없는_이름") + suffix, **kwargs)
    assert response.status_code == 404
    assert response.json()["detail"][0]["value"] == "없는_이름"


def test_partial_update_keeps_other_fields_and_run_state(
    client: TestClient, fake_redis: fakeredis.FakeRedis
) -> None:
    create(
        client,
        name="부분",
        cron="15 3 * * 1",
        kwargs={"simulate_seconds": 1.5},
        options={"queue": "q1", "priority": 3},
        description="원래",
    )
    last = datetime(2026, 1, 5, 3, 15, tzinfo=UTC)
    fake_redis.hset(entry_key("부분"), FIELD_META, codec.encode_meta(last, 7))

    response = client.patch(one("부분"), json={"hour": 4, "options": {"priority": 9}})
    entry = response.json()["schedule"]
    assert entry["timing"]["kind"] == "crontab"  # a field edit of a cron expression
    assert (entry["timing"]["minute"], entry["timing"]["hour"]) == ("15", "4")
    assert entry["timing"]["day_of_week"] == "1"
    assert entry["options"] == {"queue": "q1", "priority": 9}
    assert entry["kwargs"] == {"simulate_seconds": 1.5}
    assert entry["description"] == "원래"
    assert entry["total_run_count"] == 7
    assert datetime.fromisoformat(entry["last_run_at"]) == last


@pytest.mark.parametrize(
    ("patch", "kind"),
    [
        ({"interval": 300}, "interval"),
        ({"at": "2031-05-05T05:05:00"}, "once"),
        ({"cron": "*/5 * * * *"}, "cron"),
        ({"minute": "*/10"}, "crontab"),
    ],
)
def test_update_switches_timing_kind(client: TestClient, patch: dict[str, Any], kind: str) -> None:
    create(client, name="전환", interval=60, anchor="2024-01-01T00:00:00")
    entry = client.put(one("전환"), json=patch).json()["schedule"]
    assert entry["timing"]["kind"] == kind
    assert "anchor" not in entry or kind == "interval"


def test_update_that_is_invalid_changes_nothing(client: TestClient) -> None:
    before = create(client, name="그대로", cron="0 3 * * *")
    assert "hour" in invalid_fields(client.put(one("그대로"), json={"hour": 99}))
    assert "at" in invalid_fields(client.put(one("그대로"), json={"at": "2000-01-01T00:00:00"}))
    assert "timing" in invalid_fields(client.put(one("그대로"), json={"interval": 5, "hour": 1}))
    assert "name" in invalid_fields(client.put(one("그대로"), json={"name": "다른"}))
    assert client.get(one("그대로")).json()["version"] == before["version"]


def test_null_resets_a_field_to_its_default(client: TestClient) -> None:
    create(client, name="초기화", hour=3, minute=0, day_of_week="1", description="x")
    entry = client.put(one("초기화"), json={"day_of_week": None, "description": None}).json()
    assert entry["schedule"]["timing"]["day_of_week"] == "*"
    assert entry["schedule"]["description"] == ""


def test_null_inside_policy_and_options_and_seed_spellings_in_an_update(
    client: TestClient,
) -> None:
    """The request model accepts what the merge accepts: `null` in a nested object, and
    seed 000's top-level policy fields and `parameters`."""
    create(
        client,
        name="중첩",
        interval=60,
        policy={"max_retries": 3, "timeout_seconds": 60},
        options={"priority": 5},
    )
    patch = {"policy": {"max_retries": None}, "expires": 30, "overlap": "allow"}
    entry = client.patch(one("중첩"), json=patch).json()["schedule"]
    assert entry["policy"]["max_retries"] == 0 and entry["policy"]["timeout_seconds"] == 60
    assert entry["policy"]["overlap"] == "allow"
    assert entry["options"] == {"priority": 5, "expires": 30.0}
    params = {"parameters": {"simulate_seconds": 1.5}, "options": {"priority": None}}
    entry = client.patch(one("중첩"), json=params).json()["schedule"]
    assert entry["kwargs"] == {"simulate_seconds": 1.5}
    assert entry["options"] == {"expires": 30.0}


def test_if_match_guards_update_and_delete(client: TestClient) -> None:
    version = create(client, name="버전", interval=60)["version"]
    ok = client.put(one("버전"), json={"interval": 120}, headers={"If-Match": f'"{version}"'})
    assert ok.status_code == 200
    new_version = ok.json()["schedule"]["version"]
    assert new_version != version

    stale = client.put(one("버전"), json={"interval": 30}, headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == f'"{new_version}"'
    assert client.delete(one("버전"), headers={"If-Match": version}).status_code == 412
    assert client.get(one("버전")).json()["timing"]["interval"] == 120
    assert client.delete(one("버전"), headers={"If-Match": f'W/"{new_version}"'}).status_code == 200


def test_pause_and_resume(client: TestClient, fake_redis: fakeredis.FakeRedis) -> None:
    create(client, name="멈춤", interval=60)
    paused = client.post(one("멈춤") + "/pause")
    assert paused.status_code == 200
    assert paused.json()["schedule"]["enabled"] is False
    assert fake_redis.zscore(REDBEAT_SCHEDULE_KEY, entry_key("멈춤")) == -1
    resumed = client.post(one("멈춤") + "/resume").json()["schedule"]
    assert resumed["enabled"] is True
    assert datetime.fromisoformat(resumed["next_run_at"]) > datetime.now(UTC)


def test_run_now_sends_the_entry_task_and_leaves_timing_alone(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[Any, ...]] = []

    class Result:
        id = "task-123"

    def send_task(name: str, args: Any, kwargs: Any, **options: Any) -> Result:
        sent.append((name, args, kwargs, options))
        return Result()

    from app.core.celery_app import celery_app

    monkeypatch.setattr(celery_app, "send_task", send_task)
    before = create(
        client,
        name="지금",
        interval=3600,
        kwargs={"simulate_seconds": 0.1},
        options={"queue": "celery", "expires": 60},
    )
    response = client.post(one("지금") + "/run")
    assert response.status_code == 202
    [(task, args, kwargs, options)] = sent
    assert response.json()["task_id"] == options["task_id"]
    assert (task, args, kwargs) == (CRAWL, [], {"simulate_seconds": 0.1})
    assert (options["queue"], options["expires"]) == ("celery", 60.0)
    assert options["headers"]["schedule"] == "지금"
    assert options["headers"]["trigger"] == "run_now"
    # The fire is in progress until a worker runs it: a second run-now is refused.
    again = client.post(one("지금") + "/run")
    assert again.status_code == 409, again.text
    assert again.json()["detail"][0]["field"] == "force"
    forced = client.post(one("지금") + "/run?force=true")
    assert forced.status_code == 202
    after = client.get(one("지금")).json()
    assert (after["next_run_at"], after["total_run_count"]) == (before["next_run_at"], 0)


def test_list_filters_and_pages(client: TestClient) -> None:
    for i in range(25):
        create(client, name=f"항목_{i:02}", interval=60 + i, enabled=i % 2 == 0)
    create(client, name="보고서", task="app.tasks.reports.generate_daily_report", cron="0 9 * * *")

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7, "task": CRAWL, "enabled": "true"}
        if cursor:
            params["cursor"] = cursor
        page = client.get(BASE, params=params).json()
        assert page["total"] == 26
        seen.extend(page["schedule"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"항목_{i:02}" for i in range(0, 25, 2)]
    reports = client.get(BASE, params={"task": "app.tasks.reports.generate_daily_report"}).json()
    assert list(reports["schedule"]) == ["보고서"]
    assert client.get(BASE, params={"origin": "file"}).json()["schedule"] == {}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"origin": "x"}, "origin"),
        ({"cursor": "%%%"}, "cursor"),
        ({"enabled": "maybe"}, "enabled"),
    ],
)
def test_bad_list_parameters(client: TestClient, params: dict[str, Any], field: str) -> None:
    assert field in invalid_fields(client.get(BASE, params=params))


def test_tasks_endpoint_lists_parameters(client: TestClient) -> None:
    tasks = {t["name"]: t for t in client.get("/api/scheduler/tasks").json()["tasks"]}
    assert CRAWL in tasks
    params = {p["name"]: p for p in tasks["app.tasks.media.process_images"]["parameters"]}
    assert params["limit"]["type"] == "int"


def test_korean_messages_with_language_ko(client: TestClient, settings: Settings) -> None:
    settings.language = "ko"
    body = client.post(BASE, json=SEED_004_BODY).json()
    assert body["message"] == "스케줄 '테스트_크롤링'이 생성되었습니다."
    assert body["schedule"]["timing_text"] == "14:30, 수요일에"
    again = client.post(BASE, json=SEED_004_BODY).json()
    assert again["message"] == "'테스트_크롤링' 스케줄이 이미 있습니다."


def test_token_guards_mutating_calls_only(client: TestClient, settings: Settings) -> None:
    settings.api_token = "s3cret"
    assert client.post(BASE, json=SEED_004_BODY).status_code == 401
    assert client.post(BASE, json=SEED_004_BODY, headers={"X-API-Token": "nope"}).status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    assert client.post(BASE, json=SEED_004_BODY, headers=auth).status_code == 201
    assert client.get(BASE).status_code == 200
    assert client.delete(one("테스트_크롤링")).status_code == 401
    assert client.delete(one("테스트_크롤링"), headers={"X-API-Token": "s3cret"}).status_code == 200


def test_openapi_docs_carry_the_seed_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/scheduler/schedule"]["post"]
    content = post["requestBody"]["content"]["application/json"]
    assert content["examples"]["seed004_weekly"]["value"] == SEED_004_BODY
    assert "ScheduleCreate" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_redis_down_is_503_with_the_url_and_no_password(
    client: TestClient, settings: Settings
) -> None:
    from redis import Redis

    from app.api.deps import get_redis
    from app.api.main import app

    app.dependency_overrides[get_redis] = lambda: Redis.from_url(
        "redis://:hunter2@127.0.0.1:1/0", socket_connect_timeout=0.2
    )
    settings.redis_url = "redis://:hunter2@127.0.0.1:1/0"
    response = client.get(BASE)
    assert response.status_code == 503
    assert "127.0.0.1:1" in response.json()["message"]
    assert "hunter2" not in response.text


def test_one_off_a_little_ahead_is_accepted(client: TestClient) -> None:
    at = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    assert create(client, name="곧", at=at)["timing"]["kind"] == "once"


def test_an_edit_never_causes_an_extra_run(
    client: TestClient, fake_redis: fakeredis.FakeRedis
) -> None:
    create(client, name="간격", interval=3600)
    last = datetime.now(UTC) - timedelta(seconds=10)
    fake_redis.hset(entry_key("간격"), FIELD_META, codec.encode_meta(last, 1))
    entry = client.patch(one("간격"), json={"description": "바뀜"}).json()["schedule"]
    # Still an hour after the last run, not "due now" because something changed.
    assert datetime.fromisoformat(entry["next_run_at"]) == last + timedelta(seconds=3600)
    assert entry["total_run_count"] == 1


def test_run_now_with_the_broker_down_is_503(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    from app.core.celery_app import celery_app

    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(celery_app, "send_task", unreachable)
    create(client, name="브로커", interval=3600)
    response = client.post(one("브로커") + "/run")
    assert response.status_code == 503
    assert response.json()["error"] == "redis_unavailable"


def test_run_now_under_overlap_allow_is_never_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.celery_app import celery_app

    monkeypatch.setattr(celery_app, "send_task", lambda *a, **kw: None)
    create(client, name="겹침", interval=3600, policy={"overlap": "allow"})
    assert client.post(one("겹침") + "/run").status_code == 202
    assert client.post(one("겹침") + "/run").status_code == 202


def test_a_run_now_that_could_not_be_sent_holds_nothing(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    from app.core.celery_app import celery_app

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to broker")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    create(client, name="지금", interval=3600)
    assert client.post(one("지금") + "/run").status_code == 503

    runs = client.get(one("지금") + "/runs").json()["runs"]
    assert [(r["outcome"], r["reason"]) for r in runs] == [("failed", "not published")]
    monkeypatch.setattr(celery_app, "send_task", lambda *a, **kw: None)
    assert client.post(one("지금") + "/run").status_code == 202, "not blocked by the failed one"
