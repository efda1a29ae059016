import { api } from "./api.js";

// After a password change the site ended this browser's login too.
document.getElementById("notice").hidden = new URLSearchParams(location.search).get("changed") !== "1";

document.getElementById("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = document.getElementById("error");
  err.textContent = "";
  try {
    await api("POST", "/login", {
      name: document.getElementById("name").value,
      password: document.getElementById("password").value,
    });
    const next = new URLSearchParams(location.search).get("next");
    location.href = next && next.startsWith("/console/") ? next : "/console/";
  } catch (e) {
    err.textContent = e.message;
  }
});
