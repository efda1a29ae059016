// The viewer's side pane: one of chat, files, system information or "Pin
// as Jump Client" at a time, beside the screen (never over it), closed
// with ✕ or by clicking its toolbar button again.
import { api } from "./api.js";
import { initChat } from "./chat.js";
import { initFiles } from "./files.js";

const $ = (s) => document.getElementById(s);
const titles = { chat: "Chat", files: "Files", sysinfo: "System information", pin: "Pin as Jump Client" };

export function initPanes(id, session) {
  let current = "";
  const listeners = {};
  const show = (name) => {
    current = current === name ? "" : name;
    $("pane").hidden = !current;
    for (const n of Object.keys(titles)) {
      $("pane-" + n).hidden = n !== current;
      document.querySelector(`[data-pane="${n}"]`)?.classList.toggle("active", n === current);
    }
    $("pane-title").textContent = titles[current] || "";
    if (current) listeners[current]?.();
  };
  for (const b of document.querySelectorAll("[data-pane]")) b.onclick = () => show(b.dataset.pane);
  $("pane-close").onclick = () => show(current);

  const chat = initChat(id, () => current === "chat");
  listeners.chat = chat.opened;
  listeners.files = initFiles(id);
  listeners.sysinfo = () => loadSysinfo(id);
  $("sysinfo-refresh").onclick = () => loadSysinfo(id);
  if (!session.jump_client_id) initPin(id, session);
}

const fmtBytes = (n) => {
  if (n == null) return "—";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (; n >= 1024 && i < u.length - 1; i++) n /= 1024;
  return `${i ? n.toFixed(1) : n} ${u[i]}`;
};
export { fmtBytes };

async function loadSysinfo(id) {
  $("sysinfo-state").textContent = "asking the computer…";
  try {
    const i = await api("GET", `/sessions/${id}/sysinfo`);
    const rows = [
      ["Computer", i.hostname],
      ["System", [i.os?.name, i.os?.kernel, i.os?.arch].filter(Boolean).join(" · ")],
      ["Uptime", i.uptime_s != null ? `${Math.floor(i.uptime_s / 86400)} d ${Math.floor(i.uptime_s % 86400 / 3600)} h` : ""],
      ["CPU", i.cpu ? `${i.cpu.model || ""} (${i.cpu.cores || "?"} cores${i.cpu.usage_percent != null ? ", " + Math.round(i.cpu.usage_percent) + " % busy" : ""})` : ""],
      ["Memory", i.memory ? `${fmtBytes(i.memory.used)} of ${fmtBytes(i.memory.total)} used` : ""],
      ...(i.disks || []).map((d) => [`Disk ${d.mount}`, `${fmtBytes(d.free)} free of ${fmtBytes(d.total)} (${d.fs})`]),
      ...(i.interfaces || []).filter((n) => !n.loopback).map((n) => [`Network ${n.name}`, (n.addresses || []).join(", ")]),
      ["Users", (i.users || []).map((u) => u.name + (u.terminal ? ` (${u.terminal})` : "")).join(", ")],
      ["Top processes", (i.processes || []).slice(0, 8).map((p) => `${p.name} ${Math.round(p.cpu_percent)} %`).join(", ")],
    ];
    $("sysinfo").replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => {
      const dt = document.createElement("dt"); dt.textContent = k;
      const dd = document.createElement("dd"); dd.textContent = v;
      return [dt, dd];
    }));
    $("sysinfo-state").textContent = i.errors?.length ? "Partly unavailable: " + i.errors.join("; ") : "";
  } catch (e) {
    $("sysinfo-state").textContent = e.message;
  }
}

// "Pin as Jump Client" (C2) for ad hoc sessions: the customer is asked,
// and the answer shows up in the session's pin status.
function initPin(id, s) {
  $("pin-open").hidden = false;
  $("pin-name").value = s.computer || "";
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
  $("pane-pin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", `/sessions/${id}/pin`, { name: $("pin-name").value, jump_group: $("pin-group").value,
        tag: $("pin-tag").value, comments: $("pin-comments").value });
      await watchPin();
    } catch (e) { $("pin-state").textContent = e.message; }
  });
}
