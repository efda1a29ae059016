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
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { start } from "./browser.mjs";

const h = await start("toolkit", { states: { files: "#files-state", clipboard: "#clip-state" } });
const { page, until, reached, goAhead, text, fail, env, site, work, outDir, errors } = h;

await h.run(async () => {
  await h.viewSession(async () => (await text("#state")).startsWith("connected"));
  reached("connected");

  h.step = "chat unread";
  await goAhead("customer-chat");
  await until("unread mark", async () => (await text("#chat-unread")) === "1" && await page.locator("#chat-unread").isVisible());
  h.step = "chat";
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

  h.step = "upload";
  const up = join(work, "upload.txt");
  writeFileSync(up, "uploaded through the viewer ✓\n".repeat(20000));
  await page.click("#tab-files");
  await until("the transfer folder listed", async () => (await text("#files-state")) !== "reading the folder…");
  await page.setInputFiles("#files-upload", up);
  await until("upload done", async () => (await text("#files-state")).startsWith("Uploaded upload.txt"));
  await until("listed", async () => (await text("#files-list")).includes("upload.txt"));
  await page.screenshot({ path: join(outDir, "toolkit-files.png") });

  h.step = "download";
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 20000 }), page.click("#files-list >> text=upload.txt")]);
  const saved = join(work, "downloaded.txt");
  await dl.saveAs(saved);
  if (readFileSync(saved, "utf8") !== readFileSync(up, "utf8")) fail("the downloaded file differs");
  await until("download done", async () => (await text("#files-state")).startsWith("Downloaded upload.txt"));

  h.step = "sysinfo";
  await page.click("#tab-sysinfo");
  await until("system information", async () => (await text("#sysinfo")).includes("Computer") && (await text("#sysinfo")).includes("Memory"));
  await page.screenshot({ path: join(outDir, "toolkit-sysinfo.png") });
  await page.click("#pane-close");
  await until("pane closed", async () => !(await page.locator("#pane").isVisible()));

  h.step = "clipboard remote → viewer";
  reached("clipboard-ready");
  await goAhead("remote-clipboard");
  await until("remote clipboard text", async () => (await page.locator("#clip-state").getAttribute("data-text")) === "copied on the remote computer ✓");
  const local = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => "error " + e.message);
  if (local !== "copied on the remote computer ✓") fail(`the technician's clipboard holds ${JSON.stringify(local)}`);
  h.step = "clipboard viewer → remote";
  await page.evaluate(() => navigator.clipboard.writeText("copied by the technician ✓"));
  await page.locator("#tab-chat").focus();
  await page.locator("#screen").focus();
  await until("sent", async () => (await text("#clip-state")).startsWith("Clipboard sent"));
  reached("clipboard-sent");

  h.step = "headless jump client";
  // Its viewer says there is no display and offers the shell.
  await page.goto(`${site}/console/sessions/${env("JUMP_SESSION_ID")}`);
  await until("no display, shell offered", async () => (await text("#state")).startsWith("no display") &&
    await page.locator("#shell-open").isVisible() &&
    (await page.locator("#shell-open").getAttribute("href")) === `/console/sessions/${env("JUMP_SESSION_ID")}/shell`);

  h.step = "shell";
  await page.goto(`${site}/console/sessions/${env("JUMP_SESSION_ID")}/shell`);
  await until("shell connected", async () => (await text("#state")) === "connected");
  await page.locator("#terminal").click();
  await page.keyboard.type("echo shell-$((6*7))-ok");
  await page.keyboard.press("Enter");
  await until("the command's output", async () => (await text("#terminal .xterm-rows")).includes("shell-42-ok"));
  await page.screenshot({ path: join(outDir, "toolkit-shell.png") });

  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
});
