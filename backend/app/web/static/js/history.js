// section#history: the runs of one schedule, newest first, refreshed with the list;
// "failures only" asks the API for the failed, timed-out, lost and retried ones.

import { get, schedulePath } from "./api.js";
import { duration, el, inZone } from "./dom.js";
import { T, hasText } from "./text.js";

const ERRORS = ["failed", "timed_out", "lost", "retried"];
const LIMIT = 50;
let current = null; // the schedule shown
let zone = "";
let signature = "";

const section = () => document.getElementById("history");
const failedOnly = () => document.getElementById("history-failed-only").checked;

export function initHistory() {
  document.getElementById("history-failed-only").addEventListener("change", () => refreshHistory(true));
  document.getElementById("history-close").addEventListener("click", closeHistory);
}

export function setHistoryZone(value) {
  zone = value;
  document.getElementById("history-time-col").textContent = value
    ? T("page_col_time_zone", { zone: value })
    : T("page_col_time");
}

export async function showHistory(name) {
  current = name;
  signature = "";
  document.getElementById("history-heading").textContent = T("page_history_of", { name });
  section().dataset.schedule = name;
  section().hidden = false;
  document.querySelector("#history-table tbody").replaceChildren();
  document.getElementById("history-empty").hidden = true;
  await refreshHistory(true);
  section().scrollIntoView({ block: "start" });
  section().focus({ preventScroll: true });
}

export function closeHistory() {
  const name = current;
  current = null;
  section().hidden = true;
  // Back to the button that opened it, if its row is still there.
  const row = [...document.querySelectorAll("#schedules tr[data-schedule]")].find((tr) => tr.dataset.schedule === name);
  row?.querySelector('[data-action="history"]')?.focus();
}

export function historyShown() {
  return current;
}

function path(name) {
  if (failedOnly()) {
    const query = new URLSearchParams({ schedule: name, outcome: ERRORS.join(","), limit: String(LIMIT) });
    return `/api/scheduler/runs?${query}`;
  }
  return `${schedulePath(name, "/runs")}?limit=${LIMIT}`;
}

/** A cell whose content is one element: on a phone it sits beside the label. */
function td(col, ...children) {
  return el("td", { "data-col": col, "data-label": T(`page_col_${col}`) }, el("div", { class: "cell" }, ...children));
}

function errorCell(run) {
  if (run.error) {
    return td("error",
      el("span", { class: "error-text", text: `${run.error.type}: ${run.error.message}` }),
      run.error.traceback &&
        el("details", {}, el("summary", { text: T("page_traceback") }), el("pre", { text: run.error.traceback })),
    );
  }
  return td("error", run.reason && el("span", { class: "muted", text: why(run) }));
}

/** Why a fire did not run, in words ("overlap: the previous run had not ended"). */
function why(run) {
  const key = `page_why_${run.reason.replace(/\W+/g, "_")}`;
  let text = hasText(key) ? T(key) : run.reason;
  if (run.missed_count > 1) text += ` (${T("page_missed_slots", { count: run.missed_count })})`;
  return text;
}

function row(run) {
  const time = run.started_at ?? run.sent_at ?? run.scheduled_at;
  const bad = ["failed", "timed_out", "lost"].includes(run.outcome);
  return el("tr", { "data-outcome": run.outcome, class: bad ? "bad" : null },
    td("time", el("time", { datetime: time, text: inZone(time, zone) })),
    td("outcome", el("span", { class: `badge badge-${bad ? "bad" : run.outcome}`, text: T(`page_outcome_${run.outcome}`) })),
    td("trigger", T(`page_trigger_${run.trigger}`)),
    td("duration", duration(run.duration_seconds)),
    td("attempt", String(run.attempt ?? "")),
    errorCell(run),
  );
}

/** Reload the runs shown (on every refresh tick while the section is open). */
export async function refreshHistory(force = false) {
  const name = current;
  if (!name) return;
  const filter = failedOnly();
  const data = await get(path(name));
  if (name !== current || filter !== failedOnly()) return; // changed meanwhile
  const runs = data.runs ?? [];
  const next = JSON.stringify([filter, runs]);
  if (!force && next === signature) return;
  signature = next;
  document.querySelector("#history-table tbody").replaceChildren(...runs.map(row));
  document.getElementById("history-empty").hidden = runs.length > 0;
}
