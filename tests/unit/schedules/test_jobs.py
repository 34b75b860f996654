"""app/schedules/jobs.py: seed 000's words for schedules, its presets, its job types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.celery_app import celery_app
from app.schedules import (
    PRESETS,
    Entry,
    InvalidSchedule,
    JobNotFound,
    Jobs,
    ScheduleNotFound,
    ScheduleService,
    ScheduleStore,
    TaskRegistry,
    category_of,
    cron_expression,
    parse_spec,
)
from app.schedules.jobs import job_field, to_spec
from tests.unit.beat.fakes import lua_fakeredis

SHIPPED = Path(__file__).resolve().parents[3] / "backend" / "app" / "config" / "schedules.json"


@pytest.fixture
def jobs() -> Jobs:
    store = ScheduleStore(lua_fakeredis(), celery_app, "Asia/Seoul")
    return Jobs(ScheduleService(store, TaskRegistry.from_celery(celery_app)))


def entry_of(jobs: Jobs, name: str, **raw: object) -> Entry:
    return jobs.store.save(name, parse_spec({"cron": "0 3 * * *", **raw}))


@pytest.mark.parametrize(
    ("task", "category"),
    [
        ("app.tasks.collection.collect_wholesale_products", "COLLECTION"),
        ("app.tasks.collection.collect_supplier", "COLLECTION"),
        ("app.tasks.scheduler.crawl_all_complexes", "COLLECTION"),
        ("app.tasks.media.process_images", "IMAGE_PROCESSING"),
        ("app.tasks.maintenance.cleanup_old_data", "CLEANUP"),
        ("app.tasks.tables.cleanup_old_tables", "CLEANUP"),
        ("app.tasks.tables.create_daily_tables", "CUSTOM"),
        ("app.tasks.maintenance.health_check", "CUSTOM"),
        ("app.tasks.reports.generate_daily_report", "REPORT"),
        ("app.tasks.reports.analyze_trends", "ANALYSIS"),
    ],
)
def test_a_job_type_is_derived_from_the_task_when_none_is_stored(
    jobs: Jobs, task: str, category: str
) -> None:
    assert category_of(entry_of(jobs, "j", task=task)) == category


def test_a_stored_category_wins_over_the_task(jobs: Jobs) -> None:
    entry = entry_of(jobs, "j", task="app.tasks.reports.analyze_trends", category="report")
    assert (entry.spec is not None and entry.spec.category, category_of(entry)) == (
        "REPORT",
        "REPORT",
    )


@pytest.mark.parametrize(
    ("timing", "expected"),
    [
        ({"cron": "30 14 * * 1-5"}, "30 14 * * 1-5"),
        ({"cron": None, "hour": 6, "minute": 0, "day_of_week": "1"}, "0 6 * * 1"),
        ({"cron": None, "interval": 1800}, None),
    ],
)
def test_cron_expression_of_each_timing(
    jobs: Jobs, timing: dict[str, object], expected: str | None
) -> None:
    raw = {k: v for k, v in timing.items() if v is not None}
    entry = jobs.store.save("j", parse_spec({"task": "app.tasks.reports.analyze_trends", **raw}))
    assert cron_expression(entry) == expected


def test_job_fields_map_to_spec_fields_and_back() -> None:
    body = {"function_name": "f", "cron_expression": "0 3 * * *", "parameters": {"a": 1}}
    assert to_spec({**body, "is_active": False, "job_type": "REPORT", "max_retries": 2}) == {
        "task": "f",
        "cron": "0 3 * * *",
        "kwargs": {"a": 1},
        "enabled": False,
        "category": "REPORT",
        "max_retries": 2,
    }
    pairs = [
        ("cron", "cron_expression"),
        ("timing", "cron_expression"),
        ("task", "function_name"),
        ("kwargs.test_mode", "parameters.test_mode"),
        ("policy.max_retries", "max_retries"),
        ("category", "job_type"),
        ("timezone", "timezone"),
    ]
    assert [job_field(spec) for spec, _ in pairs] == [job for _, job in pairs]


def test_refusals_name_the_fields_the_client_sent(jobs: Jobs) -> None:
    body = {"name": "x", "function_name": "collect_wholesale_products", "cron_expression": "0 3"}
    with pytest.raises(InvalidSchedule) as bad_cron:
        jobs.create(body)
    with pytest.raises(InvalidSchedule) as bad_param:
        jobs.create({**body, "cron_expression": "0 3 * * *", "parameters": {"test_mode": 1}})
    assert [p.field for p in bad_cron.value.problems] == ["cron_expression"]
    assert [p.field for p in bad_param.value.problems] == ["parameters.test_mode"]


def test_presets_are_the_shipped_files_six_definitions_plus_a_category() -> None:
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))["schedules"]
    for preset in PRESETS:
        definition = {k: v for k, v in preset.definition.items() if k != "category"}
        assert parse_spec(definition) == parse_spec(shipped[preset.name]), preset.name
    assert [p.definition["category"] for p in PRESETS] == [
        "COLLECTION",
        "COLLECTION",
        "IMAGE_PROCESSING",
        "CLEANUP",
        "REPORT",
        "ANALYSIS",
    ]


def test_presets_create_the_free_names_and_leave_the_others_alone(jobs: Jobs) -> None:
    mine = entry_of(jobs, "트렌드_분석", task="app.tasks.reports.generate_daily_report")

    first = jobs.create_presets()
    again = jobs.create_presets()

    assert [e.name for e in first.created] == [p.name for p in PRESETS[:5]]
    assert [e.name for e in first.existing] == ["트렌드_분석"]
    assert jobs.service.get("트렌드_분석").etag == mine.etag  # not overwritten
    assert (again.created, len(again.existing)) == ([], 6)


def test_a_path_names_a_job_by_id_or_by_name(jobs: Jobs) -> None:
    entry_of(jobs, "a", task="app.tasks.reports.analyze_trends")
    entry_of(jobs, "7", task="app.tasks.reports.analyze_trends")  # an all-digit name

    assert jobs.get("1").name == "a" and jobs.get("a").name == "a"
    assert jobs.get("2").name == "7"
    with pytest.raises(JobNotFound):
        jobs.get("7")  # digits are an id: the job named "7" is reached by its id
    with pytest.raises(ScheduleNotFound) as missing:
        jobs.get("b")
    assert type(missing.value) is ScheduleNotFound  # a name: "no schedule named 'b'"
