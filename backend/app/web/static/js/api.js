// Calls to the REST API. A mutating call answered 401 asks for the token once (the
// token dialog), keeps it in sessionStorage and sends it as a Bearer token from then on.

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

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token) {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* storage refused (private mode): kept for this call only */
  }
}

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

/** `api("POST", path, {body, headers})` → {data, headers, status}; throws ApiError. */
export async function api(method, path, { body, headers = {} } = {}) {
  for (;;) {
    const { response, data, token } = await send(method, path, body, headers);
    if (response.status === 401 && method !== "GET") {
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
