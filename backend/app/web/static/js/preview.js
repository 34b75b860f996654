// #timing-preview: the timing in words and its next 5 fire times, from
// POST /api/scheduler/preview, asked for a moment after the last keystroke.

import { ApiError, api } from "./api.js";
import { el, inZone } from "./dom.js";
import { T } from "./text.js";

const DELAY_MS = 350;
let timer = null;
let asked = 0; // the latest request; older answers are dropped

function box() {
  return document.getElementById("timing-preview");
}

/** `preview`: the API's answer, or null to clear; `error`: a sentence instead. */
export function renderPreview(preview, error = null) {
  const root = box();
  const words = root.querySelector(".preview-words");
  const list = document.getElementById("next-runs");
  root.classList.toggle("has-error", Boolean(error));
  root.dataset.state = error ? "error" : preview ? "ready" : "empty";
  if (error) {
    words.textContent = error;
    list.replaceChildren();
    return;
  }
  if (!preview) {
    words.textContent = "";
    list.replaceChildren();
    return;
  }
  const when = preview.next_run_in ? ` (${T("page_col_next")}: ${preview.next_run_in})` : "";
  words.textContent = `${preview.description ?? ""} · ${preview.timezone ?? ""}${when}`;
  const runs = preview.next_runs ?? [];
  // A one-off has one time to come: "Next run", not "Next 5 runs".
  root.querySelector(".preview-label").textContent = T(runs.length === 1 ? "page_col_next" : "page_preview_next");
  list.replaceChildren(
    ...(runs.length
      ? runs.map((iso) => el("li", {}, el("time", { datetime: iso, text: inZone(iso, preview.timezone, { seconds: true, weekday: true }) })))
      : [el("li", { class: "muted", text: T("page_preview_none") })]),
  );
}

function problem(detail, message) {
  return Array.isArray(detail) && detail.length
    ? detail.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join("; ")
    : message;
}

async function ask(body, id) {
  try {
    // No token needed: a preview changes nothing.
    const { data } = await api("POST", "/api/scheduler/preview", { body, auth: false });
    if (id !== asked) return;
    // A timing that does not hold answers 200 {valid: false, detail, message} (an
    // older server answered 422, handled below).
    if (data?.valid === false) renderPreview(null, T("page_preview_unavailable", { error: problem(data.detail, data.message) }));
    else renderPreview(data);
  } catch (error) {
    if (id !== asked) return;
    const detail = error instanceof ApiError ? problem(error.detail, error.message) : String(error);
    renderPreview(null, T("page_preview_unavailable", { error: detail }));
  }
}

/** Ask again after DELAY_MS; `bodyOf()` is read then (null: nothing to preview yet;
 * {error}: a sentence to show instead). */
export function schedulePreview(bodyOf, delay = DELAY_MS) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const body = bodyOf();
    asked += 1;
    if (body === null) renderPreview(null);
    else if (body.error) renderPreview(null, T("page_preview_unavailable", { error: body.error }));
    else ask(body, asked);
  }, delay);
}

export function stopPreview() {
  clearTimeout(timer);
  asked += 1;
}
