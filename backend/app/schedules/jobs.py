"""Seed 000's jobs: its words for our schedules, its six default jobs, its numeric ids.

A job is a schedule under other field names (`function_name` is the task, `parameters`
the kwargs, `is_active` the enabled flag, `job_type` the category). This module only
translates: bodies into the spec's fields on the way in, the fields an error names back
into the client's words on the way out. Every rule stays in ScheduleService and the
store (ids: store/_job_ids.py), so a job and the schedule it is behave alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from app.schedules.entry import Entry
from app.schedules.errors import (
    ScheduleExists,
    ScheduleNotFound,
    fields_renamed,
)
from app.schedules.service import ScheduleService
from app.schedules.spec import CRON_FIELDS

# Seed 000's field -> the spec's (policy fields are lifted into `policy` by the spec).
TO_SPEC = {
    "job_type": "category",
    "function_name": "task",
    "cron_expression": "cron",
    "parameters": "kwargs",
    "is_active": "enabled",
}
# A field an error names -> the job field the client sent. `timing` is the spec's "give
# exactly one timing", which for a job means its cron expression.
FROM_SPEC = {
    **{spec: job for job, spec in TO_SPEC.items()},
    "timing": "cron_expression",
    "policy.max_retries": "max_retries",
    "policy.timeout_seconds": "timeout_seconds",
}
# Ids in paths are plain decimal numbers; anything else is a name.
ID_PATTERN = re.compile(r"[0-9]{1,18}")

# The kind of work a task does, for jobs whose schedule names no category. By the
# task's function name first, then by its module; CUSTOM when neither says.
CATEGORY_BY_FUNCTION = {
    "cleanup_old_data": "CLEANUP",
    "cleanup_old_tables": "CLEANUP",
    "analyze_trends": "ANALYSIS",
    "health_check": "CUSTOM",
}
CATEGORY_BY_MODULE = {
    "collection": "COLLECTION",
    "scheduler": "COLLECTION",
    "media": "IMAGE_PROCESSING",
    "reports": "REPORT",
}


class JobNotFound(ScheduleNotFound):
    """No existing job has this numeric id."""

    def __init__(self, job_id: int) -> None:
        super().__init__(str(job_id))
        self.job_id = job_id
        self.args = (f"no job has id {job_id}",)


def function_name(task: str) -> str:
    """`app.tasks.collection.collect_bestsellers` -> `collect_bestsellers`."""
    return task.rsplit(".", 1)[-1]


def category_of(entry: Entry) -> str:
    """The job type: the schedule's category, else what its task says (see above)."""
    if entry.spec is not None and entry.spec.category is not None:
        return entry.spec.category
    parts = entry.task.split(".")
    module = parts[-2] if len(parts) > 1 else ""
    found = CATEGORY_BY_FUNCTION.get(parts[-1]) or CATEGORY_BY_MODULE.get(module)
    return found or "CUSTOM"


def cron_expression(entry: Entry) -> str | None:
    """The 5-field cron form of a crontab timing; None for interval and one-off ones."""
    spec = entry.spec
    if spec is None or spec.timing_kind not in ("crontab", "cron"):
        return None
    fields = spec.cron_fields()
    return " ".join(fields[f] for f in CRON_FIELDS)


def to_spec(body: Mapping[str, Any]) -> dict[str, Any]:
    """A job body (all of it, or a patch) in the spec's field names."""
    return {TO_SPEC.get(key, key): value for key, value in body.items()}


def job_field(spec_field: str) -> str:
    """The job field an error about `spec_field` is about (`kwargs.days` ->
    `parameters.days`); fields with no job name keep the spec's."""
    if spec_field in FROM_SPEC:
        return FROM_SPEC[spec_field]
    head, dot, rest = spec_field.partition(".")
    if dot and head in FROM_SPEC:
        return f"{FROM_SPEC[head]}.{rest}"
    return spec_field


def in_job_words() -> AbstractContextManager[None]:
    """Refusals name the fields as the client sent them."""
    return fields_renamed(job_field)


@dataclass(frozen=True)
class Preset:
    name: str
    definition: dict[str, Any]


COLLECT = "app.tasks.collection."
# Seed 000's six default jobs ("기본 작업 생성"), with its times and parameters. Named as
# in the shipped schedules.json, whose definitions these are (plus a category), so that
# the ones the file created already are recognised as existing.
PRESETS = (
    Preset(
        "도매처_상품_수집",
        {
            "task": COLLECT + "collect_wholesale_products",
            "cron": "0 2 * * *",
            "kwargs": {
                "suppliers": ["zentrade", "ownerclan", "domeggook", "domomae"],
                "test_mode": False,
            },
            "description": "모든 도매처에서 상품 정보 수집 (매일 새벽 2시)",
            "policy": {"timeout_seconds": 3600, "max_retries": 3},
            "category": "COLLECTION",
        },
    ),
    Preset(
        "베스트셀러_수집",
        {
            "task": COLLECT + "collect_bestsellers",
            "hour": 14,
            "minute": 0,
            "kwargs": {"marketplaces": ["coupang", "naver"]},
            "description": "쿠팡, 네이버 등 마켓플레이스 베스트셀러 수집 (매일 오후 2시)",
            "category": "COLLECTION",
        },
    ),
    Preset(
        "이미지_처리",
        {
            "task": "app.tasks.media.process_images",
            "hour": 3,
            "minute": 0,
            "kwargs": {"limit": 100, "suppliers": None},
            "description": "도매처 상품 이미지 최적화 및 호스팅 (매일 새벽 3시)",
            "category": "IMAGE_PROCESSING",
        },
    ),
    Preset(
        "데이터_정리",
        {
            "task": "app.tasks.maintenance.cleanup_old_data",
            "cron": "0 1 * * 0",
            "kwargs": {"days": 30},
            "description": "30일 이상 된 로그 및 이미지 정리 (매주 일요일 새벽 1시)",
            "category": "CLEANUP",
        },
    ),
    Preset(
        "일일_리포트_생성",
        {
            "task": "app.tasks.reports.generate_daily_report",
            "hour": 23,
            "minute": 0,
            "description": "상품 통계 및 수집 현황 리포트 생성 (매일 오후 11시)",
            "category": "REPORT",
        },
    ),
    Preset(
        "트렌드_분석",
        {
            "task": "app.tasks.reports.analyze_trends",
            "hour": 18,
            "minute": 0,
            "description": "시장 트렌드 분석 (매일 오후 6시)",
            "category": "ANALYSIS",
        },
    ),
)


@dataclass
class PresetsApplied:
    created: list[Entry] = field(default_factory=list)
    # Presets whose name was taken already: left exactly as they are.
    existing: list[Entry] = field(default_factory=list)


class Jobs:
    """Seed 000's operations, each one call of ScheduleService (or two for an id)."""

    def __init__(self, service: ScheduleService) -> None:
        self.service = service
        self.store = service.store

    def name_of(self, ref: str) -> str:
        """A path's job: a number is an id (JobNotFound if no job has it), else a name."""
        if ID_PATTERN.fullmatch(ref) is None:
            return ref
        name = self.store.job_name(int(ref))
        if name is None:
            raise JobNotFound(int(ref))
        return name

    def get(self, ref: str) -> Entry:
        name = self.name_of(ref)
        try:
            return self.service.get(name)
        except ScheduleNotFound:
            if name == ref:
                raise
            raise JobNotFound(int(ref)) from None  # deleted since the id was looked up

    def ids(self, entries: list[Entry]) -> dict[str, int]:
        """Their ids; one that has none gets the next (store/_job_ids.py)."""
        return self.store.job_ids([e.name for e in entries])

    # `actor` (on every write): who asks, for the audit trail, as ScheduleService takes it.
    def create(self, body: Mapping[str, Any], actor: str | None = None) -> Entry:
        with in_job_words():
            return self.service.create(to_spec(body), actor=actor)

    def update(self, ref: str, patch: Mapping[str, Any], actor: str | None = None) -> Entry:
        name = self.name_of(ref)
        with in_job_words():
            return self.service.update(name, to_spec(patch), actor=actor)

    def delete(self, ref: str, actor: str | None = None) -> tuple[str, int | None]:
        """Delete the job; its name and the id it had."""
        name = self.name_of(ref)
        job_id = self.store.job_ids([name]).get(name)
        self.service.delete(name, actor=actor)
        return name, job_id

    def create_presets(self, actor: str | None = None) -> PresetsApplied:
        """Create each of seed 000's default jobs whose name is free; the others stay
        as they are (a preset never overwrites), so calling this again changes nothing."""
        applied = PresetsApplied()
        for preset in PRESETS:
            try:
                entry = self.service.create({"name": preset.name, **preset.definition}, actor)
                applied.created.append(entry)
            except ScheduleExists:
                existing = self.store.get(preset.name)
                if existing is not None:  # unless deleted meanwhile
                    applied.existing.append(existing)
        return applied
