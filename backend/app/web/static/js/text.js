// The page's words and settings, as the server embedded them (#page-text, #page-config).
// A key the catalog lacks falls back to the English below, so a raw key never shows.

const ENGLISH = {
  page_title: "Scheduler",
  page_skip: "Skip to the schedules",
  page_loading: "Loading…",
  page_add: "Add schedule",
  page_presets: "Create default jobs",
  page_stop: "Stop scheduler",
  page_start: "Start scheduler",
  page_dismiss: "Dismiss",
  page_close: "Close",
  page_updated_at: "Updated {time}",
  page_banner_ok: "Beat is running; schedules are sent when they come due.",
  page_banner_no_beat: "No Beat is running: nothing is sent until one starts (./run.sh starts one).",
  page_banner_paused:
    "Dispatching is paused since {since} by {by} (reason: {reason}): no schedule is sent until it is started again.",
  page_banner_file_error: "schedules.json has an error and was not applied: {error}",
  page_banner_redis_down: "The API cannot reach Redis: {error}",
  page_banner_api_down: "The page cannot reach the API: {error}",
  page_banner_no_worker: "No worker is running: schedules are sent but wait in the queue until one starts.",
  page_banner_failing: "Failing in a row: {names}",
  page_reason_none: "none given",
  page_unknown: "unknown",
  page_schedules: "Schedules",
  page_empty: "No schedules yet: add one, or create the default jobs.",
  page_col_name: "Name",
  page_col_task: "Task",
  page_col_timing: "Timing",
  page_col_enabled: "On",
  page_col_origin: "Origin",
  page_col_next: "Next run",
  page_col_last: "Last run",
  page_col_actions: "Actions",
  page_failing: "failing",
  page_failing_streak: "{count} failures in a row",
  page_switch_label: "Schedule {name} enabled",
  page_edit: "Edit {name}",
  page_run: "Run {name} now",
  page_delete: "Delete {name}",
  page_history: "History of {name}",
  page_btn_edit: "Edit",
  page_btn_run: "Run now",
  page_btn_history: "History",
  page_btn_delete: "Delete",
  page_origin_file: "file",
  page_origin_api: "API",
  page_origin_redbeat: "RedBeat",
  page_origin_help_file: "From schedules.json",
  page_origin_help_api: "Created through the API or this page",
  page_origin_help_redbeat: "Written by RedBeat directly",
  page_disabled: "paused",
  page_never: "never",
  page_no_next: "none",
  page_outcome_sent: "sent",
  page_outcome_running: "running",
  page_outcome_succeeded: "succeeded",
  page_outcome_failed: "failed",
  page_outcome_retried: "retried",
  page_outcome_timed_out: "timed_out",
  page_outcome_skipped: "skipped",
  page_outcome_missed: "missed",
  page_outcome_lost: "lost",
  page_trigger_beat: "Beat",
  page_trigger_run_now: "run now",
  page_why_overlap: "overlap: the previous run had not ended",
  page_why_min_gap: "min_gap: too soon after the last run ended",
  page_why_lock_key: "lock_key: a schedule with the same lock_key was running",
  page_why_paused: "paused",
  page_why_catchup_window: "catchup_window: too late to run when Beat came back",
  page_why_lease_expired: "lease expired: its worker stopped answering",
  page_missed_slots: "{count} slots",
  page_time_in: "in {span}",
  page_time_ago: "{span} ago",
  page_time_now: "now",
  page_span_d: "{n} d",
  page_span_h: "{n} h",
  page_span_min: "{n} min",
  page_span_s: "{n} s",
  page_confirm_title: "Please confirm",
  page_confirm_delete: "Delete schedule {name}? Its run history is kept.",
  page_yes: "Delete",
  page_no: "Cancel",
  page_deleted: "Schedule {name} was deleted.",
  page_run_refused_title: "Not run",
  page_run_force: "Run anyway",
  page_new_schedule: "New schedule",
  page_edit_schedule: "Edit schedule {name}",
  page_field_name: "Name",
  page_field_task: "Task",
  page_task_choose: "Choose a task",
  page_task_params: "Parameters of {task}",
  page_param_required: "required",
  page_param_default: "default {value}",
  page_no_params: "This task takes no parameters.",
  page_fill_defaults: "Put the defaults in the parameters",
  page_field_timing: "Timing",
  page_kind_crontab: "Crontab fields",
  page_kind_cron: "Cron expression",
  page_kind_interval: "Every N seconds",
  page_kind_once: "Once",
  page_field_cron: "Cron expression",
  page_cron_help: "5 fields: minute hour day-of-month month day-of-week, e.g. 0 2 * * * (every day at 02:00).",
  page_cron_ex_daily: "every day at 02:00",
  page_cron_ex_afternoon: "every day at 14:30",
  page_cron_ex_two_hours: "every 2 hours",
  page_cron_ex_weekdays: "weekdays at 09:00",
  page_cron_ex_monthly: "the 1st of every month at midnight",
  page_cron_ex_sunday: "every Sunday at 06:00",
  page_field_minute: "Minute",
  page_field_hour: "Hour",
  page_field_day_of_month: "Day of month",
  page_field_month_of_year: "Month",
  page_field_day_of_week: "Day of week",
  page_field_interval: "Interval (seconds)",
  page_field_anchor: "First run (optional)",
  page_field_at: "Run at",
  page_time_hint: "In the schedule's timezone.",
  page_field_timezone: "Timezone",
  page_timezone_default: "default: {zone}",
  page_field_kwargs: "Parameters (JSON)",
  page_kwargs_help: "A JSON object of the task's parameters, e.g. {example}; {empty} for none.",
  page_field_description: "Description",
  page_policy: "Policy",
  page_policy_overlap: "If the last run is still going",
  page_overlap_skip: "skip this run",
  page_overlap_allow: "run anyway",
  page_overlap_buffer_one: "run once it ends",
  page_policy_timeout: "Timeout (seconds)",
  page_policy_max_retries: "Retries after a failure",
  page_policy_min_gap: "Minimum gap (seconds)",
  page_policy_catchup: "Catch-up window (seconds)",
  page_policy_lock_key: "Lock key",
  page_preview_next: "Next 5 runs",
  page_preview_none: "No run to come.",
  page_preview_unavailable: "No preview: {error}",
  page_bad_json: "Not valid JSON: {error}",
  page_not_object: "Parameters must be a JSON object, e.g. {example}",
  page_required: "Required.",
  page_save: "Save",
  page_cancel: "Cancel",
  page_stale: "This schedule changed elsewhere since you opened it: close the dialog and open it again.",
  page_history_of: "Runs of {name}",
  page_failed_only: "Failures only",
  page_col_time: "Time",
  page_col_time_zone: "Time ({zone})",
  page_col_started: "Started",
  page_col_outcome: "Outcome",
  page_col_trigger: "Trigger",
  page_col_duration: "Duration",
  page_col_attempt: "Attempt",
  page_col_error: "Error",
  page_no_runs: "No runs recorded yet.",
  page_traceback: "Traceback",
  page_token_title: "API token",
  page_token_help: "This server needs an API token; it is kept in this tab only.",
  page_token_label: "Token",
  page_token_submit: "Use token",
  page_token_refused: "That token was refused; try again.",
  page_token_read_only: "That token may only read; enter one that may change schedules.",
  page_token_needed_to_read: "This server needs an API token to show schedules; reload the page to enter it.",
  page_unauthorized: "Not done: this server needs its API token.",
  page_failed: "Failed: {message}",
  page_policy_retry_backoff: "First retry delay (seconds)",
  page_policy_lease: "Lost after (seconds)",
  page_policy_alert_webhook: "Alert webhook URL",
  page_policy_alert_webhook_help: "Empty: the server's ALERT_WEBHOOK_URL. A stored URL shows only its host; leave it as shown to keep it.",
  page_policy_alert_failed_items: "Alert at failed items",
  page_policy_alert_long_run: "Alert when a run lasts over (seconds)",
  page_timing_unknown:
    "RedBeat wrote this timing ({timing}) in a form this page cannot edit: choose a kind and enter a timing to save a change.",
  page_banner_list_error: "The schedule list could not be read: {error}",
  page_banner_list_truncated: "Only the first {count} schedules are shown.",
  page_last_finished: "Finished {time}",
  page_last_sent: "Sent {time}",
};

let words = {};
let settings = {};

function readJson(id) {
  const node = document.getElementById(id);
  if (!node) return {};
  try {
    const value = JSON.parse(node.textContent);
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {}; // the marker was not replaced (the file opened as is): English
  }
}

export function loadText() {
  words = readJson("page-text");
  settings = readJson("page-config");
}

export function config(key, fallback) {
  const value = settings[key];
  return value === undefined || value === null ? fallback : value;
}

/** The word for `key`, its `{placeholders}` filled from `vars`. */
export function T(key, vars = {}) {
  const text = typeof words[key] === "string" ? words[key] : ENGLISH[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** Whether the catalog or the English fallback has `key`. */
export function hasText(key) {
  return typeof words[key] === "string" || key in ENGLISH;
}

/** Fill every element marked data-text (its text) or data-label (its aria-label). */
export function applyText(root = document) {
  for (const node of root.querySelectorAll("[data-text]")) node.textContent = T(node.dataset.text);
  for (const node of root.querySelectorAll("[data-label]")) {
    node.setAttribute("aria-label", T(node.dataset.label));
  }
}
