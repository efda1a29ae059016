// reboot.mjs drives the viewer's reboot (reboot.js) in headless Chromium
// for reboot_console_linux_test.go: the Reboot button with its
// confirmation, the status line counting up while the computer is away,
// the view starting again by itself when it is back; and what the site's
// offer hides: Safe Mode unless offered, everything for macOS (B5) with the
// reason shown.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD, SESSION_ID (a jump
// session on a Linux jump client that the test restarts a few seconds
// after its reboot). Optional: CHROMIUM, OUT_DIR (where reboot-fail.png
// goes).
// Prints "reboot.mjs: ok" on success; exits non-zero with
// "reboot.mjs: FAIL step: …" otherwise.
import { start } from "./browser.mjs";

const h = await start("reboot", { work: false, viewport: { width: 1280, height: 720 }, states: { note: "#reboot-note" } });
const { page, until, text, fail, site, errors } = h;
const id = h.env("SESSION_ID");
const dialogs = [];
page.on("dialog", (d) => { dialogs.push(d.message()); d.accept(); });
let views = 0; // POST /sessions/{id}/view
page.on("request", (r) => { if (r.method() === "POST" && r.url().endsWith(`/sessions/${id}/view`)) views++; });
const counter = /^rebooting… waiting for the computer \((\d+):(\d\d)\)$/;
const seconds = (s) => { const m = counter.exec(s); return m ? Number(m[1]) * 60 + Number(m[2]) : -1; };

await h.run(async () => {
  await h.login();

  h.step = "viewer";
  await page.goto(`${site}/console/sessions/${id}`);
  await page.waitForSelector("#reboot:not([hidden])");
  if (await page.locator("#reboot").isDisabled()) fail("Reboot is disabled for a Linux jump client");
  if (await page.locator("#reboot-safe").isVisible()) fail("Safe Mode offered for a Linux jump client");
  await until("the first view", async () => views >= 1 && /no display/.test(await text("#state")));

  h.step = "reboot";
  const before = views;
  await page.click("#reboot");
  if (dialogs.length !== 1 || !dialogs[0].startsWith("Reboot the computer?")) fail(`confirmation: ${JSON.stringify(dialogs)}`);
  await until("the countdown", async () => seconds(await text("#state")) >= 0);
  const first = seconds(await text("#state"));
  await until("the countdown counting up", async () => seconds(await text("#state")) >= first + 2);
  if (!(await page.locator("#reboot").isDisabled())) fail("Reboot stays clickable while rebooting");

  h.step = "back";
  await until("the computer back", async () => (await text("#reboot-note")) === "The computer is back — reconnecting…", 30000);
  await until("a new view", async () => views > before && /no display/.test(await text("#state")));
  if (await page.locator("#reboot").isDisabled()) fail("Reboot disabled after the computer came back");

  h.step = "reopened while rebooting";
  // A viewer opened during a reboot picks the count up from the site's
  // start time.
  const started = new Date(Date.now() - 65000).toISOString();
  await page.route(`**/api/v1/sessions/${id}`, async (route) => {
    const res = await route.fetch();
    const s = await res.json();
    await route.fulfill({ response: res, json: { ...s, status: "rebooting", reboot_started_at: started } });
  });
  await page.reload();
  await until("the count from the site's start", async () => seconds(await text("#state")) >= 65);
  await page.unroute(`**/api/v1/sessions/${id}`);

  h.step = "offers";
  const offer = async (reboot) => {
    await page.unroute(`**/api/v1/sessions/${id}`);
    await page.route(`**/api/v1/sessions/${id}`, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), reboot } });
    });
    await page.reload();
    await page.waitForSelector("#reboot:not([hidden])");
  };
  await offer({ available: true, safe_mode: true });
  if (!(await page.locator("#reboot-safe").isVisible())) fail("Safe Mode not offered for a Windows service jump client");
  const reason = "Reboot and reconnect is not offered for macOS computers.";
  await offer({ available: false, safe_mode: false, reason });
  if (!(await page.locator("#reboot").isDisabled())) fail("Reboot offered for macOS");
  if ((await text("#reboot-note")) !== reason) fail(`macOS reason: ${await text("#reboot-note")}`);
  if (await page.locator("#reboot-safe").isVisible()) fail("Safe Mode offered for macOS");

  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
});
