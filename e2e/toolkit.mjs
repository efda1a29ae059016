// toolkit.mjs drives the session toolkit in headless Chromium for
// toolkit_linux_test.go: the viewer's chat (both ways, unread mark), files
// pane (upload with progress, browse, download), system information, the
// clipboard both ways, and the shell page typed into on a headless jump
// client.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD, SESSION_ID,
// ACCESS_PASSWORD, JUMP_SESSION_ID, WORK_DIR (scratch files). Optional:
// CHROMIUM, OUT_DIR. Talks to the Go test through files in WORK_DIR:
// it writes "step-NAME" when it reached a step, and waits for
// "go-NAME" where the Go side must act first.
// Prints "toolkit.mjs: ok" on success; exits non-zero with
// "toolkit.mjs: FAIL step: …" otherwise.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let step = "setup";
const fail = (msg) => { console.error(`toolkit.mjs: FAIL ${step}: ${msg}`); process.exit(1); };
const env = (n) => process.env[n] || fail(`environment variable ${n} is not set`);
const site = env("SITE_URL").replace(/\/$/, "");
const work = env("WORK_DIR");
const outDir = process.env.OUT_DIR || join(dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox", "--ignore-certificate-errors"],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1024, height: 640 }, acceptDownloads: true });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: site });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(e.message));
async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) {
      await page.screenshot({ path: join(outDir, "toolkit-fail.png") }).catch(() => {});
      fail(`timed out waiting for ${what}; state "${await page.locator("#state").textContent().catch(() => "")}", files "${await page.locator("#files-state").textContent().catch(() => "")}", errors ${errors.join("; ")}`);
    }
    await page.waitForTimeout(150);
  }
}
const reached = (name) => writeFileSync(join(work, "step-" + name), "");
const goAhead = (name) => until(`the Go side (${name})`, async () => existsSync(join(work, "go-" + name)), 30000);
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
  await until("the screen", async () => (await text("#state")).startsWith("connected"));
  reached("connected");

  step = "chat unread";
  await goAhead("customer-chat");
  await until("unread mark", async () => (await text("#chat-unread")) === "1" && await page.locator("#chat-unread").isVisible());
  step = "chat";
  await page.click("#tab-chat");
  await until("the customer's message", async () => (await text("#chat-log")).includes("Hello from the customer ✓"));
  if (await page.locator("#chat-unread").isVisible()) fail("still unread with the chat open");
  await page.fill("#chat-input", "Reply from the browser ✓");
  await page.press("#chat-input", "Enter");
  await until("my message in the log", async () => (await text("#chat-log")).includes("Reply from the browser ✓"));
  // The pane is beside the screen, not over it.
  const pane = await page.locator("#pane").boundingBox();
  const stage = await page.locator("#stage").boundingBox();
  if (!pane || !stage || pane.x < stage.x + stage.width - 1) fail(`the pane covers the screen: pane ${JSON.stringify(pane)} stage ${JSON.stringify(stage)}`);
  await page.screenshot({ path: join(outDir, "toolkit-chat.png") });

  step = "upload";
  const up = join(work, "upload.txt");
  writeFileSync(up, "uploaded through the viewer ✓\n".repeat(20000));
  await page.click("#tab-files");
  await until("the transfer folder listed", async () => (await text("#files-state")) !== "reading the folder…");
  await page.setInputFiles("#files-upload", up);
  await until("upload done", async () => (await text("#files-state")).startsWith("Uploaded upload.txt"));
  await until("listed", async () => (await text("#files-list")).includes("upload.txt"));
  await page.screenshot({ path: join(outDir, "toolkit-files.png") });

  step = "download";
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 20000 }), page.click("#files-list >> text=upload.txt")]);
  const saved = join(work, "downloaded.txt");
  await dl.saveAs(saved);
  if (readFileSync(saved, "utf8") !== readFileSync(up, "utf8")) fail("the downloaded file differs");
  await until("download done", async () => (await text("#files-state")).startsWith("Downloaded upload.txt"));

  step = "sysinfo";
  await page.click("#tab-sysinfo");
  await until("system information", async () => (await text("#sysinfo")).includes("Computer") && (await text("#sysinfo")).includes("Memory"));
  await page.screenshot({ path: join(outDir, "toolkit-sysinfo.png") });
  await page.click("#pane-close");
  await until("pane closed", async () => !(await page.locator("#pane").isVisible()));

  step = "clipboard remote → viewer";
  reached("clipboard-ready");
  await goAhead("remote-clipboard");
  await until("remote clipboard text", async () => (await page.locator("#clip-state").getAttribute("data-text")) === "copied on the remote computer ✓");
  const local = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => "error " + e.message);
  if (local !== "copied on the remote computer ✓") fail(`the technician's clipboard holds ${JSON.stringify(local)}`);
  step = "clipboard viewer → remote";
  await page.evaluate(() => navigator.clipboard.writeText("copied by the technician ✓"));
  await page.locator("#tab-chat").focus();
  await page.locator("#screen").focus();
  await until("sent", async () => (await text("#clip-state")).startsWith("Clipboard sent"));
  reached("clipboard-sent");

  step = "headless jump client";
  // Its viewer says there is no display and offers the shell.
  await page.goto(`${site}/console/sessions/${env("JUMP_SESSION_ID")}`);
  await until("no display, shell offered", async () => (await text("#state")).startsWith("no display") &&
    await page.locator("#shell-open").isVisible() &&
    (await page.locator("#shell-open").getAttribute("href")) === `/console/sessions/${env("JUMP_SESSION_ID")}/shell`);

  step = "shell";
  await page.goto(`${site}/console/sessions/${env("JUMP_SESSION_ID")}/shell`);
  await until("shell connected", async () => (await text("#state")) === "connected");
  await page.locator("#terminal").click();
  await page.keyboard.type("echo shell-$((6*7))-ok");
  await page.keyboard.press("Enter");
  await until("the command's output", async () => (await text("#terminal .xterm-rows")).includes("shell-42-ok"));
  await page.screenshot({ path: join(outDir, "toolkit-shell.png") });

  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
  console.log("toolkit.mjs: ok");
} catch (e) {
  await page.screenshot({ path: join(outDir, "toolkit-fail.png") }).catch(() => {});
  fail(e.message);
} finally {
  await browser.close();
}
