import { api, requireLogin } from "./api.js";

await requireLogin();
const id = location.pathname.split("/").pop();
const s = await api("GET", "/sessions/" + id);
document.getElementById("title").textContent = `${s.code} — ${s.computer || s.customer_name || ""}`;
document.getElementById("state").textContent = s.status;
