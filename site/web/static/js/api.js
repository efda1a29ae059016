// Shared console helpers: API calls with the CSRF token, and the login gate.
let csrf = "";

export async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const res = await fetch("/api/v1" + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error((data.error && data.error.message) || res.statusText);
    err.code = data.error && data.error.code;
    err.status = res.status;
    throw err;
  }
  return data;
}

// requireLogin returns the current user or sends the browser to the login page.
export async function requireLogin() {
  try {
    const me = await api("GET", "/me");
    csrf = me.csrf || "";
    return me;
  } catch (e) {
    location.href = "/console/login?next=" + encodeURIComponent(location.pathname);
    throw e;
  }
}

export function setCSRF(t) { csrf = t; }

export function fmtTime(t) {
  if (!t) return "—";
  return new Date(t).toLocaleString();
}
