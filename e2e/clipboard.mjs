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
import { start } from "./browser.mjs";

const h = await start("clipboard", { states: { clipboard: "#clip-state" }, untilMs: 30000, goAheadMs: 60000 });
const { page, until, reached, goAhead, text, fail } = h;
const remoteText = h.env("REMOTE_TEXT"), localText = h.env("LOCAL_TEXT");

await h.run(async () => {
  await h.viewSession(async () => /connected/i.test(await text("#state")) && !/disconnected/i.test(await text("#state")));
  reached("connected");

  h.step = "clipboard remote → viewer";
  await until("the remote clipboard text", async () => (await page.locator("#clip-state").getAttribute("data-text")) === remoteText, 60000);
  const local = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => "error " + e.message);
  if (local !== remoteText) fail(`the technician's clipboard holds ${JSON.stringify(local)}`);
  reached("got-remote");

  h.step = "clipboard viewer → remote";
  await page.evaluate((t) => navigator.clipboard.writeText(t), localText);
  await page.locator("#tab-chat").focus();
  await page.locator("#screen").focus();
  await until("sent", async () => (await text("#clip-state")).startsWith("Clipboard sent"));
  reached("sent");
  await goAhead("done");
});
