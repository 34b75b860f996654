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
        "en": "This server needs an API token; it is kept in this tab only.",
        "ko": "이 서버는 API 토큰이 필요합니다. 토큰은 이 탭에만 보관됩니다.",
    },
    "page_token_label": {"en": "Token", "ko": "토큰"},
    "page_token_submit": {"en": "Use token", "ko": "토큰 사용"},
    # The page script's own words (static/js/text.js has their English as a fallback).
    "page_skip": {"en": "Skip to the schedules", "ko": "스케줄 목록으로 건너뛰기"},
    "page_loading": {"en": "Loading…", "ko": "불러오는 중…"},
    "page_dismiss": {"en": "Dismiss", "ko": "닫기"},
    "page_close": {"en": "Close", "ko": "닫기"},
    "page_updated_at": {"en": "Updated {time}", "ko": "{time} 갱신"},
    "page_banner_api_down": {
        "en": "The page cannot reach the API: {error}",
        "ko": "페이지가 API에 연결할 수 없습니다: {error}",
    },
    "page_banner_no_worker": {
        "en": "No worker is running: schedules are sent but wait in the queue until one starts.",
        "ko": "실행 중인 워커가 없습니다. 스케줄은 전송되지만 워커가 시작될 때까지 "
        "대기열에서 기다립니다.",
    },
    "page_banner_failing": {"en": "Failing in a row: {names}", "ko": "연속 실패 중: {names}"},
    "page_reason_none": {"en": "none given", "ko": "사유 없음"},
    "page_unknown": {"en": "unknown", "ko": "알 수 없음"},
    "page_failing_streak": {"en": "{count} failures in a row", "ko": "연속 {count}회 실패"},
    "page_btn_edit": {"en": "Edit", "ko": "수정"},
    "page_btn_run": {"en": "Run now", "ko": "지금 실행"},
    "page_btn_history": {"en": "History", "ko": "실행 기록"},
    "page_btn_delete": {"en": "Delete", "ko": "삭제"},
    "page_origin_file": {"en": "file", "ko": "파일"},
    "page_origin_api": {"en": "API", "ko": "API"},
    "page_origin_redbeat": {"en": "RedBeat", "ko": "RedBeat"},
    "page_origin_help_file": {"en": "From schedules.json", "ko": "schedules.json에서 관리됩니다"},
    "page_origin_help_api": {
        "en": "Created through the API or this page",
        "ko": "API 또는 이 페이지에서 만들었습니다",
    },
    "page_origin_help_redbeat": {
        "en": "Written by RedBeat directly",
        "ko": "RedBeat가 직접 기록했습니다",
    },
    "page_disabled": {"en": "paused", "ko": "일시 중지됨"},
    "page_never": {"en": "never", "ko": "없음"},
    "page_no_next": {"en": "none", "ko": "없음"},
    "page_outcome_sent": {"en": "sent", "ko": "대기 중"},
    "page_outcome_running": {"en": "running", "ko": "실행 중"},
    "page_outcome_succeeded": {"en": "succeeded", "ko": "성공"},
    "page_outcome_failed": {"en": "failed", "ko": "실패"},
    "page_outcome_retried": {"en": "retried", "ko": "재시도됨"},
    "page_outcome_timed_out": {"en": "timed_out", "ko": "시간 초과"},
    "page_outcome_skipped": {"en": "skipped", "ko": "건너뜀"},
    "page_outcome_missed": {"en": "missed", "ko": "놓침"},
    "page_outcome_lost": {"en": "lost", "ko": "유실"},
    "page_trigger_beat": {"en": "Beat", "ko": "Beat"},
    "page_trigger_run_now": {"en": "run now", "ko": "수동 실행"},
    "page_why_overlap": {
        "en": "overlap: the previous run had not ended",
        "ko": "overlap: 이전 실행이 끝나지 않음",
    },
    "page_why_min_gap": {
        "en": "min_gap: too soon after the last run ended",
        "ko": "min_gap: 마지막 실행이 끝난 지 얼마 되지 않음",
    },
    "page_why_lock_key": {
        "en": "lock_key: a schedule with the same lock_key was running",
        "ko": "lock_key: 같은 lock_key를 쓰는 스케줄이 실행 중",
    },
    "page_why_paused": {"en": "paused", "ko": "일시 중지됨"},
    "page_why_catchup_window": {
        "en": "catchup_window: too late to run when Beat came back",
        "ko": "catchup_window: Beat가 돌아왔을 때 실행하기엔 너무 늦음",
    },
    "page_why_lease_expired": {
        "en": "lease expired: its worker stopped answering",
        "ko": "lease 만료: 워커가 응답하지 않음",
    },
    "page_missed_slots": {"en": "{count} slots", "ko": "{count}회분"},
    "page_time_in": {"en": "in {span}", "ko": "{span} 후"},
    "page_time_ago": {"en": "{span} ago", "ko": "{span} 전"},
    "page_time_now": {"en": "now", "ko": "지금"},
    "page_span_d": {"en": "{n} d", "ko": "{n}일"},
    "page_span_h": {"en": "{n} h", "ko": "{n}시간"},
    "page_span_min": {"en": "{n} min", "ko": "{n}분"},
    "page_span_s": {"en": "{n} s", "ko": "{n}초"},
    "page_confirm_title": {"en": "Please confirm", "ko": "확인"},
    "page_deleted": {
        "en": "Schedule {name} was deleted.",
        "ko": "스케줄 {name}을(를) 삭제했습니다.",
    },
    "page_run_refused_title": {"en": "Not run", "ko": "실행되지 않음"},
    "page_run_force": {"en": "Run anyway", "ko": "그래도 실행"},
    "page_task_choose": {"en": "Choose a task", "ko": "작업을 선택하세요"},
    "page_task_params": {"en": "Parameters of {task}", "ko": "{task}의 매개변수"},
    "page_param_required": {"en": "required", "ko": "필수"},
    "page_param_default": {"en": "default {value}", "ko": "기본값 {value}"},
    "page_no_params": {
        "en": "This task takes no parameters.",
        "ko": "이 작업은 매개변수가 없습니다.",
    },
    "page_fill_defaults": {
        "en": "Put the defaults in the parameters",
        "ko": "기본값을 매개변수에 넣기",
    },
    "page_field_cron": {"en": "Cron expression", "ko": "cron 표현식"},
    "page_cron_help": {
        "en": "5 fields: minute hour day-of-month month day-of-week, e.g. 0 2 * * * (every day "
        "at 02:00).",
        "ko": "5개 필드: 분 시 일 월 요일. 예: 0 2 * * * (매일 새벽 2시).",
    },
    "page_cron_ex_daily": {"en": "every day at 02:00", "ko": "매일 새벽 2시"},
    "page_cron_ex_afternoon": {"en": "every day at 14:30", "ko": "매일 오후 2시 30분"},
    "page_cron_ex_two_hours": {"en": "every 2 hours", "ko": "2시간마다"},
    "page_cron_ex_weekdays": {"en": "weekdays at 09:00", "ko": "평일 오전 9시"},
    "page_cron_ex_monthly": {"en": "the 1st of every month at midnight", "ko": "매월 1일 자정"},
    "page_cron_ex_sunday": {"en": "every Sunday at 06:00", "ko": "매주 일요일 오전 6시"},
    "page_field_minute": {"en": "Minute", "ko": "분"},
    "page_field_hour": {"en": "Hour", "ko": "시"},
    "page_field_day_of_month": {"en": "Day of month", "ko": "일"},
    "page_field_month_of_year": {"en": "Month", "ko": "월"},
    "page_field_day_of_week": {"en": "Day of week", "ko": "요일"},
    "page_time_hint": {"en": "In the schedule's timezone.", "ko": "스케줄의 시간대 기준입니다."},
    "page_timezone_default": {"en": "default: {zone}", "ko": "기본값: {zone}"},
    "page_kwargs_help": {
        "en": "A JSON object of the task's parameters, e.g. {example}; {empty} for none.",
        "ko": "작업 매개변수의 JSON 객체입니다. 예: {example}, 없으면 {empty}.",
    },
    "page_policy_overlap": {
        "en": "If the last run is still going",
        "ko": "이전 실행이 아직 진행 중이면",
    },
    "page_overlap_skip": {"en": "skip this run", "ko": "이번 실행 건너뛰기"},
    "page_overlap_allow": {"en": "run anyway", "ko": "그래도 실행"},
    "page_overlap_buffer_one": {"en": "run once it ends", "ko": "끝난 뒤 한 번 실행"},
    "page_policy_timeout": {"en": "Timeout (seconds)", "ko": "제한 시간 (초)"},
    "page_policy_max_retries": {"en": "Retries after a failure", "ko": "실패 시 재시도 횟수"},
    "page_policy_min_gap": {"en": "Minimum gap (seconds)", "ko": "최소 간격 (초)"},
    "page_policy_catchup": {"en": "Catch-up window (seconds)", "ko": "지연 실행 허용 시간 (초)"},
    "page_policy_lock_key": {"en": "Lock key", "ko": "잠금 키 (lock_key)"},
    "page_preview_none": {"en": "No run to come.", "ko": "앞으로 실행될 일정이 없습니다."},
    "page_preview_unavailable": {"en": "No preview: {error}", "ko": "미리 보기 없음: {error}"},
    "page_required": {"en": "Required.", "ko": "필수 항목입니다."},
    "page_stale": {
        "en": "This schedule changed elsewhere since you opened it: close the dialog and open it "
        "again.",
        "ko": "이 대화 상자를 연 뒤에 다른 곳에서 스케줄이 바뀌었습니다. 닫고 다시 여세요.",
    },
    "page_col_time": {"en": "Time", "ko": "시각"},
    "page_col_time_zone": {"en": "Time ({zone})", "ko": "시각 ({zone})"},
    "page_col_trigger": {"en": "Trigger", "ko": "실행 방식"},
    "page_col_attempt": {"en": "Attempt", "ko": "시도"},
    "page_traceback": {"en": "Traceback", "ko": "트레이스백"},
    "page_token_refused": {
        "en": "That token was refused; try again.",
        "ko": "토큰이 거부되었습니다. 다시 입력하세요.",
    },
    "page_token_read_only": {
        "en": "That token may only read; enter one that may change schedules.",
        "ko": "이 토큰은 조회만 할 수 있습니다. 스케줄을 변경할 수 있는 토큰을 입력하세요.",
    },
    "page_token_needed_to_read": {
        "en": "This server needs an API token to show schedules; reload the page to enter it.",
        "ko": "이 서버는 스케줄을 보여 주는 데에도 API 토큰이 필요합니다. 페이지를 새로 "
        "고쳐 토큰을 입력하세요.",
    },
    "page_unauthorized": {
        "en": "Not done: this server needs its API token.",
        "ko": "처리되지 않았습니다: 이 서버는 API 토큰이 필요합니다.",
    },
    "page_failed": {"en": "Failed: {message}", "ko": "실패: {message}"},
    "page_policy_retry_backoff": {
        "en": "First retry delay (seconds)",
        "ko": "첫 재시도 대기 (초)",
    },
    "page_policy_lease": {
        "en": "Lost after (seconds)",
        "ko": "응답 없는 실행을 유실로 보는 시간 (초)",
    },
    "page_policy_alert_webhook": {
        "en": "Alert webhook URL",
        "ko": "알림 웹훅 URL",
    },
    "page_policy_alert_webhook_help": {
        "en": "Empty: the server's ALERT_WEBHOOK_URL. A stored URL shows only its host; "
        "leave it as shown to keep it.",
        "ko": "비우면 서버의 ALERT_WEBHOOK_URL을 씁니다. 저장된 URL은 호스트만 보이며, "
        "그대로 두면 유지됩니다.",
    },
    "page_policy_alert_failed_items": {
        "en": "Alert at failed items",
        "ko": "알림 기준 실패 항목 수",
    },
    "page_policy_alert_long_run": {
        "en": "Alert when a run lasts over (seconds)",
        "ko": "실행이 이보다 길면 알림 (초)",
    },
    "page_timing_unknown": {
        "en": "RedBeat wrote this timing ({timing}) in a form this page cannot edit: choose a "
        "kind and enter a timing to save a change.",
        "ko": "이 실행 주기({timing})는 RedBeat가 직접 쓴 형식이라 이 페이지에서 편집할 수 "
        "없습니다. 변경을 저장하려면 종류를 고르고 실행 주기를 입력하세요.",
    },
    "page_banner_list_error": {
        "en": "The schedule list could not be read: {error}",
        "ko": "스케줄 목록을 읽지 못했습니다: {error}",
    },
    "page_banner_list_truncated": {
        "en": "Only the first {count} schedules are shown.",
        "ko": "처음 {count}개 스케줄만 표시됩니다.",
    },
    "page_last_finished": {
        "en": "Finished {time}",
        "ko": "{time}에 끝남",
    },
    "page_last_sent": {
        "en": "Sent {time}",
        "ko": "{time}에 보냄",
    },
}
