// Calls to the REST API. When the server says it needs a token (config token_required),
// the first change asks for it (the token dialog) before it is sent; a change answered
// 401 (no token, or a wrong one) asks again. The token is kept in sessionStorage and sent
// as a Bearer token on every call from then on.

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

/** `ask(refused)` shows the token dialog and resolves the token, or null if cancelled. */
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

/** Ask for the token (`refused`: the last one was refused); null when cancelled. */
async function tokenAfter401(sent) {
  if (!asking) {
    asking = askToken(Boolean(sent)).finally(() => {
      asking = null;
    });
  }
  const token = await asking;
  if (token) storeToken(token);
  return token;
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
 * `auth: false`: a POST that changes nothing (the preview), never asks for a token. */
export async function api(method, path, { body, headers = {}, auth = method !== "GET" } = {}) {
  if (auth && config("token_required", false) && !storedToken()) {
    // Asked before the change rather than after a 401, which the console would log.
    if (!(await tokenAfter401(null))) throw new ApiError(401, { error: "unauthorized", message: T("page_unauthorized") });
  }
  for (;;) {
    const { response, data, token } = await send(method, path, body, headers);
    if (response.status === 401 && auth) {
      const fresh = await tokenAfter401(token);
      if (fresh) continue;
      throw new ApiError(401, { error: "unauthorized", message: T("page_unauthorized") });
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
