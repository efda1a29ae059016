// clipboard.mjs drives the viewer's clipboard in headless Chromium for
// windows_support_wine_test.go: text copied on the remote computer shows
// in the viewer and lands on the technician's clipboard, and text on the
// technician's clipboard goes to the remote one when the viewer gets focus.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD, SESSION_ID,
// ACCESS_PASSWORD, WORK_DIR, REMOTE_TEXT (what the Go side copies on the
// remote computer), LOCAL_TEXT (what the technician copied). Optional:
// CHROMIUM, OUT_DIR. Talks to the Go test through files in WORK_DIR, as
// toolkit.mjs does: "step-NAME" when it reached a step, and it waits for
// "go-NAME". Prints "clipboard.mjs: ok" on success.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let step = "setup";
const fail = (msg) => { console.error(`clipboard.mjs: FAIL ${step}: ${msg}`); process.exit(1); };
const env = (n) => process.env[n] || fail(`environment variable ${n} is not set`);
const site = env("SITE_URL").replace(/\/$/, "");
const work = env("WORK_DIR");
const remoteText = env("REMOTE_TEXT"), localText = env("LOCAL_TEXT");
const outDir = process.env.OUT_DIR || join(dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--ignore-certificate-errors"],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 640 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: site });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) {
      await page.screenshot({ path: join(outDir, "clipboard-fail.png") }).catch(() => {});
      fail(`timed out waiting for ${what}; state "${await page.locator("#state").textContent().catch(() => "")}", clipboard "${await page.locator("#clip-state").textContent().catch(() => "")}", errors ${errors.join("; ")}`);
    }
    await page.waitForTimeout(150);
  }
}
const reached = (name) => writeFileSync(join(work, "step-" + name), "");
const goAhead = (name) => until(`the Go side (${name})`, async () => existsSync(join(work, "go-" + name)), 60000);
const text = (sel) => page.locator(sel).textContent();

try {
  step = "login";
  await page.goto(`${site}/console/login`);
  await page.fill("#name", env("TECH_NAME"));
  await page.fill("#password", env("TECH_PASSWORD"));
  await Promise.all([page.waitForURL((u) => u.pathname === "/console/"), page.click("button[type=submit]")]);

  step = "connect";
  await page.goto(`${site}/console/sessions/${env("SESSION_ID")}`);
  await page.fill("#view-password", env("ACCESS_PASSWORD"));
  await page.click("#view-connect");
  await until("connected", async () => /connected/i.test(await text("#state")) && !/disconnected/i.test(await text("#state")));
  reached("connected");

  step = "clipboard remote → viewer";
  await until("the remote clipboard text", async () => (await page.locator("#clip-state").getAttribute("data-text")) === remoteText, 60000);
  const local = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => "error " + e.message);
  if (local !== remoteText) fail(`the technician's clipboard holds ${JSON.stringify(local)}`);
  reached("got-remote");

  step = "clipboard viewer → remote";
  await page.evaluate((t) => navigator.clipboard.writeText(t), localText);
  await page.locator("#tab-chat").focus();
  await page.locator("#screen").focus();
  await until("sent", async () => (await text("#clip-state")).startsWith("Clipboard sent"));
  reached("sent");
  await goAhead("done");
  console.log("clipboard.mjs: ok");
} catch (e) {
  await page.screenshot({ path: join(outDir, "clipboard-fail.png") }).catch(() => {});
  fail(e.message);
}
await browser.close();
