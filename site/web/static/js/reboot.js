// Reboot and reconnect in the viewer (SPEC B1–B5). It lives apart from
// viewer.js on purpose: viewer.html has the buttons (#reboot, #reboot-safe,
// #reboot-note) and viewer.js calls initReboot once — look for "reboot.js
// hook" in both; everything else is here.
//
// The site says what may be offered (GET /sessions/{id} → reboot:
// {available, safe_mode, reason}): nothing for macOS (B5), with the reason
// shown; "Reboot into Safe Mode" only for Windows jump clients running as a
// service (B2). While the computer reboots the status line counts up, and
// the session is polled until the computer is back; then the view starts
// again by itself.
import { api } from "./api.js";

const POLL_MS = 2000;

// mmss formats elapsed milliseconds as m:ss.
export function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// initReboot wires the buttons for session (the viewer's GET answer).
//   setState(text)  shows the viewer's status line
//   reconnect()     starts the view again (a no-op while one runs)
export function initReboot({ id, session, setState, reconnect, pollMs = POLL_MS }) {
  const $ = (s) => document.getElementById(s);
  const btn = $("reboot"), safe = $("reboot-safe"), note = $("reboot-note");
  const offer = session.reboot || { available: false };
  btn.hidden = false;
  if (!offer.available) {
    btn.disabled = true;
    btn.title = note.textContent = offer.reason || "Reboot and reconnect is not available for this computer.";
    return;
  }
  safe.hidden = !offer.safe_mode;
  let waiting = false;

  async function ask(safeMode) {
    const what = safeMode ? "Reboot the computer into Safe Mode with networking" : "Reboot the computer";
    const asked = session.jump_client_id ? "" : " The customer is asked first (depending on this site's settings).";
    if (!confirm(`${what}? It reconnects to this session by itself when it is back.${asked}`)) return;
    note.textContent = "";
    try {
      const s = await api("POST", `/sessions/${id}/reboot`, { safe_mode: safeMode });
      wait(s.reboot_started_at, safeMode);
    } catch (e) {
      note.textContent = e.message;
    }
  }

  // wait counts up and polls until the session leaves "rebooting".
  function wait(startedAt, safeMode) {
    if (waiting) return;
    waiting = true;
    btn.disabled = safe.disabled = true;
    // Counted on this clock: the site's may differ. A viewer opened during
    // the reboot starts from the site's start time.
    const began = Date.now() - Math.max(0, startedAt ? Date.now() - Date.parse(startedAt) : 0);
    const mode = safeMode ? " (Safe Mode)" : "";
    const tick = () => setState(`rebooting${mode}… waiting for the computer (${mmss(Date.now() - began)})`);
    tick();
    const timer = setInterval(tick, 500);
    const done = (text, again) => {
      clearInterval(timer);
      waiting = false;
      btn.disabled = safe.disabled = false;
      note.textContent = text;
      setState(text);
      if (again) reconnect();
    };
    const poll = async () => {
      let s;
      try {
        s = await api("GET", "/sessions/" + id);
      } catch {
        return setTimeout(poll, pollMs); // the site restarting: keep waiting
      }
      if (s.status === "rebooting") return setTimeout(poll, pollMs);
      if (s.status !== "activated" && s.status !== "connected") {
        const why = s.status === "expired" ? "the computer did not come back in time; the session has expired" : `the session is ${s.status}`;
        return done(`Reboot: ${why}.`, false);
      }
      const last = await lastRebootEvent();
      if (last?.event === "reboot_declined") return done("The customer declined the reboot.", false);
      if (last?.event === "reboot_failed") return done(`The computer was not rebooted${last.detail ? ": " + last.detail : ""}.`, true);
      done("The computer is back — reconnecting…", true);
    };
    setTimeout(poll, pollMs);
  }

  // lastRebootEvent is how the last reboot ended, from the audit log.
  async function lastRebootEvent() {
    try {
      const a = await api("GET", `/audit?session=${encodeURIComponent(id)}`);
      const ends = new Set(["reboot_declined", "reboot_failed", "rejoined"]);
      return (a.items || []).filter((e) => ends.has(e.event)).pop();
    } catch {
      return null;
    }
  }

  btn.onclick = () => ask(false);
  safe.onclick = () => ask(true);
  if (session.status === "rebooting") wait(session.reboot_started_at, session.reboot_safe_mode);
}
