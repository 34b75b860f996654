// Calls to the REST API. When the server says it needs a token (config token_required),
// the first change asks for it (the token dialog) before it is sent; a change answered
// 401 (no token, or a wrong one) asks again, and so does one answered 403 because the
// token may only read. With API_PROTECT_READS (config reads_protected) reads need it
// too: the first read asks, and a read answered 401 asks again, unless the dialog was
// cancelled for a read (then reads fail quietly until the page is reloaded or a change
// asks). The token is kept in sessionStorage and sent as a Bearer token on every call.

import { T, config } from "./text.js";

const TOKEN_KEY = "scheduler.apiToken";

export class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === "object" ? body : {};
    super(typeof data.message === "string" ? data.message : `HTTP ${status}`);
    this.status = status;
    this.code = typeof data.error === "string" ? data.error : null;
    this.detail = Array.isArray(data.detail) ? data.detail : [];
  }
}

let askToken = async () => null;
let asking = null; // one dialog for every call that meets a 401 meanwhile
let declined = false; // the dialog was cancelled for a read: the refreshes stop asking

/** `ask(why)` shows the token dialog (why: null, "refused" or "read_only") and resolves
 * the token, or null if cancelled. */
export function setTokenAsker(ask) {
  askToken = ask;
}

let kept = null; // the token while this page is open, should sessionStorage refuse it

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? kept;
  } catch {
    return kept;
  }
}

function storeToken(token) {
  kept = token;
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* storage refused (private mode): kept for this page only */
  }
}

/** Ask for the token (why: null the first time, "refused" after a 401, "read_only"
 * after a 403 for a token that may only read); null when cancelled. */
async function askFor(why, reading) {
  if (reading && declined) return null;
  if (!asking) {
    asking = askToken(why).finally(() => {
      asking = null;
    });
  }
  const token = await asking;
  if (token) storeToken(token);
  declined = !token && reading;
  return token;
}

function unauthorized(reading) {
  const text = T(reading ? "page_token_needed_to_read" : "page_unauthorized");
  return new ApiError(401, { error: "unauthorized", message: text });
}

async function send(method, path, body, headers) {
  const all = { Accept: "application/json", ...headers };
  const token = storedToken();
  if (token) all.Authorization = `Bearer ${token}`;
  const init = { method, headers: all, cache: "no-store" };
  if (body !== undefined) {
    all["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(config("api_base", "") + path, init);
  } catch (error) {
    throw new ApiError(0, { error: "network", message: String(error.message || error) });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 300) };
    }
  }
  return { response, data, token };
}

/** `api("POST", path, {body, headers, auth})` → {data, headers, status}; throws ApiError.
 * `auth: false`: a call that changes nothing (a GET, the preview); it needs the token
 * only when the server protects reads. */
export async function api(method, path, { body, headers = {}, auth = method !== "GET" } = {}) {
  const reading = !auth;
  const needs = auth || config("reads_protected", false);
  if (needs && config("token_required", false) && !storedToken()) {
    // Asked before the call rather than after a 401, which the console would log.
    if (!(await askFor(null, reading))) throw unauthorized(reading);
  }
  for (;;) {
    const { response, data, token } = await send(method, path, body, headers);
    const readOnly = response.status === 403 && data?.error === "read_only_token";
    if (needs && (response.status === 401 || readOnly)) {
      const fresh = await askFor(readOnly ? "read_only" : token ? "refused" : null, reading);
      if (fresh) continue;
      if (readOnly) throw new ApiError(response.status, data);
      throw unauthorized(reading);
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return { data, headers: response.headers, status: response.status };
  }
}

export const get = (path) => api("GET", path).then((r) => r.data);

/** The path of one schedule (its name percent-encoded), plus a suffix such as "/run". */
export function schedulePath(name, suffix = "") {
  return `/api/scheduler/schedule/${encodeURIComponent(name)}${suffix}`;
}
