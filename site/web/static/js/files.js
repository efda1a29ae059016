// The viewer's files pane (D3, SPEC G): browse folders on the remote
// computer, upload with a progress bar and Cancel, download with progress.
// Relative paths are in the agent's transfer folder; jump clients may use
// absolute paths (site policy). The customer of a support app is asked for
// each transfer, so a transfer may wait for an answer.
import { fmtBytes } from "./panes.js";

const $ = (s) => document.getElementById(s);
let csrf = "";

const join = (dir, name) => (dir === "" || dir === "." ? name : dir.replace(/\/+$/, "") + "/" + name);
const parent = (dir) => {
  const d = dir.replace(/\/+$/, "");
  const i = d.lastIndexOf("/");
  return i < 0 ? "" : i === 0 ? "/" : d.slice(0, i);
};

async function errorText(res) {
  const b = await res.json().catch(() => ({}));
  return b.error?.message || res.statusText;
}

export function initFiles(id) {
  let dir = "";
  let active = null; // the running transfer's AbortController or XHR
  const base = `/api/v1/sessions/${id}/files?path=`;
  const state = (t) => { $("files-state").textContent = t; };

  const list = async (d) => {
    state("reading the folder…");
    const res = await fetch(base + encodeURIComponent(d || "."), { credentials: "same-origin" });
    if (!res.ok) { state(await errorText(res)); return; }
    if (!(res.headers.get("Content-Type") || "").startsWith("application/json")) {
      res.body?.cancel();
      state("That is a file: click it in its folder to download it.");
      return;
    }
    const l = await res.json();
    dir = d;
    $("files-path").value = d;
    const rows = l.items.map((it) => {
      const tr = document.createElement("tr");
      const a = document.createElement("a");
      a.href = "#";
      a.textContent = it.name + (it.dir ? "/" : "");
      a.onclick = (ev) => { ev.preventDefault(); it.dir ? list(join(dir, it.name)) : download(join(dir, it.name), it.size); };
      const name = document.createElement("td"); name.append(a);
      const size = document.createElement("td"); size.textContent = it.dir ? "" : fmtBytes(it.size);
      const mod = document.createElement("td"); mod.textContent = new Date(it.modified).toLocaleString();
      tr.append(name, size, mod);
      return tr;
    });
    $("files-list").tBodies[0].replaceChildren(...rows);
    state(l.items.length ? (l.truncated ? "Only the first entries are shown." : "") : "The folder is empty.");
  };

  const progress = (name, done, total) => {
    $("transfer").hidden = false;
    $("transfer-name").textContent = name;
    $("transfer-progress").value = total > 0 ? done / total : 0;
  };
  const finished = (text) => { active = null; $("transfer").hidden = true; state(text); };

  // Download: streamed into memory (the browser's own download needs the
  // bytes, and fetch shows the progress), then saved with a link click.
  const download = async (path, size) => {
    if (active) return;
    const ctl = new AbortController();
    active = ctl;
    const name = path.split("/").pop();
    progress(`Downloading ${name} — waiting for the customer to allow…`, 0, size);
    try {
      const res = await fetch(base + encodeURIComponent(path), { credentials: "same-origin", signal: ctl.signal });
      if (!res.ok) { finished(await errorText(res)); return; }
      const total = Number(res.headers.get("X-Tether-Size")) || size;
      const reader = res.body.getReader();
      const parts = [];
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        got += value.length;
        progress(`Downloading ${name}`, got, total);
      }
      if (got !== total) { finished(`Download of ${name} broke off after ${fmtBytes(got)}.`); return; }
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob(parts));
      a.download = name;
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 60000);
      finished(`Downloaded ${name} (${fmtBytes(got)}).`);
    } catch (e) {
      finished(e.name === "AbortError" ? "Download cancelled." : e.message);
    }
  };

  // Upload: XMLHttpRequest, the one browser API with upload progress; the
  // file is streamed from disk by the browser.
  const upload = (file) => {
    if (active) return;
    const path = join(dir, file.name);
    const xhr = new XMLHttpRequest();
    active = xhr;
    xhr.open("PUT", base + encodeURIComponent(path));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    progress(`Uploading ${file.name} — waiting for the customer to allow…`, 0, file.size);
    xhr.upload.onprogress = (e) => progress(`Uploading ${file.name}`, e.loaded, e.total);
    xhr.onload = () => {
      if (xhr.status === 201) {
        const r = JSON.parse(xhr.responseText);
        const msg = `Uploaded ${r.path} (${fmtBytes(r.size)}, SHA-256 ${r.sha256.slice(0, 12)}…).`;
        finished(msg);
        list(dir).then(() => state(msg));
      } else {
        let msg = xhr.statusText;
        try { msg = JSON.parse(xhr.responseText).error.message; } catch { /* keep the status */ }
        finished(msg);
      }
    };
    xhr.onerror = () => finished("Upload failed: the connection broke.");
    xhr.onabort = () => finished("Upload cancelled.");
    xhr.send(file);
  };

  $("files-nav").addEventListener("submit", (ev) => { ev.preventDefault(); list($("files-path").value.trim()); });
  $("files-up").onclick = () => list(parent(dir));
  $("files-upload").onchange = () => {
    const f = $("files-upload").files[0];
    $("files-upload").value = "";
    if (f) upload(f);
  };
  $("transfer-cancel").onclick = () => active?.abort();
  fetch("/api/v1/me", { credentials: "same-origin" }).then((r) => r.json()).then((me) => { csrf = me.csrf || ""; });
  let loaded = false;
  return () => { if (!loaded) { loaded = true; list(""); } };
}
