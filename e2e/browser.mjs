// browser.mjs is what the console scripts that Go e2e tests run share: a
// headless Chromium on the site (clipboard permissions granted), the step
// a script is at and its failure message, waiting with a screenshot and
// the page's state on a timeout, the hand-shake with the Go side through
// files in WORK_DIR ("step-NAME" written when a step is reached, "go-NAME"
// awaited where the Go side acts first), and the technician's login and
// first view.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// start opens the browser for script ("toolkit" prints "toolkit.mjs: …").
// states names more elements whose text a timeout reports (label →
// selector); untilMs and goAheadMs are the default waits. work: false for
// the scripts that do not talk to the Go side (no WORK_DIR); failShot is
// the screenshot a failure leaves in OUT_DIR.
export async function start(script, {
  states = {}, untilMs = 20000, goAheadMs = 30000, work = true,
  viewport = { width: 1024, height: 640 }, failShot = `${script}-fail.png`,
} = {}) {
  const h = { step: "setup", errors: [], logs: [] };
  // The page's console and errors go out before the FAIL line, which the
  // Go side reads as the last one.
  h.fail = (msg) => {
    for (const l of h.logs) console.error(l);
    console.error(`${script}.mjs: FAIL ${h.step}: ${msg}`);
    process.exit(1);
  };
  h.env = (n) => process.env[n] || h.fail(`environment variable ${n} is not set`);
  h.site = h.env("SITE_URL").replace(/\/$/, "");
  if (work) h.work = h.env("WORK_DIR");
  h.outDir = process.env.OUT_DIR || join(dirname(fileURLToPath(import.meta.url)), "out");
  mkdirSync(h.outDir, { recursive: true });
  h.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--ignore-certificate-errors"],
  });
  const context = h.context = await h.browser.newContext({ ignoreHTTPSErrors: true, viewport, acceptDownloads: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: h.site });
  const page = h.page = await context.newPage();
  page.on("console", (m) => h.logs.push(`[console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => { h.errors.push(e.message); h.logs.push(`[pageerror] ${e.message}`); });
  h.text = (sel) => page.locator(sel).textContent();
  const shot = () => page.screenshot({ path: join(h.outDir, failShot) }).catch(() => {});
  h.until = async (what, fn, ms = untilMs) => {
    const end = Date.now() + ms;
    for (;;) {
      if (await fn().catch(() => false)) return;
      if (Date.now() > end) {
        await shot();
        // A page without one of these (the jump list has no #state)
        // should not hold the report up for Playwright's 30 s.
        let seen = "";
        for (const [label, sel] of Object.entries({ state: "#state", ...states })) {
          seen += `${label} "${await page.locator(sel).textContent({ timeout: 1000 }).catch(() => "")}", `;
        }
        h.fail(`timed out waiting for ${what}; ${seen}errors ${h.errors.join("; ")}`);
      }
      await page.waitForTimeout(150);
    }
  };
  h.reached = (name) => writeFileSync(join(h.work, "step-" + name), "");
  h.goAhead = (name) => h.until(`the Go side (${name})`, async () => existsSync(join(h.work, "go-" + name)), goAheadMs);
  // login logs the technician in; ms bounds the wait for the console
  // (Playwright's default when not given).
  h.login = async (ms) => {
    h.step = "login";
    await page.goto(`${h.site}/console/login`);
    await page.fill("#name", h.env("TECH_NAME"));
    await page.fill("#password", h.env("TECH_PASSWORD"));
    await Promise.all([page.waitForURL((u) => u.pathname === "/console/", { timeout: ms }), page.click("button[type=submit]")]);
  };
  // viewSession logs the technician in and opens session SESSION_ID's
  // view; connected says when the viewer shows the screen.
  h.viewSession = async (connected) => {
    await h.login();
    h.step = "connect";
    await page.goto(`${h.site}/console/sessions/${h.env("SESSION_ID")}`);
    await page.fill("#view-password", h.env("ACCESS_PASSWORD"));
    await page.click("#view-connect");
    await h.until("the screen", connected);
  };
  // run runs the script's body; whatever it throws fails the step. ok:
  // false leaves the last line of stdout to the script (viewer.mjs's JSON
  // result, which e2e_test.go parses).
  h.run = async (body, { ok = true } = {}) => {
    try {
      await body();
      if (ok) console.log(`${script}.mjs: ok`);
    } catch (e) {
      await shot();
      h.fail(e.message);
    } finally {
      await h.browser.close();
    }
  };
  return h;
}
