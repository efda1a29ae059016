// The recording player page (/console/sessions/{id}/recording): fetches the
// session's recording (the site audits it as recording_viewed), plays it
// with player.js, and lists chat and file events as timeline markers and a
// transcript to jump to. docs/RECORDING.md.
import { requireLogin, fmtTime } from "./api.js";
import { parseRecording, KIND, json } from "./recfile.js";
import { Player } from "./player.js";
import { Terminal } from "../vendor/xterm.js";

await requireLogin();
const id = location.pathname.split("/")[3];
const $ = (s) => document.getElementById(s);
const setState = (t) => { $("state").textContent = t; };
const url = `/api/v1/sessions/${encodeURIComponent(id)}/recording`;
$("back").href = `/console/sessions/${id}`;
document.body.dataset.state = "loading";

const res = await fetch(url, { credentials: "same-origin" });
// The site says when nodes holding parts of the session did not answer, or
// sent a part it could not read: what they recorded is not in this
// playback (and may be all of it, when nothing came).
const unanswered = res.headers.get("X-Tether-Recording-Unanswered");
const missing = unanswered ? `Incomplete: the parts of this session recorded on site nodes ${unanswered} are missing (no answer, or unreadable).` : "";
if (missing) {
  $("incomplete").textContent = missing;
  $("incomplete").hidden = false;
}
if (!res.ok) {
  const e = await res.json().catch(() => ({}));
  setState([e.error?.message || res.statusText, missing].filter(Boolean).join(" "));
  document.body.dataset.state = "error";
  throw new Error("no recording");
}
const rec = parseRecording(await res.arrayBuffer());
const m = rec.meta;
$("title").textContent = `Recording — ${m.computer || m.customer || m.code || id}`;
$("meta").textContent = `Started ${fmtTime(m.started)} by ${m.technician || "?"}; ${rec.records.length} records` +
  (m.parts > 1 ? `, recorded in ${m.parts} parts on the site's nodes` : "") +
  (rec.closed ? "" : " (still being recorded, or the site stopped while it was)");
$("download").href = url;
$("download").hidden = false;

const term = rec.records.some((r) => r.kind === KIND.SHELL_OUT)
  ? new Terminal({ fontFamily: "DejaVu Sans Mono, monospace", fontSize: 14, scrollback: 10000, disableStdin: true, convertEol: false })
  : null;
if (term) term.open($("terminal"));
// fit sizes the terminal's box to the recorded columns and rows.
function fit() {
  const el = $("terminal").querySelector(".xterm-screen");
  if (el) $("terminal").style.width = el.offsetWidth + 12 + "px";
}

const fmt = (ms) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};
const events = buildEvents(); // by time
// past counts the events at or before the playing time: only those whose
// side of it changed are restyled on each frame, not the whole list.
let past = 0;
for (const e of events) e.li.classList.add("future");
function markPast(t) {
  let n = past;
  while (n < events.length && events[n].t <= t) n++;
  while (n > 0 && events[n - 1].t > t) n--;
  for (let i = Math.min(n, past); i < Math.max(n, past); i++) events[i].li.classList.toggle("future", i >= n);
  past = n;
}
const player = new Player(rec, {
  canvas: $("screen"), terminal: term,
  onTime: (t) => {
    $("timeline").value = Math.round(t);
    $("position").textContent = `${fmt(t)} / ${fmt(rec.duration)}`;
    $("screen").dataset.time = Math.round(t);
    markPast(t);
  },
  // A session may have had a view and a shell: both show, one above the
  // other.
  onShow: ({ view, shell }) => {
    $("screen").hidden = !view;
    $("terminal").hidden = !shell || !term;
    $("stage").classList.toggle("both", view && shell);
    $("waiting").hidden = view || shell;
    $("waiting").textContent = view || shell ? "" : "Nothing was on screen yet at this point.";
    if (shell) fit();
  },
  onPause: () => { $("play").textContent = "Play"; document.body.dataset.state = "paused"; },
});

// buildEvents lists chat, file transfers and gaps in the transcript and
// as markers on the timeline; clicking either jumps there.
function buildEvents() {
  const out = [];
  for (const r of rec.records) {
    let cls, label;
    if (r.kind === KIND.CHAT) {
      const c = json(r);
      cls = "chat" + (c.from === "customer" ? " customer" : "");
      label = [c.name || c.from, c.text];
    } else if (r.kind === KIND.FILE) {
      const f = json(r);
      cls = "file";
      label = [`${f.op === "upload" ? "↑ upload" : "↓ download"} ${f.result}${f.code ? " (" + f.code + ")" : ""}`,
        `${f.path}, ${f.size} bytes${f.sha256 ? ", sha256 " + f.sha256.slice(0, 16) + "…" : ""}`];
    } else if (r.kind === KIND.GAP) {
      const g = json(r);
      cls = "gap";
      label = ["gap in the recording", g.reason === "disk" ? `${g.records} records dropped: the site's disk was behind` : "the site stopped while recording"];
    } else continue;
    const li = document.createElement("li");
    li.className = cls;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = `${fmt(r.t)} · ${label[0]}`;
    li.append(who, label[1]);
    li.onclick = () => seek(r.t);
    $("chat-log").append(li);
    const mk = document.createElement("button");
    mk.type = "button";
    mk.className = "marker " + cls.split(" ")[0];
    mk.title = `${fmt(r.t)} ${label[0]}: ${label[1]}`;
    mk.style.left = `${rec.duration ? (100 * r.t) / rec.duration : 0}%`;
    mk.dataset.t = Math.round(r.t);
    mk.onclick = () => seek(r.t);
    $("markers").append(mk);
    out.push({ t: r.t, li });
  }
  return out;
}

async function seek(t) {
  document.body.dataset.seeking = "1";
  await player.seek(t);
  document.body.dataset.seeking = "0";
}

$("timeline").max = Math.ceil(rec.duration);
$("timeline").disabled = false;
$("timeline").addEventListener("input", () => seek(Number($("timeline").value)));
$("speed").onchange = () => { player.speed = Number($("speed").value); };
$("play").disabled = false;
$("play").onclick = () => {
  if (player.playing) { player.pause(); return; }
  $("play").textContent = "Pause";
  document.body.dataset.state = "playing";
  player.play();
};
await seek(0);
setState(rec.records.length ? "ready" : "empty recording");
document.body.dataset.state = "paused";
