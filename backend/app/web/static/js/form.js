// The create/edit dialog: dialog#schedule-form. Its inputs carry the API's field names;
// an API error's `field` finds the input it names ([data-error-for]).

import { ApiError, api, get, schedulePath } from "./api.js";
import { el, localInputValue } from "./dom.js";
import { renderPreview, schedulePreview, stopPreview } from "./preview.js";
import { shortTask } from "./table.js";
import { T, config } from "./text.js";

const KINDS = {
  crontab: ["minute", "hour", "day_of_month", "month_of_year", "day_of_week"],
  cron: ["cron"],
  interval: ["interval", "anchor"],
  once: ["at"],
};
const POLICY = [
  "overlap", "timeout_seconds", "max_retries", "retry_backoff_seconds", "min_gap_seconds",
  "catchup_window_seconds", "lock_key", "lease_seconds",
  "alert_webhook_url", "alert_failed_items", "alert_long_run_seconds",
];
const NUMBERS = new Set([
  "timeout_seconds", "max_retries", "retry_backoff_seconds", "min_gap_seconds", "catchup_window_seconds",
  "lease_seconds", "alert_failed_items", "alert_long_run_seconds",
]);
// Other spellings the API may name (seed 000's) → our inputs; `timing` (no timing, or
// two) → the kind radios.
const ALIASES = { parameters: "kwargs", function_name: "task", cron_expression: "cron", timing: "timing-kind" };
// Celery's words for a plain interval ("<freq: 1.50 minutes>"), singular or plural.
const FREQ_UNITS = { second: 1, minute: 60, hour: 3600, day: 86400 };
const CRON_EXAMPLES = [
  ["0 2 * * *", "page_cron_ex_daily"],
  ["30 14 * * *", "page_cron_ex_afternoon"],
  ["0 */2 * * *", "page_cron_ex_two_hours"],
  ["0 9 * * 1-5", "page_cron_ex_weekdays"],
  ["0 0 1 * *", "page_cron_ex_monthly"],
  ["0 6 * * 0", "page_cron_ex_sunday"],
];

let dialog;
let form;
let tasks = null; // [{name, description, parameters}]
let editing = null; // {name, version} while editing
let onSaved = () => {};
let defaultZone = () => config("timezone", "");

const input = (name) => form.elements.namedItem(name);
// null when no kind is chosen: an entry whose timing the form cannot show (then no
// timing field is sent unless the person picks a kind).
const kind = () => form.querySelector('input[name="timing-kind"]:checked')?.value ?? null;

/** `saved(answer)` runs after a successful save; `zone()` is the scheduler's default zone. */
export function initForm({ saved, zone }) {
  dialog = document.getElementById("schedule-dialog");
  form = document.getElementById("schedule-form");
  onSaved = saved;
  defaultZone = zone;
  for (const [value, key] of CRON_EXAMPLES) {
    document.getElementById("cron-examples").append(el("option", { value, label: T(key) }));
  }
  document.getElementById("kwargs-help").textContent = T("page_kwargs_help", { example: '{"limit": 100}', empty: "{}" });
  for (const button of form.querySelectorAll("[data-close]")) button.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", submit);
  form.addEventListener("change", (event) => {
    if (event.target.name === "timing-kind") showKind();
    if (event.target.name === "task") showTaskParams();
  });
  form.addEventListener("input", (event) => {
    clearError(event.target.name);
    if (isTimingInput(event.target.name)) schedulePreview(previewBody);
    if (event.target.name === "kwargs") checkKwargsSoon();
  });
  input("kwargs").addEventListener("blur", () => checkKwargs());
  dialog.addEventListener("close", () => {
    stopPreview();
    editing = null;
  });
}

function isTimingInput(name) {
  return name === "timing-kind" || name === "timezone" || Object.values(KINDS).flat().includes(name);
}

async function loadTasks() {
  if (tasks) return tasks;
  tasks = (await get("/api/scheduler/tasks")).tasks ?? [];
  return tasks;
}

function fillTaskOptions(current) {
  const select = input("task");
  const names = tasks.map((t) => t.name);
  if (current && !names.includes(current)) names.push(current); // a task this server lacks
  const shorts = names.map(shortTask);
  select.replaceChildren(
    el("option", { value: "", text: T("page_task_choose") }),
    ...names.map((name, i) =>
      el("option", {
        value: name,
        title: name,
        text: shorts.indexOf(shorts[i]) === shorts.lastIndexOf(shorts[i]) ? `${shorts[i]} (${name})` : name,
      }),
    ),
  );
  select.value = current ?? "";
}

function showTaskParams() {
  const box = document.getElementById("task-params");
  const task = tasks?.find((t) => t.name === input("task").value);
  if (!task) {
    box.replaceChildren();
    return;
  }
  const items = task.parameters.map((p) =>
    el("li", {},
      el("code", { text: p.name }), ": ",
      el("span", { class: "type", text: p.type }), " ",
      el("span", { class: p.required ? "required" : "default",
        text: p.required ? T("page_param_required") : T("page_param_default", { value: JSON.stringify(p.default) }) }),
    ),
  );
  const optional = task.parameters.filter((p) => !p.required);
  box.replaceChildren(
    task.description ? el("p", { class: "task-desc", text: task.description }) : "",
    el("p", { class: "params-title", text: T("page_task_params", { task: shortTask(task.name) }) }),
    items.length ? el("ul", {}, ...items) : el("p", { class: "muted", text: T("page_no_params") }),
    optional.length
      ? el("button", { type: "button", class: "link", text: T("page_fill_defaults"), onclick: () => fillDefaults(optional) })
      : "",
  );
}

function fillDefaults(optional) {
  const parsed = parseKwargs();
  if (!parsed.ok) return showError("kwargs", parsed.message);
  const merged = { ...parsed.value };
  for (const p of optional) if (!(p.name in merged)) merged[p.name] = p.default;
  input("kwargs").value = JSON.stringify(merged, null, 2);
  clearError("kwargs");
}

function showKind() {
  const current = kind();
  if (current) showUnknownTiming(null);
  for (const group of form.querySelectorAll(".kind-group")) group.hidden = group.dataset.kind !== current;
  schedulePreview(previewBody, 0);
}

function fillTimezones() {
  const list = document.getElementById("timezones");
  if (list.childElementCount || typeof Intl.supportedValuesOf !== "function") return;
  list.append(...Intl.supportedValuesOf("timeZone").map((zone) => el("option", { value: zone })));
}

function reset(title) {
  form.reset();
  clearAllErrors();
  document.getElementById("schedule-dialog-title").textContent = title;
  input("name").readOnly = false;
  input("kwargs").value = "{}";
  input("cron").placeholder = "0 3 * * *";
  input("timezone").placeholder = T("page_timezone_default", { zone: defaultZone() });
  document.getElementById("task-params").replaceChildren();
  showUnknownTiming(null);
  renderPreview(null);
  fillTimezones();
}

async function withTasks() {
  try {
    await loadTasks();
  } catch (error) {
    tasks = null;
    showError("task", T("page_failed", { message: error.message }));
  }
}

export async function openCreate() {
  editing = null;
  reset(T("page_new_schedule"));
  dialog.showModal();
  input("name").focus();
  await withTasks();
  fillTaskOptions("");
  showKind();
}

export async function openEdit(name, fallback) {
  let entry = fallback;
  let version = fallback?.version ?? null;
  try {
    const answer = await api("GET", schedulePath(name));
    entry = answer.data;
    version = (answer.headers.get("ETag") ?? "").replace(/^W\//, "").replace(/"/g, "") || entry.version;
  } catch (error) {
    if (!entry) throw error;
  }
  reset(T("page_edit_schedule", { name }));
  editing = { name, version };
  await withTasks();
  prefill(entry);
  dialog.showModal();
  input("task").focus();
  showTaskParams();
  showKind();
}

function prefill(entry) {
  input("name").value = entry.name;
  input("name").readOnly = true;
  fillTaskOptions(entry.task);
  const timing = entry.timing ?? fromScheduleText(entry.schedule);
  const current =
    timing.kind ??
    (entry.cron ? "cron" : entry.interval ? "interval" : entry.at ? "once" : entry.minute ? "crontab" : null);
  for (const radio of form.querySelectorAll('input[name="timing-kind"]')) radio.checked = radio.value === current;
  showUnknownTiming(current ? null : entry.timing_text || entry.schedule || "?");
  for (const field of KINDS.crontab) input(field).value = entry[field] ?? timing[field] ?? "";
  input("cron").value = entry.cron ?? timing.cron ?? "";
  input("interval").value = timing.interval ?? entry.interval ?? "";
  input("anchor").value = localInputValue(timing.anchor ?? entry.anchor);
  input("at").value = localInputValue(timing.at ?? entry.at);
  input("timezone").value = entry.timezone ?? "";
  input("kwargs").value = JSON.stringify(entry.kwargs ?? {}, null, 2);
  input("description").value = entry.description ?? "";
  const policy = entry.policy ?? {};
  for (const key of POLICY) {
    const value = policy[key];
    input(`policy.${key}`).value = value === null || value === undefined ? (key === "overlap" ? "skip" : "") : value;
  }
}

/** An entry RedBeat wrote directly has no `timing`: read its schedule's text instead
 * ("<crontab: 0 4 * * * (m/h/dM/MY/d)>", "<freq: 5.00 seconds>", "<freq: 1.00 hour>",
 * "<freq: 1.50 minutes>"), so saving keeps it. Anything else (solar, rrule...): {} — no
 * kind is chosen then, rather than a guess that would replace the timing on save. */
function fromScheduleText(text) {
  const cron = /^<crontab: (\S+ \S+ \S+ \S+ \S+) /.exec(text ?? "");
  if (cron) return { kind: "cron", cron: cron[1] };
  const every = /^<freq: (\d+(?:\.\d+)?) (second|minute|hour|day)s?>$/.exec(text ?? "");
  if (every) {
    const seconds = Number(every[1]) * FREQ_UNITS[every[2]];
    if (seconds > 0) return { kind: "interval", interval: Math.round(seconds * 1000) / 1000 };
  }
  return {};
}

/** A note at the kind radios while an entry's timing is one the form cannot show. */
function showUnknownTiming(text) {
  const note = document.getElementById("timing-unknown");
  note.hidden = !text;
  note.textContent = text ? T("page_timing_unknown", { timing: text }) : "";
}

/** The timing part of the form, as the API takes it. `patch`: empty optional → null. */
function timingBody(patch) {
  const body = {};
  const value = (name) => input(name).value.trim();
  const current = kind();
  if (!current) return body; // no kind chosen: the entry's timing is left as it is
  if (current === "crontab") for (const f of KINDS.crontab) body[f] = value(f) || "*";
  if (current === "cron") body.cron = value("cron");
  if (current === "interval") {
    body.interval = value("interval") === "" ? null : Number(value("interval"));
    if (value("anchor")) body.anchor = value("anchor");
    else if (patch) body.anchor = null;
  }
  if (current === "once") body.at = value("at");
  if (value("timezone")) body.timezone = value("timezone");
  else if (patch) body.timezone = null;
  return body;
}

function knownZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What to preview, or null while the timing is plainly unfinished (no call then: a
 * half-typed cron expression would only draw a 422), or {error} for a zone no one has. */
function previewBody() {
  const body = timingBody(false);
  const current = kind();
  if (!current) return null;
  if (current === "cron" && !/^\S+(\s+\S+){4}$/.test(body.cron)) return null;
  if (current === "interval" && !(body.interval > 0)) return null;
  if (current === "once" && !body.at) return null;
  if (body.timezone && !knownZone(body.timezone)) return { error: `timezone: ${body.timezone}` };
  return body;
}

function parseKwargs() {
  const text = input("kwargs").value.trim();
  if (text === "") return { ok: true, value: {} };
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: T("page_bad_json", { error: error.message }) };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, message: T("page_not_object", { example: '{"limit": 100}' }) };
  }
  return { ok: true, value };
}

function checkKwargs() {
  const parsed = parseKwargs();
  if (parsed.ok) clearError("kwargs");
  else showError("kwargs", parsed.message);
  return parsed;
}

let kwargsTimer = null;
function checkKwargsSoon() {
  clearTimeout(kwargsTimer);
  kwargsTimer = setTimeout(() => {
    if (!parseKwargs().ok && input("kwargs").value.trim()) checkKwargs();
  }, 800);
}

function policyBody(patch) {
  const policy = {};
  for (const key of POLICY) {
    const raw = input(`policy.${key}`).value.trim();
    if (raw === "") {
      if (patch) policy[key] = null;
      continue;
    }
    policy[key] = NUMBERS.has(key) ? Number(raw) : raw;
  }
  if (!patch && policy.overlap === "skip" && Object.keys(policy).length === 1) return null;
  return policy;
}

/** Checks made before any call: required fields, and the parameters as a JSON object. */
function localProblems() {
  const problems = [];
  const need = (field) => {
    if (!input(field).value.trim()) problems.push([field, T("page_required")]);
  };
  if (!editing) need("name");
  need("task");
  // No kind: an entry RedBeat wrote in a form this page cannot show; the API wants a
  // new timing with any change to it (the note at the radios says so).
  if (!kind()) problems.push(["timing-kind", T("page_required")]);
  if (kind() === "cron") need("cron");
  if (kind() === "interval") need("interval");
  if (kind() === "once") need("at");
  const parsed = parseKwargs();
  if (!parsed.ok) problems.push(["kwargs", parsed.message]);
  return { problems, kwargs: parsed.value };
}

function buildBody(kwargs) {
  const patch = Boolean(editing);
  const body = { task: input("task").value, ...timingBody(patch), kwargs, description: input("description").value.trim() };
  if (!patch) body.name = input("name").value.trim();
  const policy = policyBody(patch);
  if (policy) body.policy = policy;
  return body;
}

async function submit(event) {
  event.preventDefault();
  clearAllErrors();
  const { problems, kwargs } = localProblems();
  if (problems.length) {
    for (const [field, message] of problems) showError(field, message);
    focusFirstError();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    const answer = editing
      ? await api("PATCH", schedulePath(editing.name), {
          body: buildBody(kwargs),
          headers: editing.version ? { "If-Match": `"${editing.version}"` } : {},
        })
      : await api("POST", "/api/scheduler/schedule", { body: buildBody(kwargs) });
    dialog.close();
    onSaved(answer.data);
  } catch (error) {
    showApiError(error);
  } finally {
    button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

/** The visible error slot for an API field name, or null (then the form-level one). */
function slotFor(field) {
  let name = String(field ?? "").replace(/^body\./, "");
  name = ALIASES[name] ?? name;
  if (POLICY.includes(name)) name = `policy.${name}`;
  const parts = name.split(".");
  for (let n = parts.length; n > 0; n -= 1) {
    const candidate = parts.slice(0, n).join(".");
    const slot = form.querySelector(`[data-error-for="${CSS.escape(ALIASES[candidate] ?? candidate)}"]`);
    if (slot && !slot.closest("[hidden]")) return slot;
  }
  return null;
}

function showApiError(error) {
  if (!(error instanceof ApiError)) {
    showError(null, String(error));
    return;
  }
  if (error.status === 412) showError(null, T("page_stale"));
  else if (error.code === "exists") showError("name", error.message);
  else if (error.detail.length) {
    for (const d of error.detail) {
      const slot = slotFor(d.field);
      if (slot) showError(slot, d.message);
      else showError(null, d.field ? `${d.field}: ${d.message}` : d.message);
    }
  } else showError(null, error.message);
  focusFirstError();
}

function showError(target, message) {
  const slot = target instanceof Element ? target : target ? slotFor(target) : null;
  const box = slot ?? document.getElementById("form-error");
  box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
  box.classList.add("shown");
  const field = box.dataset.errorFor ? input(box.dataset.errorFor) : null;
  if (field && field.setAttribute) field.setAttribute("aria-invalid", "true");
}

function clearError(field) {
  if (!field) return;
  const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  if (slot) {
    slot.textContent = "";
    slot.classList.remove("shown");
  }
  const element = input(field);
  if (element && element.removeAttribute) element.removeAttribute("aria-invalid");
}

function clearAllErrors() {
  for (const slot of form.querySelectorAll("[data-error-for], #form-error")) {
    slot.textContent = "";
    slot.classList.remove("shown");
  }
  for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
}

function focusFirstError() {
  const first = form.querySelector(".error.shown");
  if (!first) return;
  let field = first.dataset.errorFor ? input(first.dataset.errorFor) : null;
  if (field instanceof RadioNodeList) field = field[0] ?? null; // the kind radios
  if (field && typeof field.focus === "function" && !field.readOnly) field.focus();
  else first.scrollIntoView({ block: "nearest" });
}

export function isOpen() {
  return dialog?.open ?? false;
}
