// Building elements without innerHTML (every text goes in as textContent), and times.

import { T, config } from "./text.js";

/** el("td", {class: "x", "data-col": "name", text: "…", onclick: fn}, child, …) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) {
      // A handler that is not a function is a mistake: never an attribute (inline script).
      if (typeof value !== "function") throw new TypeError(`el(${tag}): ${key} is not a function`);
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace a node's children; the same text twice changes nothing (no flicker). */
export function setChildren(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
}

export function setText(node, text) {
  const value = text ?? "";
  if (node.textContent !== value) node.textContent = value;
}

/** "2026-12-03T02:00:00+09:00" → "2026-12-03 02:00" (the time as written, in its zone). */
export function wallClock(iso) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(iso ?? "");
  return m ? `${m[1]} ${m[2]}` : iso ?? "";
}

/** The datetime-local value for a stored time, as written in its own zone. */
export function localInputValue(iso) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:\d{2})?/.exec(iso ?? "");
  if (!m) return "";
  return m[2] && m[2] !== ":00" ? m[1] + m[2] : m[1];
}

const formats = new Map();

function formatter(zone, withWeekday) {
  const key = `${zone}|${withWeekday}`;
  if (!formats.has(key)) {
    const options = {
      year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    };
    if (zone) options.timeZone = zone;
    if (withWeekday) options.weekday = "short";
    let made;
    try {
      made = new Intl.DateTimeFormat(config("language", "en"), options);
    } catch {
      delete options.timeZone; // a zone this browser does not know: the browser's own
      made = new Intl.DateTimeFormat(config("language", "en"), options);
    }
    formats.set(key, made);
  }
  return formats.get(key);
}

/** An instant shown in `zone`: "2026-12-03 02:00:05" (with the weekday if asked). */
export function inZone(iso, zone, { seconds = true, weekday = false } = {}) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = {};
  for (const p of formatter(zone, weekday).formatToParts(date)) parts[p.type] = p.value;
  const time = seconds ? `${parts.hour}:${parts.minute}:${parts.second}` : `${parts.hour}:${parts.minute}`;
  const day = weekday ? ` (${parts.weekday})` : "";
  return `${parts.year}-${parts.month}-${parts.day}${day} ${time}`;
}

const UNITS = [
  [86400, "page_span_d"],
  [3600, "page_span_h"],
  [60, "page_span_min"],
  [1, "page_span_s"],
];

/** 53880 → "14 h 58 min": the two largest units, as the API words it. */
export function span(seconds) {
  let left = Math.floor(Math.abs(seconds));
  const parts = [];
  for (const [size, key] of UNITS) {
    if (left >= size || (size === 1 && parts.length === 0)) {
      parts.push(T(key, { n: Math.floor(left / size) }));
      left %= size;
    } else if (parts.length) break;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** How far `iso` is from now: "in 3 h", "5 min ago", "now". */
export function relative(iso, now = Date.now()) {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Number.isNaN(seconds)) return "";
  if (Math.abs(seconds) < 1) return T("page_time_now");
  return T(seconds > 0 ? "page_time_in" : "page_time_ago", { span: span(seconds) });
}

/** A duration: "0.42 s", "3.1 s", "2 min 5 s". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 10) return T("page_span_s", { n: seconds.toFixed(seconds < 1 ? 2 : 1) });
  if (seconds < 60) return T("page_span_s", { n: Math.round(seconds) });
  return span(seconds);
}
