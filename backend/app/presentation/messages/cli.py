"""The CLI's sentences, in English and Korean: part of the package's one CATALOG.

Kept apart only so that neither file grows long; look them up with
app.presentation.messages.message(), never from here. File names, setting names, commands and
"Beat", "Redis" stay as the operator types them.
"""

from __future__ import annotations

from app.core.config import Language

CLI_CATALOG: dict[str, dict[Language, str]] = {
    "cli_run_refused": {
        "en": "Schedule '{name}' was not run: {why}. Add --force to run it anyway.",
        "ko": "스케줄 '{name}'{subject} 실행되지 않았습니다: {why}. "
        "그래도 실행하려면 --force를 붙이세요.",
    },
    "cli_redis_hint": {
        "en": "Check that Redis runs there and that REDIS_URL (host, port, password, "
        "rediss:// for TLS) is right.",
        "ko": "그 주소에서 Redis가 실행 중인지, REDIS_URL(호스트, 포트, 비밀번호, TLS는 "
        "rediss://)이 올바른지 확인하세요.",
    },
    "cli_redis_error": {
        "en": "Redis at {url} answered with an error: {error}",
        "ko": "Redis({url})가 오류로 응답했습니다: {error}",
    },
    "cli_settings_invalid": {
        "en": "The settings are invalid: {detail}",
        "ko": "설정이 올바르지 않습니다: {detail}",
    },
    "cli_interrupted": {"en": "Interrupted.", "ko": "중단되었습니다."},
    # The table and its summary.
    "cli_no_schedules": {"en": "No schedules match.", "ko": "조건에 맞는 스케줄이 없습니다."},
    "cli_never_run": {"en": "never run", "ko": "실행된 적 없음"},
    # Sent, but no run of it has ended (still queued or running, or history is off).
    "cli_no_outcome": {"en": "no outcome yet", "ko": "결과 없음"},
    "cli_outcome_streak": {"en": "{outcome} ×{count}", "ko": "{outcome} {count}연속"},
    "cli_no_next_run": {"en": "-", "ko": "-"},
    "cli_late": {"en": "{when} (late {late})", "ko": "{when} ({late} 지연)"},
    "cli_ago": {"en": "{span} ago", "ko": "{span} 전"},
    "cli_summary_schedules": {
        "en": "Schedules: {shown} shown of {stored} stored; {enabled} enabled, {paused} "
        "paused; {overdue} overdue by more than {grace}.",
        "ko": "스케줄: 저장된 {stored}개 중 {shown}개 표시; 활성 {enabled}개, 일시 중지 "
        "{paused}개; {grace} 넘게 지연된 스케줄 {overdue}개.",
    },
    "cli_summary_unreadable": {
        "en": "{count} schedule(s) cannot be read (damaged, or deleted while listing); "
        "`batchsched-cli delete NAME` removes a damaged one.",
        "ko": "스케줄 {count}개를 읽을 수 없습니다 (손상되었거나 목록을 읽는 동안 "
        "삭제됨). 손상된 스케줄은 `batchsched-cli delete NAME`으로 지울 수 있습니다.",
    },
    "cli_summary_times": {
        "en": "Times are in {timezone} unless marked. LAST OUTCOME is how the last run "
        "ended; ×N: its last N runs failed.",
        "ko": "따로 표시하지 않은 시각은 {timezone} 기준입니다. LAST OUTCOME은 마지막 실행의 "
        "결과이고, N연속은 최근 N번의 실행이 연이어 실패했다는 뜻입니다.",
    },
    "cli_summary_failing": {
        "en": "Failing: {count} schedule(s) failed {threshold} or more times in a row "
        "(ALERT_CONSECUTIVE_FAILURES): {names}.",
        "ko": "연속 실패: 스케줄 {count}개가 {threshold}회 이상 연이어 실패했습니다 "
        "(ALERT_CONSECUTIVE_FAILURES): {names}.",
    },
    "cli_history_off": {
        "en": "Run history is off (HISTORY_ENABLED=false): outcomes are not recorded.",
        "ko": "실행 기록이 꺼져 있어(HISTORY_ENABLED=false) 결과가 기록되지 않습니다.",
    },
    "cli_beat_leader": {
        "en": "Beat: {instance} leads (since {since}, last tick {tick}); {standbys} standby.",
        "ko": "Beat: 리더 {instance} ({since}부터, 마지막 틱 {tick}); 대기 {standbys}개.",
    },
    "cli_beat_lock_only": {
        "en": "Beat: the lock is held by {holder}, which leaves no heartbeat "
        "(a stock RedBeat Beat?).",
        "ko": "Beat: 잠금 보유자는 {holder}이지만 하트비트가 없습니다 "
        "(기본 RedBeat의 Beat일 수 있습니다).",
    },
    "cli_beat_none": {
        "en": "Beat: none running (no leader heartbeat, and the lock is free). "
        "Start one with ./run_celery_beat.sh.",
        "ko": "Beat: 실행 중인 Beat가 없습니다 (리더 하트비트가 없고 잠금도 비어 있습니다). "
        "./run_celery_beat.sh로 시작하세요.",
    },
    "cli_pickup_on": {
        "en": "Pickup of RedBeat's own saves: at once (keyspace notifications on).",
        "ko": "RedBeat API로 저장한 스케줄: 즉시 반영 (keyspace 알림 켜짐).",
    },
    "cli_pickup_off": {
        "en": "Pickup of RedBeat's own saves: within {poll} s, at Beat's next look "
        "(keyspace notifications off: {reason}).",
        "ko": "RedBeat API로 저장한 스케줄: Beat의 다음 확인 때, {poll}초 안에 반영 "
        "(keyspace 알림 꺼짐: {reason}).",
    },
    "cli_workers_online": {
        "en": "Workers: {count} online ({names}).",
        "ko": "워커: {count}개 온라인 ({names}).",
    },
    "cli_workers_none": {
        "en": "Workers: none answered a ping within {timeout}s.",
        "ko": "워커: {timeout}초 안에 ping에 응답한 워커가 없습니다.",
    },
    "cli_workers_none_present": {
        "en": "Workers: none running (no worker heartbeat in the last {ttl} s).",
        "ko": "워커: 실행 중인 워커가 없습니다 (최근 {ttl}초 동안 하트비트 없음).",
    },
    "cli_workers_unchecked": {"en": "Workers: not checked.", "ko": "워커: 확인하지 않았습니다."},
    "cli_workers_error": {
        "en": "Workers: could not ask ({error}).",
        "ko": "워커: 확인할 수 없었습니다 ({error}).",
    },
    "cli_sync_ok": {
        "en": "schedules.json: applied {when} from {path} ({counts}).",
        "ko": "schedules.json: {when}에 {path}의 내용을 적용했습니다 ({counts}).",
    },
    "cli_sync_empty": {"en": "empty", "ko": "비어 있음"},
    "cli_sync_error": {
        "en": "schedules.json: NOT applied (checked {when}, {path}): {error}",
        "ko": "schedules.json: 적용되지 않았습니다 ({when} 확인, {path}): {error}",
    },
    "cli_sync_never": {
        "en": "schedules.json: not synced yet (a Beat syncs it when it takes the lock).",
        "ko": "schedules.json: 아직 동기화되지 않았습니다 (Beat가 잠금을 얻으면 동기화합니다).",
    },
    "cli_redis_ok": {"en": "Redis: {url} reachable.", "ko": "Redis: {url}에 연결할 수 있습니다."},
    # --check. "OK" and "CHECK FAILED" stay first in both languages, for monitors
    # that match on them.
    "cli_check_ok": {
        "en": "OK: {beat}; {count} schedules, none overdue by more than {grace}; "
        "schedules.json {sync}.",
        "ko": "OK: {beat}; 스케줄 {count}개, {grace} 넘게 지연된 스케줄 없음; "
        "schedules.json {sync}.",
    },
    "cli_check_failed": {
        "en": "CHECK FAILED: {reasons}",
        "ko": "CHECK FAILED (점검 실패): {reasons}",
    },
    "cli_check_no_beat": {
        "en": "no Beat is running (no leader heartbeat, and the lock is free)",
        "ko": "실행 중인 Beat가 없음 (리더 하트비트가 없고 잠금도 비어 있음)",
    },
    "cli_check_sync_error": {
        "en": "schedules.json was not applied: {error}",
        "ko": "schedules.json이 적용되지 않음: {error}",
    },
    "cli_check_overdue": {
        "en": "{count} enabled schedule(s) overdue by more than {grace}: {names}",
        "ko": "활성 스케줄 {count}개가 {grace} 넘게 지연됨: {names}",
    },
    "cli_overdue_entry": {"en": "{name} {late} late", "ko": "{name} {late} 지연"},
    "cli_check_failing": {
        "en": "{count} schedule(s) failed {threshold} or more times in a row: {names}",
        "ko": "스케줄 {count}개가 {threshold}회 이상 연이어 실패: {names}",
    },
    "cli_failing_entry": {"en": "{name} ×{count}", "ko": "{name} {count}연속"},
    "cli_failing_line": {
        "en": "{name}: its last {count} runs failed; the last one {outcome} at {when}: {error}",
        "ko": "{name}: 최근 {count}회 연속 실패; 마지막 실행은 {when}에 {outcome}: {error}",
    },
    "cli_check_beat_leads": {"en": "Beat {instance} leads", "ko": "리더 Beat {instance}"},
    "cli_check_beat_lock": {
        "en": "the Beat lock is held by {holder}",
        "ko": "Beat 잠금 보유자 {holder}",
    },
    "cli_check_sync_ok": {"en": "applied", "ko": "적용됨"},
    "cli_check_sync_never": {"en": "not synced yet", "ko": "아직 동기화되지 않음"},
    # show.
    "cli_show_upcoming": {"en": "Next {count} fire times:", "ko": "다음 실행 시각 {count}개:"},
    "cli_show_no_upcoming": {
        "en": "Next fire times: none ({reason}).",
        "ko": "다음 실행 시각: 없음 ({reason}).",
    },
    "cli_show_stats": {
        "en": "Runs recorded: {runs}, {errors} failed (success rate {rate}); "
        "{streak} failure(s) in a row.",
        "ko": "기록된 실행: {runs}회, 실패 {errors}회 (성공률 {rate}); 연속 실패 {streak}회.",
    },
    "cli_show_durations": {
        "en": "Duration: last {last}, average {avg}, p95 {p95} (recent runs).",
        "ko": "실행 시간: 마지막 {last}, 평균 {avg}, p95 {p95} (최근 실행 기준).",
    },
    "cli_show_no_runs": {
        "en": "Runs recorded: none yet; last sent {last}, {count} time(s) in all.",
        "ko": "기록된 실행: 아직 없음. 마지막 전송 {last}, 총 {count}회 전송.",
    },
    "cli_show_recent": {
        "en": "Last {count} run(s), newest first:",
        "ko": "최근 실행 {count}개 (최신순):",
    },
    # runs.
    "cli_runs_none": {
        "en": "No runs of '{name}' are recorded.",
        "ko": "'{name}'의 실행 기록이 없습니다.",
    },
    "cli_runs_none_failed": {
        "en": "No failed runs of '{name}' are recorded.",
        "ko": "'{name}'의 실패한 실행 기록이 없습니다.",
    },
    "cli_runs_more": {
        "en": "Older runs: add --before {cursor}.",
        "ko": "이전 기록 보기: --before {cursor}",
    },
    "cli_runs_deleted": {
        "en": "'{name}' is no longer scheduled; its history stays until it ages out.",
        "ko": "'{name}' 스케줄은 삭제되었습니다. 기록은 보관 기간이 지날 때까지 남습니다.",
    },
    "cli_detail_running": {
        "en": "running on {worker} since {since}",
        "ko": "{worker}에서 {since}부터 실행 중",
    },
    "cli_detail_queued": {"en": "queued since {since}", "ko": "{since}부터 대기 중"},
    # delete.
    "cli_delete_file_note": {
        "en": "It comes from schedules.json: it stays deleted until that entry is edited "
        "in the file again.",
        "ko": "이 스케줄은 schedules.json에서 관리됩니다. 파일에서 이 항목을 다시 수정할 "
        "때까지 삭제된 상태로 유지됩니다.",
    },
    # export and apply.
    "cli_export_written": {
        "en": "Wrote {count} schedule(s) to {path}.",
        "ko": "스케줄 {count}개를 {path}에 저장했습니다.",
    },
    "cli_export_failed": {
        "en": "Cannot write {path}: {error}; nothing was written.",
        "ko": "{path}에 쓸 수 없습니다: {error}. 아무것도 저장하지 않았습니다.",
    },
    "cli_export_skipped": {
        "en": "Not exported: '{name}': its timing {timing} was written with RedBeat's own "
        "API and has no schedules.json form; it stays in Redis as it is.",
        "ko": "내보내지 않음: '{name}': 실행 주기 {timing}은(는) RedBeat 자체 API로 "
        "작성되어 schedules.json 형식으로 나타낼 수 없습니다. Redis에는 그대로 남아 있습니다.",
    },
    "cli_export_unreadable": {
        "en": "Not exported: '{name}': its entry could not be read (deleted meanwhile, or "
        "its hash is damaged).",
        "ko": "내보내지 않음: '{name}': 항목을 읽을 수 없습니다 (그사이 삭제되었거나 "
        "해시가 손상됨).",
    },
    "cli_apply_invalid": {
        "en": "{path} was not applied; nothing was changed:",
        "ko": "{path} 파일을 적용하지 않았습니다. 아무것도 바뀌지 않았습니다:",
    },
    "cli_apply_done": {
        "en": "Applied {path}: {counts}.",
        "ko": "{path} 파일을 적용했습니다: {counts}.",
    },
    "cli_apply_empty": {"en": "the file declares no schedules", "ko": "파일에 선언된 스케줄 없음"},
    "cli_apply_created": {"en": "  created: {names}", "ko": "  생성: {names}"},
    "cli_apply_updated": {
        "en": "  updated (edited in the file since the last sync): {names}",
        "ko": "  수정 (마지막 동기화 이후 파일에서 수정됨): {names}",
    },
    "cli_apply_recreated": {
        "en": "  recreated (missing from Redis): {names}",
        "ko": "  재생성 (Redis에 없었음): {names}",
    },
    "cli_apply_deleted": {
        "en": "  deleted (no longer in the file): {names}",
        "ko": "  삭제 (파일에서 빠짐): {names}",
    },
    "cli_apply_kept_deleted": {
        "en": "  kept deleted (deleted through the API or CLI since; edit the entry in the "
        "file to bring it back): {names}",
        "ko": "  삭제 상태 유지 (그 뒤 API나 CLI로 삭제됨. 되살리려면 파일에서 항목을 "
        "수정하세요): {names}",
    },
    "cli_apply_other_file": {
        "en": "Note: {path} is not SCHEDULES_FILE ({declared}). The next Beat to take the "
        "lock applies that file, and deletes the entries only {path} declared; copy {path} "
        "over it to keep them.",
        "ko": "참고: {path} 파일은 SCHEDULES_FILE에 지정된 파일({declared})과 다릅니다. "
        "다음에 잠금을 얻는 Beat는 그 파일을 적용하면서 {path}에만 선언된 항목을 "
        "삭제합니다. 그 항목을 유지하려면 {path} 파일로 그 파일을 덮어쓰세요.",
    },
    "cli_apply_valid": {
        "en": "{path} is valid: {count} schedule(s); nothing was changed (--dry-run).",
        "ko": "{path} 파일은 올바릅니다: 스케줄 {count}개. 아무것도 바꾸지 않았습니다 (--dry-run).",
    },
    "cli_more": {"en": "and {count} more", "ko": "외 {count}개"},
}
