// The schedule list: table#schedules, one row per schedule, updated in place on every
// refresh so that focus, a pending switch and the scroll position survive it.

import { el, inZone, relative, setText, wallClock } from "./dom.js";
import { T } from "./text.js";

const ERRORS = new Set(["failed", "timed_out", "lost"]);
const rows = new Map(); // name → {tr, cells, sw, pending, data}
let handlers = {};

/** `on`: {toggle(name, enabled, input), edit(name), run(name), remove(name), history(name)} */
export function initTable(on) {
  handlers = on;
}

export function scheduleData(name) {
  return rows.get(name)?.data ?? null;
}

export function shortTask(task) {
  const dot = task.lastIndexOf(".");
  return dot >= 0 ? task.slice(dot + 1) : task;
}

function actionButton(action, name, textKey, labelKey) {
  return el("button", {
    type: "button",
    class: `action action-${action}`,
    "data-action": action,
    "aria-label": T(labelKey, { name }),
    text: T(textKey),
    onclick: () => handlers[action]?.(name),
  });
}

function buildRow(name) {
  const cells = {};
  const cell = (col) => (cells[col] = el("td", { "data-col": col, "data-label": T(`page_col_${col}`) }));
  const tr = el("tr", { "data-schedule": name });
  const sw = el("input", {
    type: "checkbox",
    role: "switch",
    class: "enabled-switch",
    "aria-label": T("page_switch_label", { name }),
  });
  const row = { tr, cells, sw, pending: false, data: null };
  sw.addEventListener("change", () => handlers.toggle?.(name, sw.checked, row));
  tr.append(cell("name"), cell("task"), cell("timing"), cell("enabled"), cell("origin"), cell("next"), cell("last"), cell("actions"));
  cells.enabled.append(el("div", { class: "cell" }, el("span", { class: "switch" }, sw)));
  cells.actions.append(
    el("div", { class: "cell actions" },
      actionButton("edit", name, "page_btn_edit", "page_edit"),
      actionButton("run", name, "page_btn_run", "page_run"),
      actionButton("history", name, "page_btn_history", "page_history"),
      actionButton("delete", name, "page_btn_delete", "page_delete"),
    ),
  );
  return row;
}

/** Replace a cell's content only when what it shows changed. */
function fill(cell, key, ...children) {
  if (cell.dataset.key === key) return;
  cell.dataset.key = key;
  // One wrapper, so that on a phone the cell is two columns: its label, its content.
  cell.replaceChildren(el("div", { class: "cell" }, ...children.filter(Boolean)));
}

function badge(text, kind, title) {
  return el("span", { class: `badge badge-${kind}`, text, title });
}

function outcomeBadge(outcome) {
  return badge(T(`page_outcome_${outcome}`), ERRORS.has(outcome) ? "bad" : outcome, null);
}

function update(row, entry, ctx) {
  const { cells } = row;
  row.data = entry;
  const streak = entry.consecutive_failures ?? 0;
  const failing = streak > 0 || ctx.failing.has(entry.name);
  row.tr.classList.toggle("failing", failing);
  row.tr.classList.toggle("disabled", !entry.enabled);
  row.tr.classList.toggle("alerting", ctx.failing.has(entry.name));

  const desc = entry.description || "";
  fill(cells.name, JSON.stringify([entry.name, desc, streak, failing]),
    el("span", { class: "name", text: entry.name }),
    failing && badge(T("page_failing"), "bad", null),
    failing && streak > 0 && el("span", { class: "streak", text: T("page_failing_streak", { count: streak }) }),
    desc && el("span", { class: "desc", text: desc }),
  );
  fill(cells.task, entry.task, el("code", { text: shortTask(entry.task), title: entry.task }));

  const zone = entry.timing?.timezone ?? ctx.timezone;
  const timing = entry.timing_text || entry.schedule || "";
  fill(cells.timing, JSON.stringify([timing, zone]),
    el("span", { text: timing }),
    zone !== ctx.timezone && el("span", { class: "zone", text: zone }),
  );

  if (!row.pending && row.sw.checked !== entry.enabled) row.sw.checked = entry.enabled;

  fill(cells.origin, entry.origin,
    badge(T(`page_origin_${entry.origin}`), `origin-${entry.origin}`, T(`page_origin_help_${entry.origin}`)));

  let next;
  if (!entry.enabled) next = [el("span", { class: "muted", text: T("page_disabled") })];
  else if (!entry.next_run_at) next = [el("span", { class: "muted", text: T("page_no_next") })];
  else {
    next = [
      el("time", { datetime: entry.next_run_at, text: wallClock(entry.next_run_at) }),
      el("span", { class: "relative", text: entry.next_run_in || relative(entry.next_run_at) }),
    ];
  }
  fill(cells.next, JSON.stringify([entry.enabled, entry.next_run_at, entry.next_run_in]), ...next);

  // The outcome is the last run's (a run-now included); its time is when it finished
  // (last_finished_at), or while it is still on its way, when Beat last sent it.
  const finished = entry.last_finished_at ?? entry.stats?.last_finished_at ?? null;
  const underway = entry.last_outcome === "sent" || entry.last_outcome === "running";
  const last = underway || !finished ? entry.last_run_at ?? finished : finished;
  const word = last === finished ? "page_last_finished" : "page_last_sent";
  // Shown in the schedule's zone whatever offset the API wrote (the stats' times are UTC).
  const shown = last ? inZone(last, zone, { seconds: false }) : "";
  fill(cells.last, JSON.stringify([last, word, zone, entry.last_outcome, ctx.minute]),
    last
      ? el("time", { datetime: last, title: `${T(word, { time: shown })} (${relative(last)})`, text: shown })
      : !entry.last_outcome && el("span", { class: "muted", text: T("page_never") }),
    entry.last_outcome && outcomeBadge(entry.last_outcome),
  );
}

/** Show `schedules` (seed 004's {name: entry} object, in the API's order). */
export function renderSchedules(schedules, ctx) {
  const tbody = document.querySelector("#schedules tbody");
  const names = Object.keys(schedules);
  const wanted = new Set(names);
  for (const [name, row] of rows) {
    if (!wanted.has(name)) {
      row.tr.remove();
      rows.delete(name);
    }
  }
  let cursor = tbody.firstElementChild;
  for (const name of names) {
    let row = rows.get(name);
    if (!row) {
      row = buildRow(name);
      rows.set(name, row);
    }
    update(row, schedules[name], ctx);
    if (row.tr === cursor) cursor = cursor.nextElementSibling;
    else tbody.insertBefore(row.tr, cursor);
  }
  document.getElementById("schedules-empty").hidden = names.length > 0;
  document.getElementById("schedules").classList.toggle("is-empty", names.length === 0);
}

/** Forget a deleted schedule at once (the next refresh would too). */
export function dropRow(name) {
  rows.get(name)?.tr.remove();
  rows.delete(name);
  setText(document.getElementById("schedules-empty"), T("page_empty"));
  document.getElementById("schedules-empty").hidden = rows.size > 0;
}
