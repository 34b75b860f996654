// The status banner and the global stop/start button, from GET /api/scheduler/status.

import { el, inZone } from "./dom.js";
import { T } from "./text.js";

/** One line per thing an operator must know; "all fine" when there is none. */
function lines(status, zone) {
  if (!status.redis_ok) {
    return [["redis-down", T("page_banner_redis_down", { error: status.redis_error ?? "" })]];
  }
  const found = [];
  if (status.beat && !status.beat.running) found.push(["no-beat", T("page_banner_no_beat")]);
  if (status.paused) {
    const pause = status.pause ?? {};
    const since = pause.since ? inZone(pause.since, zone, { seconds: false }) : T("page_unknown");
    found.push([
      "paused",
      T("page_banner_paused", {
        since,
        by: pause.by || T("page_unknown"),
        reason: pause.reason || T("page_reason_none"),
      }),
    ]);
  }
  if (status.sync && status.sync.ok === false) {
    const problems = (status.sync.problems ?? [])
      .map((p) => (p.field ? `${p.field}: ${p.message}` : p.message))
      .filter(Boolean);
    const error = [status.sync.error, ...problems.filter((p) => !String(status.sync.error).includes(p))]
      .filter(Boolean)
      .join("; ");
    found.push(["file-error", T("page_banner_file_error", { error })]);
  }
  if (Array.isArray(status.workers) && status.workers.length === 0 && !status.workers_error) {
    found.push(["no-worker", T("page_banner_no_worker")]);
  }
  const failing = status.failing?.schedules ?? [];
  if (failing.length) {
    const names = failing.map((f) => `${f.name} (${f.consecutive_failures})`).join(", ");
    found.push(["failing", T("page_banner_failing", { names })]);
  }
  return found;
}

const SEVERE = new Set(["redis-down", "api-down", "no-beat", "file-error", "list-error"]);

let fromStatus = null; // the status's lines; null until the first answer
let fromList = []; // the list's own problems (it failed, or it was cut short)
let reachable = false;

function show(found) {
  const banner = document.getElementById("status-banner");
  const kinds = found.map(([kind]) => kind);
  const state = kinds.some((k) => SEVERE.has(k)) ? "error" : kinds.length ? "warning" : "ok";
  const signature = JSON.stringify(found);
  if (banner.dataset.signature === signature) return;
  banner.dataset.signature = signature;
  banner.dataset.state = state;
  banner.dataset.problems = kinds.join(" ");
  banner.replaceChildren(
    ...(found.length ? found : [["ok", T("page_banner_ok")]]).map(([kind, text]) =>
      el("p", { "data-problem": kind, text }),
    ),
  );
}

function showAll() {
  // When the API is down the list's failure says nothing more.
  show(reachable ? [...fromStatus, ...fromList] : fromStatus);
}

export function renderStatus(status, zone) {
  fromStatus = lines(status, zone);
  reachable = true;
  showAll();
  setToggle(status.paused);
}

export function renderUnreachable(error) {
  fromStatus = [["api-down", T("page_banner_api_down", { error: error.message })]];
  reachable = false;
  showAll();
}

/** The list's own state: `error` when it could not be read, `truncated` (how many are
 * shown) when it has more pages than the page reads; neither: no line. */
export function renderListProblem({ error = null, truncated = null } = {}) {
  fromList = [];
  if (error) fromList.push(["list-error", T("page_banner_list_error", { error: error.message })]);
  if (truncated) fromList.push(["list-truncated", T("page_banner_list_truncated", { count: truncated })]);
  if (fromStatus) showAll();
}

/** #global-toggle: "stop" while running, "start" while paused (aria-pressed = paused). */
export function setToggle(paused) {
  const button = document.getElementById("global-toggle");
  if (paused === null || paused === undefined) return;
  const pressed = paused ? "true" : "false";
  if (button.getAttribute("aria-pressed") !== pressed) button.setAttribute("aria-pressed", pressed);
  const text = T(paused ? "page_start" : "page_stop");
  if (button.textContent !== text) button.textContent = text;
  button.dataset.paused = pressed;
}
