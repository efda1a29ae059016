// The viewer's chat (D3): messages are polled from the site (every 2 s) and
// the technician's go out through the API; while the chat pane is closed,
// the customer's new messages mark the Chat button unread.
import { api } from "./api.js";

const $ = (s) => document.getElementById(s);

export function initChat(id, isOpen) {
  let last = 0;
  let unread = 0;
  const mark = () => {
    $("chat-unread").textContent = unread ? String(unread) : "";
    $("chat-unread").hidden = !unread;
  };
  const add = (m) => {
    const li = document.createElement("li");
    li.className = m.from;
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = `${m.from === "technician" ? m.name || "You" : m.name || "Customer"} · ${new Date(m.at).toLocaleTimeString()}`;
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = m.text;
    li.append(who, text);
    $("chat-log").append(li);
    li.scrollIntoView({ block: "end" });
  };
  const poll = async () => {
    try {
      const r = await api("GET", `/sessions/${id}/chat?since=${last}`);
      for (const m of r.items) {
        last = Math.max(last, m.id);
        add(m);
        if (m.from === "customer" && !isOpen()) unread++;
      }
      mark();
    } catch { /* offline for a moment: the next poll catches up */ }
  };
  const send = async () => {
    const text = $("chat-input").value;
    if (!text.trim()) return;
    $("chat-error").textContent = "";
    try {
      await api("POST", `/sessions/${id}/chat`, { text });
      $("chat-input").value = "";
      await poll();
    } catch (e) {
      $("chat-error").textContent = e.message;
    }
  };
  $("chat-form").addEventListener("submit", (ev) => { ev.preventDefault(); send(); });
  $("chat-input").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send(); }
  });
  poll();
  setInterval(poll, 2000);
  return { opened: () => { unread = 0; mark(); $("chat-input").focus(); } };
}
