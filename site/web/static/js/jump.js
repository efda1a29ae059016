// The jump list (C6–C8): groups with tags as sub-folders, search over the
// C7 fields, select one or many for Jump, Properties or Remove, a details
// pane, and the installer form (C2).
import { api, requireLogin, fmtTime } from "./api.js";
import { browserPlatform, installLine } from "./installlines.js";

const me = await requireLogin();
const $ = (s) => document.getElementById(s);
$("who").textContent = me.name;
const err = (e) => { $("error").textContent = e.message; };

let items = [];
let scope = { group: "", tag: "" };
const selected = new Set();

function selection() { return items.filter((jc) => selected.has(jc.id)); }

function updateButtons() {
  const sel = selection();
  $("jump").disabled = sel.length !== 1 || !["online", "passive"].includes(sel[0].status);
  $("props").disabled = sel.length === 0;
  $("remove").disabled = sel.length === 0;
}

function drawTree(all) {
  const groups = new Map();
  for (const jc of all) {
    if (!groups.has(jc.group)) groups.set(jc.group, new Set());
    if (jc.tag) groups.get(jc.group).add(jc.tag);
  }
  const li = (text, g, t) => {
    const a = Object.assign(document.createElement("a"), { href: "#", textContent: text });
    if (scope.group === g && scope.tag === t) a.className = "current";
    a.onclick = (ev) => { ev.preventDefault(); scope = { group: g, tag: t }; refresh().catch(err); };
    const el = document.createElement("li");
    el.append(a);
    return el;
  };
  const root = li("All jump clients", "", "");
  const nested = document.createElement("ul");
  for (const [g, tags] of [...groups].sort()) {
    const label = g === "user:" + me.name ? `${g} (personal)` : g;
    const el = li(label, g, "");
    const sub = document.createElement("ul");
    for (const t of [...tags].sort()) sub.append(li(t, g, t));
    el.append(sub);
    nested.append(el);
  }
  root.append(nested);
  $("tree").replaceChildren(root);
}

async function refresh() {
  const q = new URLSearchParams();
  if ($("q").value) q.set("q", $("q").value);
  if ($("fields").value) q.set("fields", $("fields").value);
  const all = await api("GET", "/jump-clients?" + q);
  drawTree(all.items);
  if (scope.group) q.set("group", scope.group);
  if (scope.tag) q.set("tag", scope.tag);
  const { counts } = scope.group ? await api("GET", "/jump-clients?" + q) : all;
  items = all.items.filter((jc) => (!scope.group || jc.group === scope.group) && (!scope.tag || jc.tag === scope.tag));
  $("scope").textContent = scope.group ? `— ${scope.group}${scope.tag ? " / " + scope.tag : ""}` : "";
  const tbody = document.querySelector("#jumpclients tbody");
  tbody.replaceChildren();
  for (const id of [...selected]) if (!items.some((jc) => jc.id === id)) selected.delete(id);
  for (const jc of items) {
    const tr = tbody.insertRow();
    tr.dataset.id = jc.id;
    const box = Object.assign(document.createElement("input"), { type: "checkbox", checked: selected.has(jc.id) });
    box.title = "Select " + jc.name;
    box.onchange = () => { box.checked ? selected.add(jc.id) : selected.delete(jc.id); updateButtons(); };
    tr.insertCell().append(box);
    for (const v of [jc.name, `${jc.hostname} ${jc.private_ip || ""}`, jc.jump_method, jc.comments, jc.group, jc.tag,
      jc.status + (jc.status === "offline" ? ` (last seen ${fmtTime(jc.last_seen)})` : "")]) {
      tr.insertCell().textContent = v || "—";
    }
    tr.onclick = (ev) => { if (ev.target !== box) showDetails(jc.id).catch(err); };
    tr.ondblclick = () => jump(jc.id);
  }
  updateButtons();
  $("footer").textContent = `${counts.total} Jump Clients total. ${counts.online} online. ${counts.offline} offline. ${counts.passive} passive.`;
}

function duration(sec) {
  const d = Math.floor(sec / 86400), h = Math.floor(sec % 86400 / 3600), m = Math.floor(sec % 3600 / 60);
  return (d ? d + " d " : "") + `${h} h ${m} min`;
}

async function showDetails(id) {
  const jc = await api("GET", "/jump-clients/" + id);
  const rows = [["Name", jc.name], ["Status", jc.status], ["OS", jc.os], ["Console user", jc.console_user],
    ["Domain / workgroup", [jc.domain, jc.workgroup].filter(Boolean).join(" / ")], ["Private IP", jc.private_ip],
    ["Public IP", jc.public_ip], ["Last access", fmtTime(jc.last_seen)], ["Version", jc.version],
    ["Uptime", jc.uptime_seconds ? duration(jc.uptime_seconds) : ""], ["Mode", jc.mode + (jc.passive ? ", passive" : "")],
    ["Display", jc.has_display ? "yes" : "none (headless)"]];
  $("details").replaceChildren(...rows.flatMap(([k, v]) => [
    Object.assign(document.createElement("dt"), { textContent: k }),
    Object.assign(document.createElement("dd"), { textContent: v || "—" })]));
  $("details").hidden = false;
}

async function jump(id) {
  $("error").textContent = "";
  try {
    $("error").textContent = "Starting the session…";
    const r = await api("POST", `/jump-clients/${id}/jump`, {});
    location.href = "/console/sessions/" + r.session_id;
  } catch (e) { err(e); }
}

$("jump").onclick = () => jump(selection()[0].id);
$("all").onchange = () => {
  for (const jc of items) $("all").checked ? selected.add(jc.id) : selected.delete(jc.id);
  refresh().catch(err);
};
$("remove").onclick = async () => {
  const sel = selection();
  if (!confirm(`Remove ${sel.length} jump client(s)? Access is revoked at once.`)) return;
  try {
    const r = await api("DELETE", "/jump-clients", { ids: sel.map((jc) => jc.id) });
    const failed = Object.keys(r.failed || {});
    $("error").textContent = failed.length ? `${failed.length} could not be removed.` : "";
    selected.clear();
    await refresh();
  } catch (e) { err(e); }
};
$("props").onclick = () => {
  const sel = selection();
  const one = sel.length === 1 ? sel[0] : null;
  $("props_for").textContent = one ? one.name : `${sel.length} jump clients (empty fields stay unchanged)`;
  $("p_name").disabled = !one;
  $("p_name").value = one ? one.name : "";
  $("p_group").value = one ? one.group : "";
  $("p_tag").value = one ? one.tag : "";
  $("p_comments").value = one ? one.comments : "";
  $("p_passive").checked = one ? one.passive : false;
  $("properties").hidden = false;
};
$("p_cancel").onclick = () => { $("properties").hidden = true; };
$("properties").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const sel = selection();
  const body = { passive: $("p_passive").checked };
  for (const [k, el] of [["name", "p_name"], ["jump_group", "p_group"], ["tag", "p_tag"], ["comments", "p_comments"]]) {
    if (!$(el).disabled && ($(el).value !== "" || sel.length === 1)) body[k] = $(el).value;
  }
  try {
    if (sel.length === 1) await api("PATCH", "/jump-clients/" + sel[0].id, body);
    else await api("PATCH", "/jump-clients", { ids: sel.map((jc) => jc.id), ...body });
    $("properties").hidden = true;
    await refresh();
  } catch (e) { err(e); }
});

$("copy_install_line").onclick = () => navigator.clipboard.writeText($("install_line").textContent);

$("search").addEventListener("submit", (ev) => { ev.preventDefault(); refresh().catch(err); });

const { platforms, packages } = await api("GET", "/platforms");
const option = (v) => Object.assign(document.createElement("option"), { textContent: v });
$("platform").replaceChildren(...platforms.map(option));
$("platform").value = browserPlatform(platforms);
// The packages that fit the chosen platform and this site can build, its
// default first (SPEC G).
const showPackages = () => $("package").replaceChildren(...(packages?.[$("platform").value] || []).map(option));
$("platform").addEventListener("change", showPackages);
showPackages();
$("installer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const emailTo = $("email_to").value.split(",").map((s) => s.trim()).filter(Boolean);
    const form = { tag: $("tag").value, jump_group: $("jump_group").value };
    const r = await api("POST", "/installers", {
      platform: $("platform").value, package: $("package").value, mode: $("mode").value, jump_group: form.jump_group,
      tag: form.tag, comments: $("comments").value, valid_for: $("valid_for").value,
      passive: $("passive").checked, email_to: emailTo,
    });
    const a = Object.assign(document.createElement("a"), { href: r.download_url, textContent: r.download_url });
    const failed = Object.entries(r.email_errors || {}).map(([to, e]) => `${to}: ${e}`);
    $("installer_out").replaceChildren("Download (valid until " + fmtTime(r.expires_at) + "): ", a, ` — KEY_INFO=${r.key_info}`,
      emailTo.length ? ` — e-mailed to ${emailTo.length - failed.length} of ${emailTo.length}` + (failed.length ? ` (${failed.join("; ")})` : "") : "");
    $("install_line").textContent = installLine(r, form);
    $("install_how").hidden = false;
  } catch (e) { err(e); }
});

await refresh();
setInterval(() => refresh().catch(() => {}), 5000);
