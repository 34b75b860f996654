// The schedule management page (/scheduler): plain ES modules, no build step.
// It polls GET /api/scheduler/schedule and /status every few seconds and acts through
// the same REST API as every other client.

import { ApiError, api, get, schedulePath, setTokenAsker } from "./js/api.js";
import { renderListProblem, renderStatus, renderUnreachable, setToggle } from "./js/banner.js";
import { confirmDialog, initNotice, notice, tokenDialog } from "./js/dialogs.js";
import { inZone } from "./js/dom.js";
import { initForm, openCreate, openEdit } from "./js/form.js";
import { initHistory, refreshHistory, setHistoryZone, showHistory } from "./js/history.js";
import { dropRow, initTable, renderSchedules, scheduleData } from "./js/table.js";
import { T, applyText, config, loadText } from "./js/text.js";

let zone = "";
let failing = new Set();
let ticking = null;
let timer = null;
// Bumped when a change starts and when it ends: a refresh that began before would show
// what the server held then (a switch or the global toggle flipping back for a moment),
// so it is not drawn; the refresh that follows every change draws the new state.
let changes = 0;

function failed(error) {
  notice(T("page_failed", { message: error.message }), { error: true });
}

/** The status, drawn unless `fresh()` says a change happened meanwhile; true when the
 * API answered (a 503 from Redis included). */
async function loadStatus(fresh) {
  try {
    const status = await get("/api/scheduler/status");
    if (!fresh()) return true;
    failing = new Set((status.failing?.schedules ?? []).map((f) => f.name));
    renderStatus(status, zone);
    return true;
  } catch (error) {
    if (!fresh()) return false;
    if (error instanceof ApiError && error.status === 503 && error.code) {
      renderStatus({ redis_ok: false, redis_error: error.message }, zone);
      return true;
    }
    renderUnreachable(error);
    return false;
  }
}

const PAGE = 1000; // the API's largest page
const MAX_PAGES = 20;

/** Every schedule: one page almost always, following `next_cursor` when there are more,
 * up to MAX_PAGES (then `truncated` says how many are shown). */
async function readAll() {
  let data = await get(`/api/scheduler/schedule?limit=${PAGE}`);
  const all = { ...(data.schedule ?? {}) };
  for (let n = 1; data.next_cursor && n < MAX_PAGES; n += 1) {
    const cursor = encodeURIComponent(data.next_cursor);
    data = await get(`/api/scheduler/schedule?limit=${PAGE}&cursor=${cursor}`);
    Object.assign(all, data.schedule ?? {});
  }
  return { schedule: all, timezone: data.timezone, truncated: data.next_cursor ? Object.keys(all).length : null };
}

async function loadSchedules(fresh) {
  const data = await readAll();
  if (!fresh()) return;
  renderListProblem({ truncated: data.truncated });
  if (data.timezone && data.timezone !== zone) {
    zone = data.timezone;
    setHistoryZone(zone);
  }
  renderSchedules(data.schedule, { failing, timezone: zone, minute: Math.floor(Date.now() / 60000) });
  document.getElementById("updated-at").textContent = T("page_updated_at", {
    time: inZone(new Date().toISOString(), zone, { seconds: true }).slice(11),
  });
}

/** One refresh: status first (the list marks what it reports failing), then the rest. */
async function refresh() {
  if (ticking) return ticking;
  const seen = changes;
  const fresh = () => changes === seen;
  ticking = (async () => {
    const reachable = await loadStatus(fresh);
    await Promise.all([
      loadSchedules(fresh).catch((error) => {
        // Unreachable: the banner says so already; else the list's own failure shows.
        if (reachable && fresh()) renderListProblem({ error });
      }),
      refreshHistory().catch(() => {}),
    ]);
  })().finally(() => {
    ticking = null;
  });
  return ticking;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (document.visibilityState !== "hidden") await refresh();
    schedule();
  }, config("refresh_ms", 3000));
}

async function refreshSoon() {
  await ticking;
  await refresh();
}

// Row actions.

async function toggle(name, enabled, row) {
  row.pending = true;
  row.sw.disabled = true;
  changes += 1;
  try {
    const { data } = await api("POST", schedulePath(name, enabled ? "/resume" : "/pause"));
    notice(data.message);
  } catch (error) {
    row.sw.checked = !enabled;
    failed(error);
  } finally {
    changes += 1;
    row.pending = false;
    row.sw.disabled = false;
  }
  refreshSoon();
}

async function run(name, force = false) {
  changes += 1;
  try {
    const { data } = await api("POST", schedulePath(name, force ? "/run?force=true" : "/run"));
    changes += 1;
    notice(data.message);
  } catch (error) {
    changes += 1;
    if (error instanceof ApiError && error.status === 409 && !force) {
      const again = await confirmDialog({
        title: T("page_run_refused_title"),
        message: error.message,
        yes: T("page_run_force"),
        no: T("page_cancel"),
        danger: false,
      });
      if (again) await run(name, true);
      else focusAction(name, "run");
      return;
    }
    failed(error);
  }
  refreshSoon();
}

async function remove(name) {
  const yes = await confirmDialog({ message: T("page_confirm_delete", { name }) });
  if (!yes) {
    focusAction(name, "delete");
    return;
  }
  changes += 1;
  try {
    const { data } = await api("DELETE", schedulePath(name));
    changes += 1;
    dropRow(name);
    notice(data?.message ?? T("page_deleted", { name }));
    document.getElementById("schedules-section").focus();
  } catch (error) {
    changes += 1;
    failed(error);
  }
  refreshSoon();
}

async function edit(name) {
  try {
    await openEdit(name, scheduleData(name));
  } catch (error) {
    failed(error);
  }
}

function focusAction(name, action) {
  const row = [...document.querySelectorAll("#schedules tr[data-schedule]")].find((tr) => tr.dataset.schedule === name);
  row?.querySelector(`[data-action="${action}"]`)?.focus();
}

// Page-wide actions.

async function globalToggle() {
  const button = document.getElementById("global-toggle");
  const stopping = button.getAttribute("aria-pressed") !== "true";
  button.disabled = true;
  changes += 1;
  try {
    const { data } = await api("POST", stopping ? "/api/scheduler/pause" : "/api/scheduler/resume");
    setToggle(data.pause?.paused ?? stopping);
    notice(data.message);
  } catch (error) {
    failed(error);
  } finally {
    changes += 1;
    button.disabled = false;
    button.focus();
  }
  refreshSoon();
}

async function presets() {
  const button = document.getElementById("presets-button");
  button.disabled = true;
  changes += 1;
  try {
    const { data } = await api("POST", "/scheduler/jobs/presets");
    const created = (data.created ?? []).map((j) => j.name);
    notice(created.length ? `${data.message} (${created.join(", ")})` : data.message);
  } catch (error) {
    failed(error);
  } finally {
    changes += 1;
    button.disabled = false;
    button.focus();
  }
  refreshSoon();
}

function saved(answer) {
  changes += 1;
  notice([answer.message, answer.next_run].filter(Boolean).join(" "));
  refreshSoon().then(() => focusAction(answer.schedule?.name, "edit"));
}

function boot() {
  loadText();
  document.documentElement.lang = config("language", document.documentElement.lang || "en");
  applyText();
  document.title = T("page_title");
  zone = config("timezone", "");
  setHistoryZone(zone);
  setTokenAsker(tokenDialog);
  initNotice();
  initHistory();
  initTable({ toggle, run, edit, delete: remove, history: showHistory });
  initForm({ saved, zone: () => zone });
  document.getElementById("add-button").addEventListener("click", () => openCreate().catch(failed));
  document.getElementById("global-toggle").addEventListener("click", globalToggle);
  document.getElementById("presets-button").addEventListener("click", presets);
  refresh().finally(schedule);
}

boot();
