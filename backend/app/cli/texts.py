"""Sentences only the CLI prints, in English.

They belong in app.core.messages' catalog (with Korean beside them); until they move
there they live here, under the keys they would have. Sentences the catalog already
has (created, paused, not_found, redis_down, ...) are taken from it, in the configured
language.
"""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "cli_redis_hint": "Check that Redis runs there and that REDIS_URL (host, port, "
    "password, rediss:// for TLS) is right.",
    "cli_redis_error": "Redis at {url} answered with an error: {error}",
    "cli_settings_invalid": "The settings are invalid: {detail}",
    "cli_interrupted": "Interrupted.",
    # The table and its summary.
    "cli_no_schedules": "No schedules match.",
    "cli_never_run": "never run",
    "cli_no_history": "no history yet",
    "cli_no_next_run": "-",
    "cli_late": "{when} (late {late})",
    "cli_summary_schedules": "Schedules: {shown} shown of {stored} stored; {enabled} enabled, "
    "{paused} paused; {overdue} overdue by more than {grace}.",
    "cli_summary_unreadable": "{count} schedule(s) cannot be read (damaged, or deleted while "
    "listing); `python -m app.cli delete NAME` removes a damaged one.",
    "cli_summary_times": "Times are in {timezone} unless marked. Last outcome: run history "
    "is not recorded yet, so only the last run time and the run count are known.",
    "cli_beat_leader": "Beat: {instance} leads (since {since}, last tick {tick}); "
    "{standbys} standby.",
    "cli_beat_lock_only": "Beat: the lock is held by {holder}, which leaves no heartbeat "
    "(a stock RedBeat Beat?).",
    "cli_beat_none": "Beat: none running (no leader heartbeat, and the lock is free). "
    "Start one with ./run_celery_beat.sh.",
    "cli_workers_online": "Workers: {count} online ({names}).",
    "cli_workers_none": "Workers: none answered a ping within {timeout}s.",
    "cli_workers_unchecked": "Workers: not checked.",
    "cli_workers_error": "Workers: could not ask ({error}).",
    "cli_sync_ok": "schedules.json: applied {when} from {path} ({counts}).",
    "cli_sync_error": "schedules.json: NOT applied (checked {when}, {path}): {error}",
    "cli_sync_never": "schedules.json: not synced yet (a Beat syncs it when it takes the lock).",
    "cli_redis_ok": "Redis: {url} reachable.",
    # --check.
    "cli_check_ok": "OK: {beat}; {count} schedules, none overdue by more than {grace}; "
    "schedules.json {sync}.",
    "cli_check_failed": "CHECK FAILED: {reasons}",
    "cli_check_no_beat": "no Beat is running (no leader heartbeat, and the lock is free)",
    "cli_check_sync_error": "schedules.json was not applied: {error}",
    "cli_check_overdue": "{count} enabled schedule(s) overdue by more than {grace}: {names}",
    "cli_check_beat_leads": "Beat {instance} leads",
    "cli_check_beat_lock": "the Beat lock is held by {holder}",
    "cli_check_sync_ok": "applied",
    "cli_check_sync_never": "not synced yet",
    # show.
    "cli_show_upcoming": "Next {count} fire times:",
    "cli_show_no_upcoming": "Next fire times: none ({reason}).",
    "cli_show_runs": "Recent runs: not recorded yet (run history is not built); "
    "last run {last}, {count} run(s) in all.",
    # delete.
    "cli_delete_file_note": "It comes from schedules.json: it stays deleted until that entry "
    "is edited in the file again.",
    # export and apply.
    "cli_export_written": "Wrote {count} schedule(s) to {path}.",
    "cli_export_failed": "Cannot write {path}: {error}; nothing was written.",
    "cli_export_skipped": "Not exported: '{name}': its timing {timing} was written with "
    "RedBeat's own API and has no schedules.json form; it stays in Redis as it is.",
    "cli_export_unreadable": "Not exported: '{name}': its entry could not be read (deleted "
    "meanwhile, or its hash is damaged).",
    "cli_apply_invalid": "{path} was not applied; nothing was changed:",
    "cli_apply_done": "Applied {path}: {counts}.",
    "cli_apply_empty": "the file declares no schedules",
    "cli_apply_created": "  created: {names}",
    "cli_apply_updated": "  updated (edited in the file since the last sync): {names}",
    "cli_apply_recreated": "  recreated (missing from Redis): {names}",
    "cli_apply_deleted": "  deleted (no longer in the file): {names}",
    "cli_apply_kept_deleted": "  kept deleted (deleted through the API or CLI since; edit the "
    "entry in the file to bring it back): {names}",
    "cli_apply_other_file": "Note: {path} is not SCHEDULES_FILE ({declared}). The next Beat "
    "to take the lock applies that file, and deletes the entries only {path} declared; "
    "copy {path} over it to keep them.",
    "cli_apply_valid": "{path} is valid: {count} schedule(s); nothing was changed (--dry-run).",
    "cli_more": "and {count} more",
}


def text(key: str, **values: object) -> str:
    return TEXTS[key].format(**values)
