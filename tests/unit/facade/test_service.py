"""app/facade: seed 002's SchedulerService and ScheduleJob over the shared schedules."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from redis import Redis

from app.core.celery_app import celery_app
from app.core.config import DEFAULT_SCHEDULES_FILE, Settings, get_settings
from app.core.embedded_redis import RedisServer
from app.facade import (
    JobStatus,
    ScheduleJob,
    SchedulerNotInitialized,
    SchedulerService,
    ScheduleType,
)
from app.schedules import InvalidSchedule, ScheduleService, ScheduleStore
from app.schedules_file.format import load_file
from app.tasks.tables import create_daily_tables
from tests.unit.api.history import run
from tests.unit.beat.fakes import lua_fakeredis

REPORT = "app.tasks.reports.generate_daily_report"
TABLES = "app.tasks.tables.create_daily_tables"
T = TypeVar("T")


def wait(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on an event loop of its own, in a thread of its own:
    in the whole suite, the browser tests' Playwright keeps a loop running in the main
    thread, where asyncio.run() refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def redis(monkeypatch: pytest.MonkeyPatch) -> Iterator[Redis]:
    """The Redis SchedulerService.init() connects to: a fake one of this test's own."""
    client = lua_fakeredis()
    monkeypatch.setattr("app.core.redis.make_redis", lambda settings: client)
    yield client
    client.close()


@pytest.fixture
def service(redis: Redis) -> Iterator[type[SchedulerService]]:
    SchedulerService.init(Settings(redis_url="redis://unused:6379/0", timezone="Asia/Seoul"))
    yield SchedulerService
    SchedulerService.shutdown()


@pytest.fixture
def store(redis: Redis) -> ScheduleStore:
    """Another process's view of the same Redis."""
    return ScheduleStore(redis, celery_app, "Asia/Seoul")


def add(job: ScheduleJob) -> bool:
    return wait(SchedulerService.add_job(job))


def document(store: ScheduleStore, name: str) -> dict[str, Any]:
    entry = store.get(name)
    assert entry is not None and entry.spec is not None
    return entry.spec.to_document()


def table_job(**changes: Any) -> ScheduleJob:
    """Seed 002's own example, with the task object where it passes a callback."""
    fields: dict[str, Any] = {
        "job_id": "daily_table_creation",
        "name": "일일 테이블 생성",
        "schedule_type": ScheduleType.DAILY,
        "schedule_value": "02:00",
        "task": create_daily_tables,
        "use_distributed_lock": True,
        "lock_key": "scheduler:create_daily_tables",
        "lock_ttl": 1800,
        **changes,
    }
    return ScheduleJob(**fields)


def test_seed_002s_examples_become_schedules(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    interval = ScheduleJob("periodic_task", "주기적 작업", ScheduleType.INTERVAL, 30, REPORT)
    locked = ScheduleJob(
        "distributed_task",
        "분산 작업",
        ScheduleType.INTERVAL,
        60,
        REPORT,
        use_distributed_lock=True,
        lock_key="unique_distributed_task",
        lock_ttl=300,
    )

    assert [add(job) for job in (interval, locked, table_job())] == [True, True, True]

    assert document(store, "periodic_task") == {
        "task": REPORT,
        "interval": 30.0,
        "description": "주기적 작업",
        "policy": {"max_retries": 3},
    }
    assert document(store, "distributed_task")["policy"] == {
        "max_retries": 3,
        "lock_key": "unique_distributed_task",
        "lease_seconds": 300.0,
    }
    assert document(store, "daily_table_creation") == {
        "task": TABLES,
        "hour": "2",
        "minute": "0",
        "description": "일일 테이블 생성",
        "policy": {
            "max_retries": 3,
            "lock_key": "scheduler:create_daily_tables",
            "lease_seconds": 1800.0,
        },
    }
    entry = store.get("daily_table_creation")
    assert entry is not None and entry.origin == "api"


def test_a_locked_job_without_a_lock_key_gets_its_own(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    add(table_job(lock_key=None))

    assert document(store, "daily_table_creation")["policy"]["lock_key"] == (
        "scheduler:daily_table_creation"
    )


def test_adding_the_same_job_again_changes_nothing(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    add(table_job())
    version = store.get("daily_table_creation").etag  # type: ignore[union-attr]

    assert add(table_job()) is False  # a second process starting up
    assert store.get("daily_table_creation").etag == version  # type: ignore[union-attr]


def test_a_changed_job_replaces_the_stored_definition(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    add(table_job())

    changed = table_job(schedule_type="CRON", schedule_value="30 3 * * *")
    changed.use_distributed_lock = False
    assert add(changed) is True

    assert document(store, "daily_table_creation") == {
        "task": TABLES,
        "cron": "30 3 * * *",
        "description": "일일 테이블 생성",
        "policy": {"max_retries": 3},  # the lock is gone, not merged in
    }


def test_a_once_job_without_a_time_runs_at_once_and_only_once(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    job = ScheduleJob("지금", "한 번", ScheduleType.ONCE, None, REPORT)
    before = datetime.now(UTC)

    assert add(job) is True
    spec = store.get("지금").spec  # type: ignore[union-attr]
    assert spec is not None and spec.at is not None
    assert before < spec.at <= datetime.now(UTC) + timedelta(seconds=3)
    assert add(job) is False  # another process: not sent again


def test_a_naive_once_time_is_this_processs_local_time(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    naive = datetime.now() + timedelta(hours=1)

    add(ScheduleJob("나중", "한 번", ScheduleType.ONCE, naive, REPORT))

    spec = store.get("나중").spec  # type: ignore[union-attr]
    assert spec is not None and spec.at == naive.astimezone()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"schedule_value": "25:00"}, "schedule_value"),
        ({"schedule_type": "WEEKLY"}, "schedule_type"),
        # float() of it raised OverflowError out of add_job.
        ({"schedule_type": "INTERVAL", "schedule_value": 10**400}, "schedule_value"),
        # A past time as text: named as set, not as `at`.
        (
            {"schedule_type": "ONCE", "schedule_value": "2020-01-01T00:00:00+09:00"},
            "schedule_value",
        ),
        ({"lock_ttl": 1}, "lock_ttl"),
        ({"max_retries": -1}, "max_retries"),
        ({"job_id": "줄\n바꿈"}, "job_id"),
        ({"task": "no_such_task"}, "task"),
        ({"kwargs": {"days_ahead": 99}}, "kwargs.days_ahead"),
    ],
)
def test_a_refusal_names_the_job_field(
    service: type[SchedulerService], store: ScheduleStore, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        add(table_job(**changes))

    assert [p.field for p in caught.value.problems] == [field]
    assert store.keys() == []


def test_status_comes_from_the_schedule_and_its_history(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    add(table_job())
    run(store, "daily_table_creation")
    run(store, "daily_table_creation", outcome="failed")

    status = service.get_job_status("daily_table_creation")

    assert isinstance(status, JobStatus)
    assert (status.schedule_type, status.schedule_value) == (ScheduleType.DAILY, "02:00")
    assert (status.name, status.task, status.timing) == ("일일 테이블 생성", TABLES, "At 02:00")
    assert (status.use_distributed_lock, status.lock_key, status.lock_ttl) == (
        True,
        "scheduler:create_daily_tables",
        1800,
    )
    assert (status.run_count, status.error_count, status.last_outcome) == (2, 1, "failed")
    assert status.last_run is not None and status.last_run.utcoffset() == timedelta(hours=9)
    assert status.next_run is not None and (status.next_run.hour, status.next_run.minute) == (2, 0)
    assert status.as_dict()["schedule_type"] == "DAILY"
    assert service.get_job_status("없음") is None


def test_all_jobs_include_schedules_made_elsewhere(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    add(table_job())
    other = ScheduleService(store, service.get_scheduler().registry)
    other.create({"name": "api_made", "task": REPORT, "cron": "0 9 * * 1"})

    jobs = service.get_all_jobs_status()

    assert list(jobs) == ["api_made", "daily_table_creation"]
    assert (jobs["api_made"].schedule_type, jobs["api_made"].schedule_value) == (
        ScheduleType.CRON,
        "0 9 * * 1",
    )
    assert jobs["api_made"].run_count == 0


def test_remove_job(service: type[SchedulerService], store: ScheduleStore) -> None:
    add(table_job())

    assert wait(service.remove_job("daily_table_creation")) is True
    assert wait(service.remove_job("daily_table_creation")) is False
    assert store.get("daily_table_creation") is None


def test_stop_and_start_are_the_global_pause_and_resume(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    state = wait(service.stop())

    assert state.paused and store.pause_state().paused
    assert (store.pause_state().by or "").startswith("facade:")
    assert wait(service.start()).paused is False
    assert store.pause_state().paused is False


def test_changes_are_audited_as_the_facades(
    service: type[SchedulerService], store: ScheduleStore
) -> None:
    add(table_job())

    [change] = store.audit("daily_table_creation", 10)
    assert change.actor.startswith("facade:") and change.source == "facade"


def test_calls_before_init_say_so() -> None:
    SchedulerService.shutdown()

    assert SchedulerService.is_initialized() is False
    with pytest.raises(SchedulerNotInitialized, match="init"):
        SchedulerService.get_job_status("x")
    with pytest.raises(SchedulerNotInitialized):
        wait(SchedulerService.add_job(table_job()))


def test_init_twice_keeps_the_first_connection(service: type[SchedulerService]) -> None:
    first = service.get_scheduler()

    service.init()

    assert service.get_scheduler() is first and service.is_initialized()


def test_seed_002s_table_job_is_the_shipped_file_entry(service: type[SchedulerService]) -> None:
    body = {k: v for k, v in table_job().definition().items() if k != "name"}
    shipped = load_file(DEFAULT_SCHEDULES_FILE, service.get_scheduler().registry)

    assert (
        service.get_scheduler().check(body).to_document()
        == shipped.specs["daily_table_creation"].to_document()
    )


def test_init_without_redis_url_finds_the_redis_run_sh_embedded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the CLI does (app.core.run_dir): ./run.sh may have moved off port 6379."""
    seen: list[str] = []
    client = lua_fakeredis()
    embedded = "redis://127.0.0.1:6390/0"
    monkeypatch.setattr("app.facade.service.resolved_redis_url", lambda settings: embedded)
    monkeypatch.setattr(
        "app.core.redis.make_redis", lambda settings: seen.append(settings.redis_url) or client
    )
    keys = ("broker_url", "result_backend", "redbeat_redis_url")
    before = {key: celery_app.conf.get(key) for key in keys}
    try:
        SchedulerService.init(Settings(timezone="Asia/Seoul"))

        assert seen == [embedded]
        assert celery_app.conf.broker_url == embedded  # run-now sends there too
    finally:
        SchedulerService.shutdown()
        celery_app.conf.update(before)
        client.close()


def test_the_settings_passed_set_the_limits_and_the_cap(redis: Redis) -> None:
    """Not the environment's (MAX_SCHEDULES 100,000, MAX_ARGS_BYTES 16 KiB by default):
    the validation and the store read them through get_settings()."""
    SchedulerService.init(
        Settings(redis_url="redis://unused:6379/0", max_schedules=1, max_args_bytes=64)
    )
    try:
        with pytest.raises(InvalidSchedule) as caught:
            add(table_job(kwargs={"days_ahead": 1, "note": "x" * 100}))
        assert "64" in str(caught.value)
        assert add(table_job()) is True
        with pytest.raises(InvalidSchedule, match="MAX_SCHEDULES"):
            add(table_job(job_id="second"))
    finally:
        SchedulerService.shutdown()
    assert get_settings().max_schedules == Settings().max_schedules  # the environment's again


def test_run_now_publishes_to_the_redis_of_the_settings_passed(
    redis_server: RedisServer,
) -> None:
    """The schedules, the run's history and the task itself all go to REDIS_URL as
    passed, whatever Redis the Celery app was built for; HISTORY_ENABLED is the passed
    one too. shutdown() points Celery back where it was."""
    base = redis_server.url.removesuffix("/0")
    passed, other = f"{base}/5", f"{base}/6"
    keys = ("broker_url", "result_backend", "redbeat_redis_url")
    before = {key: celery_app.conf.get(key) for key in keys}
    celery_app.conf.update(dict.fromkeys(keys, other))  # as if built for another Redis
    clients = [Redis.from_url(url, decode_responses=True) for url in (passed, other)]
    for client in clients:
        client.flushdb()
    try:
        SchedulerService.init(Settings(redis_url=passed, history_enabled=False))
        add(ScheduleJob("now", "지금", "interval", 3600, REPORT))
        task_id = SchedulerService.get_scheduler().run_now("now")
        SchedulerService.shutdown()

        def sent(client: Redis) -> bool:
            lists = [k for k in client.keys() if client.type(k) == "list"]
            return any(task_id in item for k in lists for item in client.lrange(k, 0, -1))

        assert sent(clients[0]) and not sent(clients[1])
        assert ScheduleStore(clients[0], celery_app, "UTC").runs("now", 10) == []
        assert celery_app.conf.broker_url == other
    finally:
        SchedulerService.shutdown()
        celery_app.conf.update(before)
        for client in clients:
            client.flushdb()
            client.close()
