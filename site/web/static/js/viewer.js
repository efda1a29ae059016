// The technician's viewer: asks for the session's access password, opens a
// stream through the site's relay and hands the socket and the canvas to
// stream.js, which draws frames and sends keyboard and mouse input. The
// toolbar never covers the screen: chat, files, system information and
// "Pin as Jump Client" open in a side pane beside it (panes.js).
import { api, requireLogin } from "./api.js";
import { connect } from "./stream.js";
import { initPanes } from "./panes.js";
import { startClipboard } from "./clipboard.js";
import { initReboot } from "./reboot.js"; // reboot.js hook (SPEC B1–B5)

await requireLogin();
const id = location.pathname.split("/").pop();
const $ = (s) => document.getElementById(s);
const canvas = $("screen");
const setState = (t) => { $("state").textContent = t; };

const s = await api("GET", "/sessions/" + id);
$("title").textContent = `${s.code.replace(/(\d{3})(?=\d)/g, "$1 ")} — ${s.computer || s.customer_name || ""}`;
setState(s.online ? "customer online — enter the access password" : "customer offline");
initPanes(id, s);
if (s.jump_client_id) {
  $("shell-open").hidden = false;
  $("shell-open").href = `/console/sessions/${id}/shell`;
}
// Recording (docs/RECORDING.md): say that this session is recorded, and
// link its player once there is a file.
$("recorded").hidden = !s.recorded;
$("recording-open").href = `/console/sessions/${id}/recording`;
$("recording-open").hidden = !s.recorded && !s.recording;
$("audit-open").href = `/console/audit?session=${id}`;

let view = null;
let clip = null;
let password = "";
let userClosed = false;
let retries = 0;
let noDisplay = false; // the computer said it has no display: do not retry

function waiting(text) {
  $("waiting").textContent = text || "";
  $("waiting").hidden = !text;
}

async function start() {
  setState("connecting…");
  let grant;
  try {
    grant = await api("POST", `/sessions/${id}/view`, { password, control: true });
  } catch (e) {
    setState(e.message);
    $("auth").hidden = false;
    return;
  }
  // The site knows the agent asks someone first (D2 consent): say so
  // instead of "connecting…" until the first picture comes.
  if (grant.asks) {
    setState("waiting for the customer to allow…");
    waiting(s.jump_client_id ? "Waiting for the logged-in user to allow the connection…" : "Waiting for the customer to allow the connection…");
  }
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/api/v1/sessions/${id}/stream/${grant.stream}?token=${encodeURIComponent(grant.token)}`);
  view = connect(ws, canvas, {
    onScreen: (scr) => {
      waiting("");
      setState(`connected — ${scr.width}×${scr.height}`);
      const sel = $("displays");
      sel.replaceChildren(...scr.displays.map((d, i) => {
        const o = document.createElement("option");
        o.value = i;
        o.textContent = `${d.name || "Display " + (i + 1)} (${d.width}×${d.height})`;
        o.selected = i === scr.current;
        return o;
      }));
      sel.hidden = scr.displays.length < 2;
      canvas.focus();
      if (!clip) clip = startClipboard(id, canvas);
    },
    onState: (st) => {
      waiting("");
      noDisplay = st.noDisplay;
      $("stage").classList.toggle("paused", !!st.paused);
      $("control").textContent = st.noDisplay ? "This computer has no display."
        : st.paused ? "The customer paused control."
        : st.controlAllowed ? "control allowed" : "view only";
    },
    onError: (e) => setState("stream error: " + e.message),
  });
  $("auth").hidden = true;
  $("view-tools").hidden = false;
  ws.addEventListener("open", () => { retries = 0; });
  ws.addEventListener("close", (ev) => {
    view = null;
    clip?.close();
    clip = null;
    waiting("");
    $("view-tools").hidden = true;
    $("displays").hidden = true;
    $("stage").classList.remove("paused");
    // A dropped link (not the technician's click, not the customer's
    // refusal) reconnects by itself with growing delays.
    const refused = ev.code === 1008;
    if (noDisplay) {
      setState("no display — nobody is logged in to a desktop on this computer" + (s.jump_client_id ? "; use the Shell" : ""));
      $("auth").hidden = false;
      return;
    }
    if (!userClosed && !refused && retries < 5) {
      const wait = 1000 * 2 ** retries++;
      setState(`connection lost${ev.reason ? " (" + ev.reason + ")" : ""} — reconnecting in ${wait / 1000} s…`);
      setTimeout(start, wait);
      return;
    }
    setState("disconnected" + (ev.reason ? ": " + ev.reason : ""));
    $("auth").hidden = false;
  });
}

$("auth").addEventListener("submit", (ev) => {
  ev.preventDefault();
  password = $("view-password").value;
  userClosed = false;
  retries = 0;
  start();
});
// Jump sessions need no access password (site policy, D2).
if (s.jump_client_id) {
  $("view-password").required = false;
  $("auth").hidden = true;
  start();
}

$("displays").onchange = () => view?.selectDisplay(Number($("displays").value));
$("refresh").onclick = () => view?.refresh();
$("disconnect").onclick = () => { userClosed = true; view?.close(); };
$("cad").onclick = () => { view?.sendChord(["ControlLeft", "AltLeft", "Delete"]); canvas.focus(); };
$("scale").onclick = () => {
  const one = $("stage").classList.toggle("actual");
  $("scale").textContent = one ? "Fit" : "1:1";
};
$("fullscreen").onclick = () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else $("main").requestFullscreen?.().catch(() => {});
};

// reboot.js hook (SPEC B1–B5): the Reboot buttons, the wait for the
// computer and the reconnection after it live in reboot.js.
initReboot({ id, session: s, setState, reconnect: () => { if (!view) { userClosed = false; retries = 0; start(); } } });
