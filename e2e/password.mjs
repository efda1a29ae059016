// password.mjs drives the technician's own password change in headless
// Chromium for password_test.go: the dialog refuses a wrong current
// password and differing new ones, a right change ends the login and lands
// on the login page with a notice, and the new password logs in.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD, NEW_PASSWORD.
// Optional: CHROMIUM, OUT_DIR (where password-fail.png goes).
// Prints "password.mjs: ok" on success; exits non-zero with
// "password.mjs: FAIL step: …" otherwise.
import { start } from "./browser.mjs";

const h = await start("password", { work: false, untilMs: 15000, states: { error: "#password-error" } });
const { page, until, fail, env, site } = h;
const fillChange = async (current, next, again) => {
  await page.fill("#current-password", current);
  await page.fill("#new-password", next);
  await page.fill("#new-password-again", again);
  await page.click("#password-save");
};

await h.run(async () => {
  await h.login();

  h.step = "wrong current password";
  await page.click("#change-password");
  await until("the dialog", async () => page.locator("#password-dialog").isVisible());
  await fillChange("not-my-password", env("NEW_PASSWORD"), env("NEW_PASSWORD"));
  await until("refused", async () => (await h.text("#password-error")) === "The current password is wrong.");

  h.step = "new passwords differ";
  await fillChange(env("TECH_PASSWORD"), env("NEW_PASSWORD"), env("NEW_PASSWORD") + "x");
  await until("refused", async () => (await h.text("#password-error")) === "The new passwords differ.");
  if (page.url() !== `${site}/console/`) fail(`left the page: ${page.url()}`);

  h.step = "change";
  await Promise.all([page.waitForURL((u) => u.pathname === "/console/login"), fillChange(env("TECH_PASSWORD"), env("NEW_PASSWORD"), env("NEW_PASSWORD"))]);
  await until("the notice", async () => page.locator("#notice").isVisible());

  h.step = "the old login ended";
  await page.goto(`${site}/console/`);
  await page.waitForURL((u) => u.pathname === "/console/login");

  h.step = "log in with the new password";
  await page.fill("#name", env("TECH_NAME"));
  await page.fill("#password", env("NEW_PASSWORD"));
  await Promise.all([page.waitForURL((u) => u.pathname === "/console/"), page.click("button[type=submit]")]);
});
