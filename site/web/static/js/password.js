// The technician's own password change (PUT /api/v1/me/password): the
// current password again, the new one twice. The site ends every console
// login of the user, this one too, so the page goes to the login after.
import { api } from "./api.js";

const $ = (s) => document.getElementById(s);

export function setupPasswordChange() {
  const dialog = $("password-dialog");
  const err = $("password-error");
  $("change-password").onclick = () => {
    $("password-form").reset();
    err.textContent = "";
    dialog.showModal();
  };
  $("password-cancel").onclick = () => dialog.close();
  $("password-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    if ($("new-password").value !== $("new-password-again").value) {
      err.textContent = "The new passwords differ.";
      return;
    }
    try {
      await api("PUT", "/me/password", {
        current_password: $("current-password").value,
        new_password: $("new-password").value,
      });
    } catch (e) {
      err.textContent = e.message;
      return;
    }
    location.href = "/console/login?changed=1";
  });
}
