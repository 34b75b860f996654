"""Sentences of seed 000's job API (`/scheduler/...`), joined into the one CATALOG."""

from __future__ import annotations

from app.core.config import Language

JOBS_CATALOG: dict[str, dict[Language, str]] = {
    "job_created": {
        "en": "Job '{name}' was created (id {job_id}).",
        "ko": "작업 '{name}'{subject} 생성되었습니다 (ID {job_id}).",
    },
    "job_updated": {
        "en": "Job '{name}' (id {job_id}) was updated.",
        "ko": "작업 '{name}'{subject} 수정되었습니다 (ID {job_id}).",
    },
    "job_deleted": {
        "en": "Job '{name}' was deleted.",
        "ko": "작업 '{name}'{subject} 삭제되었습니다.",
    },
    "job_not_found": {
        "en": "No job has id {job_id}; GET /scheduler/jobs lists them.",
        "ko": "ID가 {job_id}인 작업이 없습니다. GET /scheduler/jobs에서 목록을 볼 수 있습니다.",
    },
    "presets_applied": {
        "en": "Default jobs: {created} created, {existing} already there and left as they are.",
        "ko": "기본 작업: {created}개를 만들었고, {existing}개는 이미 있어 그대로 두었습니다.",
    },
    "scheduler_running": {
        "en": "The scheduler is running: Beat sends each active job at its time.",
        "ko": "스케줄러가 실행 중입니다: Beat가 활성화된 작업을 제시간에 실행합니다.",
    },
    "scheduler_stopped": {
        "en": "The scheduler is stopped: no job is sent until POST /scheduler/start.",
        "ko": "스케줄러가 중지되어 있습니다: POST /scheduler/start 전까지 어떤 작업도 "
        "실행되지 않습니다.",
    },
    "scheduler_no_beat": {
        "en": "No Beat is running, so no job is sent: start the stack (./run.sh).",
        "ko": "실행 중인 Beat가 없어 어떤 작업도 실행되지 않습니다: ./run.sh로 시작하세요.",
    },
}
