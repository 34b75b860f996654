"""The words of the schedule management page (/scheduler): part of the package's one
CATALOG, kept apart only so that no file grows long.

The server embeds every `page_*` text, in LANGUAGE, into the page it serves as JSON
(app.web); the page's script fills the `{name}`-style placeholders itself, with the same
braces as message(). A Korean sentence that puts 이/가 after a schedule's name is avoided
here: the script has no particle rule, so such sentences are worded without one.
"""

from __future__ import annotations

from app.core.config import Language

PAGE_CATALOG: dict[str, dict[Language, str]] = {
    "page_title": {"en": "Scheduler", "ko": "스케줄러 관리"},
    "page_add": {"en": "Add schedule", "ko": "작업 추가"},
    "page_presets": {"en": "Create default jobs", "ko": "기본 작업 생성"},
    "page_stop": {"en": "Stop scheduler", "ko": "스케줄러 중지"},
    "page_start": {"en": "Start scheduler", "ko": "스케줄러 시작"},
    # The status banner.
    "page_banner_ok": {
        "en": "Beat is running; schedules are sent when they come due.",
        "ko": "Beat가 실행 중입니다. 스케줄은 실행 시각에 전송됩니다.",
    },
    "page_banner_no_beat": {
        "en": "No Beat is running: nothing is sent until one starts (./run.sh starts one).",
        "ko": "실행 중인 Beat가 없습니다. Beat가 시작될 때까지 아무것도 전송되지 않습니다 "
        "(./run.sh가 시작합니다).",
    },
    "page_banner_paused": {
        "en": "Dispatching is paused since {since} by {by} (reason: {reason}): "
        "no schedule is sent until it is started again.",
        "ko": "스케줄러가 중지되었습니다 ({since}부터, {by}, 사유: {reason}). "
        "다시 시작할 때까지 어떤 스케줄도 전송되지 않습니다.",
    },
    "page_banner_file_error": {
        "en": "schedules.json has an error and was not applied: {error}",
        "ko": "schedules.json에 오류가 있어 적용되지 않았습니다: {error}",
    },
    "page_banner_redis_down": {
        "en": "The API cannot reach Redis: {error}",
        "ko": "API가 Redis에 연결할 수 없습니다: {error}",
    },
    # The list.
    "page_schedules": {"en": "Schedules", "ko": "스케줄 목록"},
    "page_empty": {
        "en": "No schedules yet: add one, or create the default jobs.",
        "ko": "스케줄이 없습니다. 작업을 추가하거나 기본 작업을 생성하세요.",
    },
    "page_col_name": {"en": "Name", "ko": "이름"},
    "page_col_task": {"en": "Task", "ko": "작업"},
    "page_col_timing": {"en": "Timing", "ko": "실행 주기"},
    "page_col_enabled": {"en": "On", "ko": "활성"},
    "page_col_origin": {"en": "Origin", "ko": "출처"},
    "page_col_next": {"en": "Next run", "ko": "다음 실행"},
    "page_col_last": {"en": "Last run", "ko": "마지막 실행"},
    "page_col_actions": {"en": "Actions", "ko": "동작"},
    "page_failing": {"en": "failing", "ko": "실패 중"},
    "page_switch_label": {"en": "Schedule {name} enabled", "ko": "스케줄 {name} 활성화"},
    "page_edit": {"en": "Edit {name}", "ko": "{name} 수정"},
    "page_run": {"en": "Run {name} now", "ko": "{name} 지금 실행"},
    "page_delete": {"en": "Delete {name}", "ko": "{name} 삭제"},
    "page_history": {"en": "History of {name}", "ko": "{name} 실행 기록"},
    # Delete's confirmation.
    "page_confirm_delete": {
        "en": "Delete schedule {name}? Its run history is kept.",
        "ko": "스케줄 {name}을(를) 삭제할까요? 실행 기록은 남습니다.",
    },
    "page_yes": {"en": "Delete", "ko": "삭제"},
    "page_no": {"en": "Cancel", "ko": "취소"},
    # The schedule dialog.
    "page_new_schedule": {"en": "New schedule", "ko": "새 작업"},
    "page_edit_schedule": {"en": "Edit schedule {name}", "ko": "스케줄 {name} 수정"},
    "page_field_name": {"en": "Name", "ko": "이름"},
    "page_field_task": {"en": "Task", "ko": "작업"},
    "page_field_timing": {"en": "Timing", "ko": "실행 주기"},
    "page_kind_crontab": {"en": "Crontab fields", "ko": "crontab 필드"},
    "page_kind_cron": {"en": "Cron expression", "ko": "cron 표현식"},
    "page_kind_interval": {"en": "Every N seconds", "ko": "N초마다"},
    "page_kind_once": {"en": "Once", "ko": "한 번"},
    "page_field_interval": {"en": "Interval (seconds)", "ko": "간격 (초)"},
    "page_field_anchor": {"en": "First run (optional)", "ko": "첫 실행 시각 (선택)"},
    "page_field_at": {"en": "Run at", "ko": "실행 시각"},
    "page_field_timezone": {"en": "Timezone", "ko": "시간대"},
    "page_field_kwargs": {"en": "Parameters (JSON)", "ko": "매개변수 (JSON)"},
    "page_field_description": {"en": "Description", "ko": "설명"},
    "page_policy": {"en": "Policy", "ko": "실행 정책"},
    "page_preview_next": {"en": "Next 5 runs", "ko": "다음 5회 실행"},
    "page_bad_json": {
        "en": "Not valid JSON: {error}",
        "ko": "올바른 JSON이 아닙니다: {error}",
    },
    "page_not_object": {
        "en": "Parameters must be a JSON object, e.g. {example}",
        "ko": "매개변수는 JSON 객체여야 합니다. 예: {example}",
    },
    "page_save": {"en": "Save", "ko": "저장"},
    "page_cancel": {"en": "Cancel", "ko": "취소"},
    # History.
    "page_history_of": {"en": "Runs of {name}", "ko": "{name} 실행 기록"},
    "page_failed_only": {"en": "Failures only", "ko": "실패만 보기"},
    "page_col_started": {"en": "Started", "ko": "시작"},
    "page_col_outcome": {"en": "Outcome", "ko": "결과"},
    "page_col_duration": {"en": "Duration", "ko": "소요 시간"},
    "page_col_error": {"en": "Error", "ko": "오류"},
    "page_no_runs": {"en": "No runs recorded yet.", "ko": "기록된 실행이 없습니다."},
    # The token.
    "page_token_title": {"en": "API token", "ko": "API 토큰"},
    "page_token_help": {
        "en": "This server needs its API_TOKEN for changes; it is kept in this tab only.",
        "ko": "이 서버는 변경 요청에 API_TOKEN이 필요합니다. 토큰은 이 탭에만 보관됩니다.",
    },
    "page_token_label": {"en": "Token", "ko": "토큰"},
    "page_token_submit": {"en": "Use token", "ko": "토큰 사용"},
}
