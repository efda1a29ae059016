// Clipboard text both ways while the viewer has focus (D1). A clipboard
// stream runs beside the view: what the technician copied goes to the
// remote clipboard when the viewer gets focus (navigator.clipboard where
// the browser permits it, else a paste into the page), and what is copied
// on the remote computer comes back and is written to the technician's
// clipboard (where permitted) and shown in the toolbar.
import { api } from "./api.js";

const $ = (s) => document.getElementById(s);
const MAX = 1 << 20;

export function startClipboard(id, canvas) {
  let ws = null;
  let closed = false;
  let lastSent = null;
  let lastGot = null;
  const note = (t) => { $("clip-state").textContent = t; $("clip-state").hidden = !t; };
  const send = (text) => {
    if (!ws || ws.readyState !== 1 || typeof text !== "string" || !text || text === lastSent || text === lastGot) return;
    if (new TextEncoder().encode(text).length > MAX) { note("Clipboard text over 1 MiB is not sent."); return; }
    lastSent = text;
    ws.send(JSON.stringify({ text }));
    note(`Clipboard sent to the remote computer (${[...text].length} characters).`);
  };
  const pull = () => {
    navigator.clipboard?.readText?.().then(send).catch(() => { /* not permitted: paste events still work */ });
  };
  const onPaste = (e) => { send(e.clipboardData?.getData("text") ?? ""); };
  (async () => {
    let grant;
    try {
      grant = await api("POST", `/sessions/${id}/clipboard`);
    } catch (e) {
      note(`Clipboard not shared: ${e.message}`);
      return;
    }
    if (closed) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/api/v1/sessions/${id}/stream/${grant.stream}?token=${encodeURIComponent(grant.token)}`);
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.ready) { if (document.hasFocus()) pull(); return; }
      lastGot = m.text;
      note(`Remote clipboard: ${[...m.text].length} characters copied.`);
      $("clip-state").dataset.text = m.text;
      navigator.clipboard?.writeText?.(m.text).catch(() => {});
    };
    ws.onclose = () => { ws = null; };
  })();
  canvas.addEventListener("focus", pull);
  window.addEventListener("focus", pull);
  document.addEventListener("paste", onPaste, true);
  return {
    send,
    close: () => {
      closed = true;
      ws?.close();
      canvas.removeEventListener("focus", pull);
      window.removeEventListener("focus", pull);
      document.removeEventListener("paste", onPaste, true);
    },
  };
}
