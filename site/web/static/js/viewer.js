// The technician's viewer: asks for the session's access password, opens a
// stream through the site's relay and hands the socket and the canvas to
// stream.js, which draws frames and sends keyboard and mouse input.
import { api, requireLogin } from "./api.js";
import { connect } from "./stream.js";
import { initReboot } from "./reboot.js"; // reboot.js hook (SPEC B1–B5)

await requireLogin();
const id = location.pathname.split("/").pop();
const $ = (s) => document.getElementById(s);
const canvas = $("screen");
const setState = (t) => { $("state").textContent = t; };

const s = await api("GET", "/sessions/" + id);
$("title").textContent = `${s.code.replace(/(\d{3})(?=\d)/g, "$1 ")} — ${s.computer || s.customer_name || ""}`;
setState(s.online ? "customer online — enter the access password" : "customer offline");

let view = null;
let password = "";
let userClosed = false;
let retries = 0;
let noDisplay = false; // the computer said it has no display: do not retry

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
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/api/v1/sessions/${id}/stream/${grant.stream}?token=${encodeURIComponent(grant.token)}`);
  view = connect(ws, canvas, {
    onScreen: (scr) => {
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
    },
    onState: (st) => {
      noDisplay = st.noDisplay;
      $("control").textContent = st.noDisplay ? "This computer has no display."
        : st.paused ? "The customer paused control."
        : st.controlAllowed ? "control allowed" : "view only";
    },
    onError: (e) => setState("stream error: " + e.message),
  });
  $("auth").hidden = true;
  $("refresh").hidden = $("disconnect").hidden = false;
  ws.addEventListener("open", () => { retries = 0; });
  ws.addEventListener("close", (ev) => {
    view = null;
    $("refresh").hidden = $("disconnect").hidden = true;
    $("displays").hidden = true;
    // A dropped link (not the technician's click, not the customer's
    // refusal) reconnects by itself with growing delays.
    const refused = ev.code === 1008;
    if (noDisplay) {
      setState("no display — nobody is logged in to a desktop on this computer");
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
// Jump sessions need no access password (unattended access, D2).
if (s.jump_client_id) {
  $("view-password").required = false;
  $("auth").hidden = true;
  start();
}

$("displays").onchange = () => view?.selectDisplay(Number($("displays").value));
$("refresh").onclick = () => view?.refresh();
$("disconnect").onclick = () => { userClosed = true; view?.close(); };

// "Pin as Jump Client" (C2) for ad hoc sessions: the customer is asked,
// and the answer shows up in the session's pin status.
if (!s.jump_client_id) {
  $("pin-open").hidden = false;
  $("pin-name").value = s.computer || "";
  $("pin-open").onclick = () => { $("pin").hidden = false; };
  $("pin-close").onclick = () => { $("pin").hidden = true; };
  const pinText = { pending: "Waiting for the customer to allow…", denied: "The customer denied the pin.",
    installing: "Allowed — installing the Jump Client…", pinned: "Pinned: the Jump Client is installed." };
  const watchPin = async () => {
    for (let i = 0; i < 300; i++) {
      const g = await api("GET", "/sessions/" + id);
      const st = g.pin?.status;
      $("pin-state").textContent = pinText[st] || "";
      if (st === "pinned" || st === "denied") return;
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  $("pin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", `/sessions/${id}/pin`, { name: $("pin-name").value, jump_group: $("pin-group").value,
        tag: $("pin-tag").value, comments: $("pin-comments").value });
      await watchPin();
    } catch (e) { $("pin-state").textContent = e.message; }
  });
}

// reboot.js hook (SPEC B1–B5): the Reboot buttons, the wait for the
// computer and the reconnection after it live in reboot.js.
initReboot({ id, session: s, setState, reconnect: () => { if (!view) { userClosed = false; retries = 0; start(); } } });
