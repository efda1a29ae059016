import { api, requireLogin, fmtTime } from "./api.js";

const me = await requireLogin();
const $ = (s) => document.getElementById(s);
$("who").textContent = me.name;

async function refresh() {
  const q = new URLSearchParams();
  if ($("q").value) q.set("q", $("q").value);
  if ($("fields").value) q.set("fields", $("fields").value);
  const { items, counts } = await api("GET", "/jump-clients?" + q);
  const tbody = document.querySelector("#jumpclients tbody");
  tbody.replaceChildren();
  for (const jc of items) {
    const tr = tbody.insertRow();
    for (const v of [jc.name, `${jc.hostname} ${jc.private_ip || ""}`, jc.jump_method, jc.comments, jc.group, jc.tag,
      jc.status + (jc.status === "offline" ? ` (last seen ${fmtTime(jc.last_seen)})` : "")]) {
      tr.insertCell().textContent = v || "—";
    }
    const td = tr.insertCell();
    const jump = document.createElement("button");
    jump.textContent = "Jump";
    jump.disabled = jc.status !== "online";
    jump.onclick = async () => {
      try {
        const r = await api("POST", `/jump-clients/${jc.id}/jump`, {});
        location.href = "/console/sessions/" + r.session_id;
      } catch (e) { $("error").textContent = e.message; }
    };
    const rm = document.createElement("button");
    rm.textContent = "Remove";
    rm.className = "danger";
    rm.onclick = async () => {
      try { await api("DELETE", `/jump-clients/${jc.id}`); await refresh(); } catch (e) { $("error").textContent = e.message; }
    };
    td.append(jump, " ", rm);
  }
  $("footer").textContent = `${counts.total} Jump Clients total. ${counts.online} online. ${counts.offline} offline. ${counts.passive} passive.`;
}

$("search").addEventListener("submit", (ev) => { ev.preventDefault(); refresh(); });

const { platforms } = await api("GET", "/platforms");
$("platform").replaceChildren(...platforms.map((p) => Object.assign(document.createElement("option"), { textContent: p })));
$("installer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const r = await api("POST", "/installers", {
      platform: $("platform").value, mode: $("mode").value, jump_group: $("jump_group").value,
      tag: $("tag").value, comments: $("comments").value, valid_for: $("valid_for").value,
    });
    const a = Object.assign(document.createElement("a"), { href: r.download_url, textContent: r.download_url });
    $("installer_out").replaceChildren("Download (valid until " + fmtTime(r.expires_at) + "): ", a, ` — KEY_INFO=${r.key_info}`);
  } catch (e) { $("error").textContent = e.message; }
});

await refresh();
setInterval(() => refresh().catch(() => {}), 5000);
