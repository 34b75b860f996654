"""The sentences of the CLI's control verbs (stop, start, restart, collect, logs) and of
relative times ("in 14 h 58 min"): part of the package's one CATALOG, kept apart only so
that no file grows long. Look them up with app.presentation.messages.message()."""

from __future__ import annotations

from app.core.config import Language

CONTROL_CATALOG: dict[str, dict[Language, str]] = {
    # stop and start: the global pause (the lead's dispatch_paused/_resumed say what changed).
    "cli_dispatch_running": {
        "en": "Dispatching: running (Beat sends each schedule when it comes due).",
        "ko": "디스패치: 실행 중 (Beat가 각 스케줄을 실행 시각에 전송합니다).",
    },
    "cli_dispatch_paused": {
        "en": "Dispatching: PAUSED since {since} ({timezone}) by {by}; reason: {reason}. "
        "`batchsched-cli start` resumes it.",
        "ko": "디스패치: 중지됨 ({timezone} 기준 {since}부터, {by}); 사유: {reason}. "
        "`batchsched-cli start`로 다시 시작합니다.",
    },
    "cli_already_paused": {
        "en": "Dispatching was already paused; the first pause's time, author and reason are kept.",
        "ko": "디스패치는 이미 중지되어 있었습니다. 처음 중지한 시각, 사용자, 사유가 유지됩니다.",
    },
    "cli_stop_hint": {
        "en": "While paused, each fire that comes due is recorded as skipped (reason paused) "
        "and not sent later; `run NAME` and `collect` still send.",
        "ko": "중지된 동안 실행 시각이 된 스케줄은 건너뜀(사유 paused)으로 기록되고 나중에도 "
        "전송되지 않습니다. `run NAME`과 `collect`는 그래도 전송합니다.",
    },
    "cli_check_paused": {
        "en": "Dispatching is PAUSED (since {since}, by {by}): nothing is sent until "
        "`batchsched-cli start`.",
        "ko": "디스패치 중지됨 ({since}부터, {by}): `batchsched-cli start` 전까지 아무것도 "
        "전송되지 않습니다.",
    },
    "cli_not_paused": {
        "en": "Dispatching was not paused; nothing changed.",
        "ko": "디스패치가 중지되어 있지 않았습니다. 바뀐 것이 없습니다.",
    },
    "cli_start_no_beat": {
        "en": "Note: no Beat is running, so nothing is sent until one starts "
        "(./run.sh, or ./run_celery_beat.sh).",
        "ko": "참고: 실행 중인 Beat가 없어서 Beat가 시작될 때까지 아무것도 전송되지 않습니다 "
        "(./run.sh 또는 ./run_celery_beat.sh).",
    },
    # restart.
    "cli_restart_not_running": {
        "en": "No ./run.sh is running with its data in {path}, so there is nothing to restart. "
        "Start the stack with ./run.sh; under docker compose: "
        "docker compose restart worker beat api.",
        "ko": "{path}를 데이터 디렉터리로 쓰는 ./run.sh가 실행 중이 아니어서 재시작할 것이 "
        "없습니다. ./run.sh로 시작하세요. docker compose에서는 "
        "docker compose restart worker beat api.",
    },
    "cli_restart_failed": {
        "en": "Could not signal ./run.sh (pid {pid}): {error}",
        "ko": "./run.sh(pid {pid})에 신호를 보낼 수 없습니다: {error}",
    },
    "cli_restart_sent": {
        "en": "Asked ./run.sh (pid {pid}) to restart its worker, Beat and API; its Redis, the "
        "schedules and the queued tasks stay. Watch them come back: batchsched-cli logs "
        "(files in {logs}).",
        "ko": "./run.sh(pid {pid})에 워커, Beat, API 재시작을 요청했습니다. Redis, 스케줄, "
        "대기 중인 작업은 그대로입니다. 다시 올라오는 것은 batchsched-cli logs로 보세요 "
        "(파일 위치 {logs}).",
    },
    # collect.
    "cli_collect_no_all": {
        "en": "No schedule runs {task}, so there is no collection of every supplier to run; "
        "add one (schedules.json ships 전체_공급사_수집).",
        "ko": "{task}를 실행하는 스케줄이 없어 전체 공급사 수집을 실행할 수 없습니다. "
        "스케줄을 추가하세요 (schedules.json의 전체_공급사_수집).",
    },
    "cli_collect_unknown": {
        "en": "Unknown supplier '{supplier}'; suppliers with a collection schedule: {known}.",
        "ko": "알 수 없는 공급사 '{supplier}'입니다. 수집 스케줄이 있는 공급사: {known}.",
    },
    "cli_collect_no_schedule": {
        "en": "No schedule collects {supplier} (task collect_supplier with kwargs.supplier "
        "{supplier}); suppliers with one: {known}.",
        "ko": "{supplier}를 수집하는 스케줄이 없습니다 (collect_supplier 작업, "
        "kwargs.supplier {supplier}). 수집 스케줄이 있는 공급사: {known}.",
    },
    "cli_collect_everyone": {"en": "every supplier", "ko": "전체 공급사"},
    "cli_collect_sent": {
        "en": "Collection of {what} sent now through schedule '{name}' (task id {task_id}).",
        "ko": "{what} 수집을 스케줄 '{name}'으로 지금 전송했습니다 (작업 ID {task_id}).",
    },
    "cli_collect_while_paused": {
        "en": "Dispatching is paused (stop), but a collection asked for by hand is sent anyway.",
        "ko": "디스패치는 중지되어 있지만(stop), 직접 요청한 수집은 전송됩니다.",
    },
    "cli_collect_follow": {
        "en": "Follow it: batchsched-cli runs {name}  (or batchsched-cli logs --schedule {name})",
        "ko": "진행 확인: batchsched-cli runs {name}  (또는 batchsched-cli logs --schedule {name})",
    },
    # logs.
    "cli_logs_none": {
        "en": "No logs in {path}: ./run.sh writes redis.log, worker.log, beat.log and api.log "
        "there while it runs. Under docker compose: docker compose logs -f worker beat api.",
        "ko": "{path}에 로그가 없습니다. ./run.sh가 실행되는 동안 redis.log, worker.log, "
        "beat.log, api.log를 그곳에 씁니다. docker compose에서는 "
        "docker compose logs -f worker beat api.",
    },
    "cli_logs_unknown": {
        "en": "No log named {names}; there are: {known}.",
        "ko": "{names} 로그가 없습니다. 있는 로그: {known}.",
    },
    "cli_logs_not_running": {
        "en": "./run.sh is not running: the last lines of its last run, from {path}.",
        "ko": "./run.sh가 실행 중이 아닙니다. {path}에 남은 마지막 실행의 마지막 줄입니다.",
    },
    "cli_logs_stopped": {
        "en": "./run.sh stopped; no more lines will come.",
        "ko": "./run.sh가 멈췄습니다. 더 이상 새 줄이 없습니다.",
    },
    # Relative times: how far a time is from now.
    "time_in": {"en": "in {span}", "ko": "{span} 후"},
    "time_ago": {"en": "{span} ago", "ko": "{span} 전"},
    "time_now": {"en": "now", "ko": "지금"},
    "time_next_run": {
        "en": "Next run: {when} ({zone}), {relative}.",
        "ko": "다음 실행: {when} ({zone}), {relative}.",
    },
    "time_no_next_run": {
        "en": "No next run (paused, or a one-off that has run).",
        "ko": "다음 실행 없음 (일시 중지되었거나 이미 실행된 1회성 스케줄).",
    },
    "time_read_in_zone": {
        "en": "`{field}` was written without a UTC offset, so it was read in {zone}, "
        "the schedule's timezone (not this server's).",
        "ko": "`{field}`에 UTC 오프셋이 없어 이 서버가 아닌 스케줄의 시간대 {zone} 기준으로 "
        "해석했습니다.",
    },
}
