// recording.mjs drives the console for recording_linux_test.go in headless
// Chromium: it views a jump session, types into its xterm and chats from
// the viewer's pane; after the test changed the screen and sent a file, it
// closes the view; then it plays the session's recording in the console's
// player, seeks to two moments the test snapshotted (ref-a.png, ref-b.png
// and times.json in WORK_DIR) and compares the player's canvas with them,
// follows a chat marker, plays at 8x, and uses the audit page's filter and
// CSV export.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD, SESSION_ID, WORK_DIR.
// Optional: CHROMIUM, OUT_DIR (recording.png, recording-shell.png,
// audit.png; recording-fail.png on a failure).
// Steps with the test: writes WORK_DIR/step-NAME, waits for go-NAME.
// Prints "recording.mjs: ok" on success; exits non-zero with
// "recording.mjs: FAIL step: …" otherwise.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { start } from "./browser.mjs";

const h = await start("recording", { goAheadMs: 120000, viewport: { width: 1400, height: 1000 } });
const { page, context, reached, goAhead, site, work, outDir } = h;
const id = h.env("SESSION_ID");

// similarity compares the player's canvas with a reference PNG: the share
// of pixels whose channels all lie within 40 (JPEG parts are lossy).
async function similarity(png) {
  const url = "data:image/png;base64," + readFileSync(join(work, png)).toString("base64");
  const r = await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.getElementById("screen");
    if (c.width !== img.width || c.height !== img.height) return { error: `canvas ${c.width}x${c.height}, reference ${img.width}x${img.height}` };
    const t = document.createElement("canvas");
    t.width = c.width; t.height = c.height;
    const x = t.getContext("2d", { willReadFrequently: true });
    x.drawImage(c, 0, 0);
    const a = x.getImageData(0, 0, t.width, t.height).data;
    x.drawImage(img, 0, 0);
    const b = x.getImageData(0, 0, t.width, t.height).data;
    let same = 0;
    for (let i = 0; i < a.length; i += 4) {
      if (Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2])) <= 40) same++;
    }
    return { same: same / (a.length / 4) };
  }, url);
  if (r.error) throw new Error(r.error);
  return r.same;
}

async function seekTo(ms) {
  await page.evaluate((ms) => {
    const tl = document.getElementById("timeline");
    tl.value = ms;
    tl.dispatchEvent(new Event("input"));
  }, ms);
  // The end of the timeline is rounded up from the last record's time.
  await page.waitForFunction((ms) => document.body.dataset.seeking === "0" && Math.abs(document.getElementById("screen").dataset.time - ms) <= 1,
    ms, { timeout: 20000 });
}

await h.run(async () => {
  await h.login(15000);

  h.step = "view";
  await page.goto(`${site}/console/sessions/${id}`);
  await page.waitForSelector("#recorded", { state: "visible", timeout: 10000 })
    .catch(() => { throw new Error("the viewer does not say the jump session is recorded"); });
  await page.waitForFunction(() => {
    const c = document.getElementById("screen");
    if (!c || c.width === 0) return false;
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length && seen.size < 2; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size > 1;
  }, null, { timeout: 30000, polling: 250 });

  h.step = "type";
  const box = await page.locator("#screen").boundingBox();
  const w = await page.evaluate(() => document.getElementById("screen").width);
  await page.mouse.click(box.x + 60 * box.width / w, box.y + 60 * box.width / w);
  await page.evaluate(() => document.getElementById("screen").focus());
  await page.keyboard.type("echo recorded");
  await page.keyboard.press("Enter");

  h.step = "chat";
  await page.click("#tab-chat");
  await page.fill("#chat-input", "Chat from the viewer ✓");
  await page.press("#chat-input", "Enter");
  await page.waitForFunction(() => document.getElementById("chat-log").textContent.includes("Chat from the viewer ✓"), null, { timeout: 10000 });
  await page.click("#pane-close");

  h.step = "shell";
  const sh = await context.newPage();
  await sh.goto(`${site}/console/sessions/${id}/shell`);
  await sh.waitForFunction(() => document.getElementById("state").textContent === "connected", null, { timeout: 20000 });
  await sh.click("#terminal");
  await sh.keyboard.type("echo shell-$((6*7))-recorded");
  await sh.keyboard.press("Enter");
  await sh.waitForFunction(() => document.querySelector("#terminal .xterm-rows")?.textContent.includes("shell-42-recorded"), null, { timeout: 10000 });
  await sh.close();
  reached("typed");

  h.step = "close the view";
  await goAhead("close");
  await page.click("#disconnect");
  await page.waitForFunction(() => /disconnected/.test(document.getElementById("state").textContent), null, { timeout: 10000 });
  reached("closed");

  h.step = "player";
  await goAhead("play");
  const times = JSON.parse(readFileSync(join(work, "times.json"), "utf8"));
  await page.goto(`${site}/console/sessions/${id}/recording`);
  await page.waitForFunction(() => document.body.dataset.state === "paused", null, { timeout: 30000 });
  const chats = await page.locator(".marker.chat").count();
  const files = await page.locator(".marker.file").count();
  if (chats < 1 || files < 1) throw new Error(`markers: ${chats} chat, ${files} file`);
  if (!(await page.locator("#chat-log").textContent()).includes("Chat from the viewer ✓")) throw new Error("the transcript has no chat");

  h.step = "seek to B";
  await seekTo(times.b);
  const bb = await similarity("ref-b.png"), ba = await similarity("ref-a.png");
  h.step = "seek back to A";
  await seekTo(times.a);
  const aa = await similarity("ref-a.png"), ab = await similarity("ref-b.png");
  await page.screenshot({ path: join(outDir, "recording.png") });
  console.log(JSON.stringify({ times, at_b: { b: bb, a: ba }, at_a: { a: aa, b: ab } }));
  if (bb < 0.97 || aa < 0.97) throw new Error(`the player does not show what the screen showed: B ${bb}, A ${aa}`);
  if (ba > 0.9 || ab > 0.9) throw new Error(`A and B look alike (${ba}, ${ab}): the comparison proves nothing`);

  h.step = "shell replay";
  await seekTo(await page.evaluate(() => Number(document.getElementById("timeline").max)));
  await page.waitForFunction(() => !document.getElementById("terminal").hidden
    && document.querySelector("#terminal .xterm-rows")?.textContent.includes("shell-42-recorded"), null, { timeout: 10000 })
    .catch(() => { throw new Error("the shell's output does not replay"); });
  await page.screenshot({ path: join(outDir, "recording-shell.png") });

  h.step = "chat marker";
  const mt = await page.locator(".marker.chat").first().getAttribute("data-t");
  await page.locator(".marker.chat").first().click();
  await page.waitForFunction((t) => document.getElementById("screen").dataset.time === t, mt, { timeout: 10000 });

  h.step = "play at 8x";
  await page.selectOption("#speed", "8");
  await page.click("#play");
  await page.waitForTimeout(1000);
  const t1 = Number(await page.evaluate(() => document.getElementById("screen").dataset.time));
  if (!(t1 > Number(mt) + 2000)) throw new Error(`after 1 s at 8x the time went from ${mt} to ${t1}`);

  h.step = "audit page";
  await page.goto(`${site}/console/audit?session=${id}`);
  await page.waitForSelector("#audit tbody tr[data-event=recording_viewed]", { timeout: 10000 });
  await page.fill("#f-event", "chat");
  await page.click("#apply");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("#audit tbody tr")];
    return rows.length > 0 && rows.every((r) => r.dataset.event === "chat");
  }, null, { timeout: 10000 });
  await page.fill("#f-since", "2199-01-01T00:00:00");
  await page.click("#apply");
  await page.waitForFunction(() => document.querySelectorAll("#audit tbody tr").length === 0
    && document.getElementById("count").textContent === "0 entries", null, { timeout: 10000 });
  await page.fill("#f-since", "");
  await page.click("#apply");
  await page.waitForSelector("#audit tbody tr[data-event=chat]", { timeout: 10000 });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export")]);
  const csv = readFileSync(await download.path(), "utf8").split("\n");
  if (csv[0] !== "id,at,event,session_id,jump_client_id,actor,remote_addr,detail" || !csv.slice(1).some((l) => l.includes(",chat,"))
      || csv.slice(1).some((l) => l && !l.includes(",chat,"))) {
    throw new Error(`CSV export: ${csv.slice(0, 3).join(" | ")}`);
  }
  await page.screenshot({ path: join(outDir, "audit.png") });
});
