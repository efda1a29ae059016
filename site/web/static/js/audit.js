// The audit page (/console/audit): GET /api/v1/audit with the filters of
// the form (they also live in the page's URL, so a filtered view can be
// linked), page by page, and the server's CSV export of the same filters.
import { api, requireLogin, fmtTime } from "./api.js";

const me = await requireLogin();
const $ = (s) => document.getElementById(s);
$("who").textContent = me.name + (me.admin ? " (admin)" : "");
if (!me.admin) $("note").textContent = "Technicians see the audit log of one of their sessions at a time: enter its session id.";

const fields = { session: "f-session", technician: "f-technician", jump_client: "f-jump", event: "f-event" };
let next = 0;
let shown = 0;

// query builds the API query of the form; datetime-local is local time,
// the API takes RFC 3339.
function query() {
  const q = new URLSearchParams();
  for (const [k, el] of Object.entries(fields)) if ($(el).value.trim()) q.set(k, $(el).value.trim());
  for (const k of ["since", "until"]) {
    const v = $("f-" + k).value;
    if (v) q.set(k, new Date(v).toISOString().replace(/\.\d+Z$/, "Z"));
  }
  return q;
}

function fromURL() {
  const q = new URLSearchParams(location.search);
  for (const [k, el] of Object.entries(fields)) $(el).value = q.get(k) || "";
  for (const k of ["since", "until"]) {
    const v = q.get(k);
    if (v) {
      const d = new Date(v);
      $("f-" + k).value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    }
  }
}

function cell(tr, text, cls) {
  const td = tr.insertCell();
  td.textContent = text || "";
  if (cls) td.className = cls;
  return td;
}

async function load(more) {
  $("error").textContent = "";
  const q = query();
  $("export").href = "/api/v1/audit?" + new URLSearchParams([...q, ["format", "csv"]]);
  if (!more) {
    history.replaceState(null, "", "?" + q);
    $("audit").tBodies[0].replaceChildren();
    shown = 0;
    next = 0;
  }
  if (!me.admin && !q.get("session")) {
    $("more").hidden = true;
    return;
  }
  if (next) q.set("after", next);
  q.set("limit", "200");
  let res;
  try {
    res = await api("GET", "/audit?" + q);
  } catch (e) {
    $("error").textContent = e.message;
    return;
  }
  const tbody = $("audit").tBodies[0];
  for (const e of res.items) {
    const tr = tbody.insertRow();
    tr.dataset.event = e.event;
    cell(tr, fmtTime(e.at)).title = e.at;
    cell(tr, e.event, "event");
    const s = cell(tr, "", "session");
    if (e.session_id) {
      const a = document.createElement("a");
      a.href = "?session=" + encodeURIComponent(e.session_id);
      a.textContent = e.session_id.slice(0, 8);
      a.title = e.session_id;
      s.append(a);
    }
    cell(tr, e.jump_client_id ? e.jump_client_id.slice(0, 8) : "").title = e.jump_client_id || "";
    cell(tr, e.actor, "actor");
    cell(tr, e.remote_addr);
    cell(tr, e.detail, "detail");
  }
  shown += res.items.length;
  next = res.next || 0;
  $("more").hidden = !next;
  $("count").textContent = `${shown} entr${shown === 1 ? "y" : "ies"}${next ? " so far" : ""}`;
}

$("filters").addEventListener("submit", (ev) => { ev.preventDefault(); load(false); });
$("filters").addEventListener("reset", () => setTimeout(() => load(false)));
$("more").onclick = () => load(true);
fromURL();
await load(false);
