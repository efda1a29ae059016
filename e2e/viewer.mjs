// viewer.mjs drives the console viewer in headless Chromium for e2e_test.go:
// log in, open a session's viewer, enter the access password, check the
// remote screen is drawn, and type a line into the remote computer.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD, SESSION_ID,
// ACCESS_PASSWORD, TYPE_TEXT. Optional: CHROMIUM (default /usr/bin/chromium),
// OUT_DIR (default ./out next to this file; viewer.png, on success or
// failure), CLICK_X/CLICK_Y (the remote point clicked before typing,
// default 60,60), LATENCY_SAMPLES.
// Prints one JSON line {width,height,distinctColours} on success; exits
// non-zero with a "viewer.mjs: FAIL step: …" message otherwise.
import { join } from "node:path";
import { start } from "./browser.mjs";

const h = await start("viewer", { work: false, viewport: { width: 1600, height: 1000 }, failShot: "viewer.png" });
const { page, site, env, outDir } = h;
const sessionID = env("SESSION_ID"), accessPassword = env("ACCESS_PASSWORD"), typeText = env("TYPE_TEXT");

// Characters that need Shift on a US layout. Playwright's keyboard.type sends
// e.g. '>' as code "Period" without shiftKey, which a KeyboardEvent.code based
// viewer would (correctly) turn into '.', so hold Shift as a real user does.
const shifted = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');

async function stateText() {
  return (await page.locator("#state").textContent({ timeout: 1000 }).catch(() => null)) ?? "(no #state)";
}

await h.run(async () => {
  await h.login(15000);

  h.step = "open viewer";
  await page.goto(`${site}/console/sessions/${encodeURIComponent(sessionID)}`);
  await page.waitForSelector("#view-password", { state: "visible", timeout: 10000 }).catch(() => {
    throw new Error("no visible #view-password access-password prompt on the viewer page (viewer relay not built yet?)");
  });

  h.step = "pin panel hides";
  // `hidden` must win over the form's own display rule: the panel starts
  // closed, opens, and closes again (it covered the screen before).
  if (await page.locator("#pane-pin").isVisible()) throw new Error("the Pin panel is visible before it was opened");
  await page.click("#pin-open");
  await page.waitForSelector("#pane-pin", { state: "visible", timeout: 5000 });
  await page.click("#pane-close");
  await page.waitForSelector("#pane-pin", { state: "hidden", timeout: 5000 });

  h.step = "enter access password";
  await page.fill("#view-password", accessPassword);
  await page.click("#view-connect");

  h.step = "wait for stream";
  await page
    .waitForFunction(
      () => {
        const c = document.getElementById("screen");
        const s = document.getElementById("state");
        return c && c.width > 0 && c.height > 0 && s && /connected/i.test(s.textContent) && !/disconnected/i.test(s.textContent);
      },
      null,
      { timeout: 20000, polling: 100 },
    )
    .catch(async () => {
      const dims = await page.evaluate(() => {
        const c = document.getElementById("screen");
        return c ? `${c.width}x${c.height}` : "no canvas";
      });
      throw new Error(`canvas/state not ready after 20s: canvas ${dims}, #state "${await stateText()}"`);
    });

  h.step = "read canvas";
  // The first frame may arrive a little after "connected": poll until the
  // canvas shows more than one colour.
  let result;
  const deadline = Date.now() + 15000;
  for (;;) {
    result = await page.evaluate(() => {
      const c = document.getElementById("screen");
      // Copy through a 2D canvas so this works whatever context the viewer uses.
      const tmp = document.createElement("canvas");
      tmp.width = c.width;
      tmp.height = c.height;
      const ctx = tmp.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4) {
        seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        if (seen.size > 4096) break;
      }
      return { width: c.width, height: c.height, distinctColours: seen.size };
    });
    if (result.distinctColours > 1 || Date.now() > deadline) break;
    await page.waitForTimeout(250);
  }
  console.log(JSON.stringify(result));
  if (result.distinctColours <= 1) {
    throw new Error(`canvas ${result.width}x${result.height} is uniformly one colour after 15s: the remote screen (xterm) is not drawn`);
  }

  h.step = "type";
  // Click inside the remote xterm (at +0+0, so near the top-left corner of the
  // remote screen) to give it the pointer and focus the canvas.
  const box = await page.locator("#screen").boundingBox();
  if (!box) throw new Error("#screen has no bounding box (not visible)");
  const sx = box.width / result.width;
  const sy = box.height / result.height;
  const clickX = Number(process.env.CLICK_X || 60), clickY = Number(process.env.CLICK_Y || 60);
  await page.mouse.click(box.x + clickX * sx, box.y + clickY * sy);
  await page.evaluate(() => document.getElementById("screen").focus());
  for (const ch of typeText) {
    if (shifted.has(ch)) {
      await page.keyboard.down("Shift");
      await page.keyboard.press(ch);
      await page.keyboard.up("Shift");
    } else {
      await page.keyboard.type(ch);
    }
  }
  await page.keyboard.press("Enter");
  // Let the key events leave the browser before it closes.
  await page.waitForTimeout(1500);
  h.step = "latency";
  // Keystroke in the viewer to changed pixels on the canvas: hook the 2D
  // context's paint calls, press a key, wait for the next paint. t0 is
  // taken before Playwright sends the key, so CDP's own hop is included.
  await page.evaluate(() => {
    const P = CanvasRenderingContext2D.prototype;
    for (const m of ["putImageData", "drawImage"]) {
      const orig = P[m];
      P[m] = function (...a) { window.__lastPaint = performance.now(); return orig.apply(this, a); };
    }
  });
  const samples = [];
  const n = Number(process.env.LATENCY_SAMPLES || 40);
  for (let i = 0; i < n; i++) {
    await page.waitForTimeout(60); // let the previous update settle
    const t0 = await page.evaluate(() => { window.__lastPaint = 0; return performance.now(); });
    await page.keyboard.press(i % 2 ? "KeyB" : "KeyA");
    const t1 = await page.waitForFunction(() => window.__lastPaint || 0, null, { timeout: 5000, polling: "raf" })
      .then((h) => h.jsonValue());
    samples.push(t1 - t0);
  }
  await page.keyboard.press("Control+C");
  samples.sort((a, b) => a - b);
  const pct = (p) => Math.round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] * 10) / 10;
  result.latency_ms = { n, p50: pct(0.5), p99: pct(0.99), max: Math.round(samples[samples.length - 1] * 10) / 10 };
  console.log(JSON.stringify(result));
  await page.screenshot({ path: join(outDir, "viewer.png") }).catch((e) => console.error(`viewer.mjs: screenshot failed: ${e.message}`));
}, { ok: false });
