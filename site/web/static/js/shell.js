// The browser terminal of a session (D4): xterm.js on a shell stream. The
// agent runs the shell on a pseudo-terminal; binary messages carry the
// terminal's bytes both ways (UTF-8), text messages the size and, from the
// agent, "ready" and the exit status. docs/TOOLKIT.md.
import { api, requireLogin } from "./api.js";
import { Terminal } from "../vendor/xterm.js";
import { FitAddon } from "../vendor/xterm-addon-fit.js";

await requireLogin();
const id = location.pathname.split("/")[3];
const $ = (s) => document.getElementById(s);
const setState = (t) => { $("state").textContent = t; };
$("back").href = `/console/sessions/${id}`;

const s = await api("GET", "/sessions/" + id);
$("title").textContent = `Shell — ${s.computer || s.customer_name || s.code}`;
document.title = `Tether — shell — ${s.computer || s.code}`;

const term = new Terminal({ cursorBlink: true, fontFamily: "DejaVu Sans Mono, monospace", fontSize: 14, scrollback: 5000 });
const fit = new FitAddon();
term.loadAddon(fit);
term.open($("terminal"));
fit.fit();
// Copy: xterm.js selects; Ctrl+Shift+C copies the selection (Ctrl+C stays
// the shell's interrupt). Paste: the browser's paste goes to the shell.
term.attachCustomKeyEventHandler((e) => {
  if (e.type === "keydown" && e.ctrlKey && e.shiftKey && e.code === "KeyC") {
    const sel = term.getSelection();
    if (sel) navigator.clipboard?.writeText(sel).catch(() => {});
    return false;
  }
  if (e.type === "keydown" && e.ctrlKey && e.shiftKey && e.code === "KeyV") {
    navigator.clipboard?.readText().then((t) => t && term.paste(t)).catch(() => {});
    return false;
  }
  return true;
});

let ws = null;
const enc = new TextEncoder();
term.onData((d) => { if (ws?.readyState === 1) ws.send(enc.encode(d)); });
term.onBinary((d) => { if (ws?.readyState === 1) ws.send(Uint8Array.from(d, (c) => c.charCodeAt(0))); });
const sendSize = () => {
  if (ws?.readyState === 1) ws.send(JSON.stringify({ resize: { cols: term.cols, rows: term.rows } }));
};
term.onResize(sendSize);
new ResizeObserver(() => fit.fit()).observe($("terminal"));

async function start() {
  $("reconnect").hidden = true;
  setState("connecting…");
  let grant;
  try {
    grant = await api("POST", `/sessions/${id}/shell`, { cols: term.cols, rows: term.rows });
  } catch (e) {
    setState(e.message);
    $("reconnect").hidden = false;
    return;
  }
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  ws = new WebSocket(`${proto}//${location.host}/api/v1/sessions/${id}/stream/${grant.stream}?token=${encodeURIComponent(grant.token)}`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (ev) => {
    if (typeof ev.data !== "string") {
      term.write(new Uint8Array(ev.data));
      return;
    }
    const m = JSON.parse(ev.data);
    if (m.ready) {
      setState("connected");
      sendSize();
      term.focus();
    }
    if (m.exit !== undefined) setState(`the shell exited (status ${m.exit})`);
  };
  ws.onclose = (ev) => {
    ws = null;
    if (!$("state").textContent.startsWith("the shell exited")) {
      setState("disconnected" + (ev.reason ? ": " + ev.reason : ""));
    }
    $("reconnect").hidden = false;
  };
}
$("reconnect").onclick = start;
start();
