// jump.mjs drives the console's jump list in headless Chromium for
// jump_console_test.go: groups with tags, footer counts, details pane,
// multi-select Properties, search, Jump (double-click) and Remove.
//
// Inputs (env): SITE_URL, TECH_NAME, TECH_PASSWORD. Optional: CHROMIUM,
// OUT_DIR (where jump-fail.png goes).
// Prints "jump.mjs: ok" on success; exits non-zero with
// "jump.mjs: FAIL step: …" otherwise.
import { start } from "./browser.mjs";

const h = await start("jump", { work: false, untilMs: 15000, viewport: { width: 1280, height: 720 }, states: { footer: "#footer" } });
const { page, until, fail, site, errors } = h;
page.on("dialog", (d) => d.accept());
const footer = () => page.locator("#footer").textContent();
const rows = () => page.locator("#jumpclients tbody tr");

await h.run(async () => {
  await h.login();

  h.step = "jump list";
  await page.goto(`${site}/console/jump`);
  await until("two online clients", async () => (await footer()) === "2 Jump Clients total. 2 online. 0 offline. 0 passive.");
  const tree = await page.locator("#tree").textContent();
  if (!tree.includes("user:tech (personal)") || !tree.includes("lab")) fail(`tree: ${tree}`);

  h.step = "details";
  await rows().first().locator("td").nth(1).click();
  await page.waitForSelector("#details:not([hidden])");
  const details = await page.locator("#details").textContent();
  for (const k of ["OS", "Console user", "Private IP", "Last access", "Version", "Uptime", "Display"]) {
    if (!details.includes(k)) fail(`details lack ${k}: ${details}`);
  }

  h.step = "properties for many";
  await page.check("#all");
  await until("both selected", async () => !(await page.locator("#props").isDisabled()));
  await page.click("#props");
  await page.fill("#p_tag", "moved");
  await page.click("#properties button[type=submit]");
  await until("tags moved", async () => (await page.locator("#tree").textContent()).includes("moved") &&
    (await rows().count()) === 2 && !(await page.locator("#tree").textContent()).includes("lab"));

  h.step = "tag folder";
  await page.click("#tree >> text=moved");
  await until("scope", async () => (await page.locator("#scope").textContent()).includes("moved"));

  h.step = "search";
  await page.fill("#q", "no-such-client");
  await page.click("#search button[type=submit]");
  await until("no rows", async () => (await rows().count()) === 0);
  await page.fill("#q", "");
  await page.click("#search button[type=submit]");
  await until("rows back", async () => (await rows().count()) === 2);

  h.step = "installer form";
  // The platform defaults to the browser's OS, and the answer is the line
  // to paste on the target computer.
  if (!(await page.locator("#platform").inputValue()).startsWith("linux-")) fail("the platform does not default to this browser's OS");
  await page.fill("#tag", "from-console");
  await page.click("#installer button[type=submit]");
  await until("install line", async () => /^curl -fsSLo tether-\w+\.bin 'https:\/\/[^']+\/download\/installer\/\w+\/[\w-]+' && sudo sh \.\/tether-\w+\.bin --user USER --install-dir \/opt\/tether-\w+$/
    .test(await page.locator("#install_line").textContent()));
  // Packages per platform, the default first (SPEC G).
  const packages = async () => (await page.locator("#package option").allTextContents()).join(",");
  if ((await packages()) !== "bin,deb,rpm") fail(`Linux packages: ${await packages()}`);
  await page.selectOption("#package", "deb");
  const before = await page.locator("#install_line").textContent();
  await page.click("#installer button[type=submit]");
  await until("deb line", async () => {
    const line = await page.locator("#install_line").textContent();
    return line !== before && /^curl -fsSLo (tether-\w+\.deb) '[^']+' && sudo dpkg -i \1$/.test(line);
  });
  await page.selectOption("#platform", "windows-amd64");
  if ((await packages()) !== "msi,exe") fail(`Windows packages: ${await packages()}`);
  if ((await page.locator("#package").inputValue()) !== "msi") fail("the Windows package does not default to msi");
  await page.click("#installer button[type=submit]");
  await until("MSI line", async () => /^curl\.exe -fsSLo (tether-\w+\.msi) "https:\/\/[^"]+\/download\/installer\/\w+\/[\w-]+" && msiexec \/i \1 \/quiet JC_TAG=from-console$/
    .test(await page.locator("#install_line").textContent()));

  h.step = "remove one";
  await page.uncheck("#all").catch(() => {});
  await rows().first().locator("input[type=checkbox]").check();
  await page.click("#remove");
  await until("one left", async () => (await footer()) === "1 Jump Clients total. 1 online. 0 offline. 0 passive.");

  h.step = "jump by double-click";
  await Promise.all([
    page.waitForURL((u) => u.pathname.startsWith("/console/sessions/"), { timeout: 15000 }),
    rows().first().locator("td").nth(1).dblclick(),
  ]);
  // The jump clients run without a desktop (jump_console_test.go): the
  // viewer must say so, and stop there instead of reconnecting.
  await until("viewer says no display", async () =>
    (await page.locator("#control").textContent()) === "This computer has no display." &&
    (await page.locator("#state").textContent()).startsWith("no display"));
  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
});
