import { api, requireLogin, fmtTime } from "./api.js";
import { setupPasswordChange } from "./password.js";

const me = await requireLogin();
document.getElementById("who").textContent = me.name + (me.admin ? " (admin)" : "");
document.getElementById("logout").onclick = async () => {
  await api("POST", "/logout", {});
  location.href = "/console/login";
};
setupPasswordChange();

const errBox = document.getElementById("error");

document.getElementById("create").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  errBox.textContent = "";
  try {
    const s = await api("POST", "/sessions", {
      customer_name: document.getElementById("customer_name").value,
      customer_email: document.getElementById("customer_email").value,
      expires_in: document.getElementById("expires_in").value,
      password: document.getElementById("password").value,
    });
    document.getElementById("created").hidden = false;
    document.getElementById("new_code").textContent = s.code.replace(/(\d{3})(?=\d)/g, "$1 ");
    document.getElementById("new_link").value = s.download_url;
    document.getElementById("new_security_code").textContent = s.security_code;
    document.getElementById("email_state").textContent = s.email_sent_at
      ? "E-mail sent " + fmtTime(s.email_sent_at)
      : (s.email_error ? "E-mail failed: " + s.email_error : "");
    document.getElementById("password").value = "";
    await refresh();
  } catch (e) {
    errBox.textContent = e.message;
  }
});

document.getElementById("copy_link").onclick = () =>
  navigator.clipboard.writeText(document.getElementById("new_link").value);

function cell(tr, text, cls) {
  const td = tr.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function button(td, label, cls, fn) {
  const b = document.createElement("button");
  b.textContent = label;
  if (cls) b.className = cls;
  b.onclick = async () => {
    errBox.textContent = "";
    try { await fn(); await refresh(); } catch (e) { errBox.textContent = e.message; }
  };
  td.append(b, " ");
}

async function refresh() {
  const { items } = await api("GET", "/sessions");
  const tbody = document.querySelector("#sessions tbody");
  tbody.replaceChildren();
  for (const s of items) {
    const tr = tbody.insertRow();
    tr.dataset.id = s.id;
    cell(tr, s.code);
    cell(tr, s.customer_name || "—");
    const st = cell(tr, s.status + (s.locked ? " — locked" : ""), "status status-" + s.status);
    if (s.locked) {
      // The customer's app says the session is locked and to contact us.
      st.title = "Too many wrong security codes were typed: nobody can activate this session any more. " +
        "End it and create a new session for the customer.";
      st.classList.add("locked");
    }
    cell(tr, s.computer || "—");
    cell(tr, s.online ? "online since " + fmtTime(s.online_since)
      : (s.last_online ? "last online " + fmtTime(s.last_online) : "—"));
    cell(tr, fmtTime(s.expires_at));
    cell(tr, s.email_sent_at ? "sent " + fmtTime(s.email_sent_at) : "—");
    const td = tr.insertCell();
    const live = !["closed", "expired", "deleted"].includes(s.status);
    if (live && ["activated", "connected", "rebooting"].includes(s.status)) { // a rebooting one shows its wait
      const a = document.createElement("a");
      a.href = "/console/sessions/" + s.id;
      a.textContent = "Open";
      td.append(a, " ");
    }
    if (s.recording) { // recording.js plays it
      const a = document.createElement("a");
      a.href = `/console/sessions/${s.id}/recording`;
      a.textContent = "Recording";
      a.className = "recording";
      td.append(a, " ");
    }
    if (live) button(td, "End session now", "", () => api("POST", `/sessions/${s.id}/close`, {}));
    if (s.status !== "deleted") button(td, "Delete", "danger", () => api("DELETE", `/sessions/${s.id}`));
  }
}

await refresh();
setInterval(() => refresh().catch(() => {}), 3000);
