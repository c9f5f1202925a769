// Browser tests: a real `setu demo` server, Debian's Chromium driven by Playwright.
// Run with `npm test` from this folder after `cargo build` (SETU_BIN overrides the binary).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.env.SETU_BIN || path.join(here, "../../target/debug/setu");
const shots = path.join(here, "screenshots");
let server, base, browser, dataDir;

function startServer() {
  dataDir = mkdtempSync(path.join(tmpdir(), "setu-browser-"));
  server = spawn(bin, ["demo", "--bind", "127.0.0.1:0", "--data-dir", dataDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("setu demo did not start in 60 s")), 60000);
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/serving on (http:\/\/[^\s/]+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on("exit", (code) => reject(new Error(`setu demo exited with ${code}`)));
  });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  base = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function phone() {
  return browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, locale: "ne-NP" });
}

test("home page in Nepali, then English, and the choice is remembered", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await page.goto(base + "/");
  assert.equal(await page.getAttribute("html", "lang"), "ne");
  assert.match(await page.textContent("h1"), /सेतु/);
  assert.match(await page.textContent("main"), /स्थानीय तह/);
  assert.match(await page.textContent("main"), /७५३/);
  assert.match(await page.textContent("main"), /६,७४३/);
  await page.screenshot({ path: path.join(shots, "home-ne-phone.png"), fullPage: true });

  await page.click("text=English");
  await page.waitForURL(base + "/");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.match(await page.textContent("h1"), /Setu/);
  assert.match(await page.textContent("main"), /6,743/);
  await page.screenshot({ path: path.join(shots, "home-en-phone.png"), fullPage: true });

  await page.goto(base + "/places");
  assert.equal(await page.getAttribute("html", "lang"), "en", "language remembered across pages");
  await ctx.close();
});

test("desktop home page and a district page render", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ne-NP" });
  const page = await ctx.newPage();
  await page.goto(base + "/");
  await page.screenshot({ path: path.join(shots, "home-ne-desktop.png"), fullPage: true });
  await page.goto(base + "/places/511");
  assert.match(await page.textContent("h1"), /बाँके/);
  await page.screenshot({ path: path.join(shots, "district-ne-desktop.png"), fullPage: true });
  await ctx.close();
});

test("tables sort by a column and filter as you type", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.addCookies([{ name: "setu_lang", value: "en", url: base }]);
  const page = await ctx.newPage();
  await page.goto(base + "/places/511");
  const firstName = () => page.textContent("#children tbody tr:first-child td:nth-child(1) a");
  assert.match(await firstName(), /Rapti Sonari/);
  await page.click("#children thead th:nth-child(3) button"); // Wards, ascending
  await page.click("#children thead th:nth-child(3) button"); // descending
  assert.equal(await page.getAttribute("#children thead th:nth-child(3)", "aria-sort"), "descending");
  assert.match(await firstName(), /Nepalganj/);
  await page.fill("input[data-filter-for=children]", "kohal");
  const visible = await page.$$eval("#children tbody tr", (rows) => rows.filter((r) => !r.hidden).length);
  assert.equal(visible, 1);
  await ctx.close();
});

const DEMO_PASSWORD = "setu-demo-2082";

async function signIn(page, username) {
  await page.goto(base + "/login");
  await page.fill("#f-username", username);
  await page.fill("#f-password", DEMO_PASSWORD);
  await page.click("main button[type=submit]");
  await page.waitForURL(base + "/");
}

// Sign-out first clears the user's offline queue and cached pages, then leaves: wait for it.
async function signOut(page) {
  await Promise.all([page.waitForURL(base + "/"), page.click("form[action='/logout'] button")]);
}

test("a form with a mistake keeps what was typed and says what is wrong", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ne-NP" });
  const page = await ctx.newPage();
  await page.goto(base + "/sites/new");
  assert.match(page.url(), /\/login\?next=%2Fsites%2Fnew/, "signing in comes first");
  await signIn(page, "lccht.nepalganj");
  await page.goto(base + "/sites/new");
  await page.fill("#f-name_en", "Kohalpur bus park desk");
  await page.fill("#f-name_ne", "कोहलपुर बसपार्क डेस्क");
  await page.fill("#f-place", "5110");
  await page.click("main button[type=submit]");
  assert.match(await page.textContent(".notice.error"), /सच्याउनुहोस्/);
  assert.equal(await page.inputValue("#f-name_ne"), "कोहलपुर बसपार्क डेस्क");
  assert.equal(await page.getAttribute("#f-place", "aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "form-errors");
  await page.screenshot({ path: path.join(shots, "form-errors-ne-phone.png"), fullPage: true });
  await ctx.close();
});

test("a place is chosen by name from a picker, with the keyboard alone, and the form sends its code", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "lccht.nepalganj");
  await page.goto(base + "/sites/new");
  await page.focus("#f-name_en");
  await page.keyboard.type("Ward 19 help desk");
  await page.keyboard.press("Tab");
  await page.keyboard.type("वडा १९ सहायता कक्ष");
  await page.focus("#f-kind");
  await page.keyboard.press("ArrowDown");
  await page.focus("#f-place");
  await page.keyboard.type("नेपालगञ्ज १९");
  await page.waitForSelector("#f-place-options [role=option]");
  assert.equal(await page.getAttribute("#f-place", "aria-expanded"), "true");
  await page.screenshot({ path: path.join(shots, "place-picker-ne-phone.png"), fullPage: false });
  await page.keyboard.press("ArrowDown");
  assert.ok(await page.getAttribute("#f-place", "aria-activedescendant"));
  await page.keyboard.press("Enter");
  assert.equal(await page.getAttribute("#f-place", "aria-expanded"), "false");
  assert.match(await page.inputValue("#f-place"), /^नेपालगञ्ज.*-१९$/);
  assert.equal(await page.inputValue("input[type=hidden][name=place]"), "5110619");
  await Promise.all([page.waitForURL(/\/sites\/\d+(\?saved=1)?$/), page.keyboard.press("Enter")]);
  assert.match(await page.textContent("main"), /नेपालगञ्ज/);
  await ctx.close();
});

test("a refused form on a page of several forms is filled again, each wrong field marked", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "lccht.nepalganj");
  await page.goto(base + "/youth");
  const form = page.locator("form[action='/youth/ambassadors']");
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
  await form.locator("[name=name]").fill("राधा थारु");
  await form.locator("#y-ward").fill("5110604");
  await form.locator("[name=joined_on]").fill("२०८१-१५-४०");
  await form.locator("[name=trainings]").fill("-3");
  await form.evaluate((f) => f.querySelectorAll("[required]").forEach((e) => e.removeAttribute("required")));
  await form.locator("button[type=submit]").click();
  await page.waitForSelector(".form-summary");
  const again = page.locator("form[action='/youth/ambassadors']");
  // The ward picker sends the code in a hidden field, and shows the ward's name again.
  assert.equal(await again.locator("input[type=hidden][name=ward]").inputValue(), "5110604");
  await page.waitForFunction(() => /-४$/.test(document.getElementById("y-ward").value));
  assert.equal(await again.locator("[name=name]").inputValue(), "राधा थारु");
  assert.equal(await again.locator("[name=joined_on]").getAttribute("aria-invalid"), "true");
  assert.equal(await again.locator("[name=trainings]").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator(".form-summary li a").count(), 2);
  assert.match(await page.textContent(".form-summary"), /१,०००/);
  await page.screenshot({ path: path.join(shots, "form-refused-ne.png"), fullPage: false });
  await ctx.close();
});

test("personal data shows in scope, hides outside it, and every view is in the audit trail", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.addCookies([{ name: "setu_lang", value: "en", url: base }]);
  const page = await ctx.newPage();
  await signIn(page, "district.banke");
  await page.goto(base + "/organisations");
  await page.click("text=Border Police Post, Jamunaha");
  assert.match(await page.textContent("main"), /Sarita Khadka \(demo\)/);
  await page.screenshot({ path: path.join(shots, "organisation-contacts-en.png"), fullPage: true });
  const orgUrl = page.url();
  await signOut(page);
  await signIn(page, "district.makwanpur");
  await page.goto(orgUrl);
  assert.doesNotMatch(await page.textContent("main"), /Sarita/);
  assert.match(await page.textContent("main"), /\(hidden\)/);
  await signOut(page);
  await signIn(page, "auditor");
  await page.goto(base + "/audit?action=view-personal");
  assert.match(await page.textContent("main"), /district\.banke/);
  await page.screenshot({ path: path.join(shots, "audit-en.png"), fullPage: true });
  await ctx.close();
});

test("committees: status, plan and budget chart, printable minutes in Nepali", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ne-NP" });
  const page = await ctx.newPage();
  await signIn(page, "lccht.nepalganj");
  await page.goto(base + "/committees");
  assert.match(await page.textContent("main"), /क्रियाशील/);
  await page.click("#committees tbody tr:first-child a");
  assert.match(await page.textContent(".status-box"), /क्रियाशील/);
  assert.equal(await page.locator("figure.chart svg rect").count() >= 4, true);
  await page.screenshot({ path: path.join(shots, "committee-ne-desktop.png"), fullPage: true });
  const minutesLink = page.locator("main table a[href^='/meetings/']").first();
  await minutesLink.click();
  assert.match(await page.textContent("h1"), /माइन्युट/);
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: path.join(shots, "minutes-ne-print.png"), fullPage: true });
  await ctx.close();
});

test("parents' groups show the SBCC figures on a phone", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ne-NP" });
  const page = await ctx.newPage();
  await signIn(page, "district.banke");
  await page.goto(base + "/parents-groups");
  assert.match(await page.textContent("main"), /पुगेका अभिभावक/);
  await page.screenshot({ path: path.join(shots, "groups-ne-phone.png"), fullPage: false });
  await ctx.close();
});

test("programme indicators reproduce the brief's figures", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.addCookies([{ name: "setu_lang", value: "en", url: base }]);
  const page = await ctx.newPage();
  await signIn(page, "analyst");
  await page.goto(base + "/indicators?fy=all");
  const main = await page.textContent("main");
  assert.match(main, /13 \/ 13/, "13 functional LCCHTs");
  assert.match(main, /780/, "780 parents reached");
  assert.match(main, /90%/, "90% women");
  assert.match(main, /370/, "370 youth ambassadors");
  assert.match(main, /968/, "968 engagement events");
  await page.screenshot({ path: path.join(shots, "indicators-en.png"), fullPage: true });
  await ctx.close();
});

test("a booth phone goes offline, records tallies, and each arrives exactly once when back online", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "booth.jamunaha");
  await page.goto(base + "/booths");
  const capture = await page.getAttribute("a[href$='/capture']", "href");
  const site = capture.match(/\/booths\/(\d+)\/capture/)[1];
  const count = async () => {
    const r = await page.request.get(base + "/api/v1/tallies?site=" + site);
    return (await r.json()).items.length;
  };
  await page.goto(base + capture);
  // Wait for the service worker to take the page under its control, then reload it offline.
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  const before = await count();
  await ctx.setOffline(true);
  await page.reload();
  assert.match(await page.textContent("#net-state"), /अफलाइन/);
  for (const n of ["3", "5"]) {
    await page.fill("form.tally input[name='female_18']", n);
    await page.fill("form.tally input[name='male_u18']", "1");
    await page.click("form.tally button[type='submit']");
  }
  assert.match(await page.textContent("#queue-count"), /२|2/);
  await page.screenshot({ path: path.join(shots, "booth-offline-queue.png"), fullPage: true });
  await ctx.setOffline(false);
  await page.waitForFunction(() => /[:：]\s*(0|०)$/.test(document.getElementById("queue-count").textContent), null, { timeout: 15000 });
  assert.equal(await count(), before + 2);
  // Sending again (a reload replays nothing new, the button resends) adds nothing.
  await page.reload();
  await page.click("#sync-now");
  await page.waitForTimeout(500);
  assert.equal(await count(), before + 2);
  await page.screenshot({ path: path.join(shots, "booth-synced.png"), fullPage: true });
  await ctx.close();
});

test("a youth event and a parents' session are recorded offline and each arrives once when back online", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "lccht.nepalganj");
  const times = async (url, text) => (await (await page.request.get(base + url)).text()).split(text).length - 1;
  // A youth event, and one with a mistake that the server refuses on its field.
  await page.goto(base + "/youth/events/new");
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await ctx.setOffline(true);
  await page.reload();
  assert.match(await page.textContent("#net-state"), /अफलाइन/);
  assert.ok((await page.inputValue("#e-date")).length >= 8, "today's BS date is filled in offline");
  for (const girls of ["7", "-2"]) {
    await page.selectOption("#e-ward", { index: 4 });
    await page.fill("input[name='female_u18']", girls);
    await page.fill("#e-outcome", "Offline street drama " + girls);
    await page.click("form[data-kind='youth-event'] button[type='submit']");
  }
  assert.match(await page.textContent("#queue-count"), /२|2/);
  await page.screenshot({ path: path.join(shots, "youth-event-offline-ne-phone.png"), fullPage: true });
  await ctx.setOffline(false);
  // The good one arrives; the refused one waits for the person, not counted, saying which field.
  await page.waitForFunction(() => /[:：]\s*(0|०)$/.test(document.getElementById("queue-count").textContent), null, { timeout: 15000 });
  assert.match(await page.textContent("#queue-list .invalid"), /१,००,०००|100,000/);
  await page.reload();
  await page.click("#sync-now");
  await page.waitForTimeout(500);
  assert.equal(await times("/youth", "Offline street drama 7"), 1, "stored once");
  assert.equal(await times("/youth", "Offline street drama -2"), 0);
  // A parents' session with its attendance.
  const groups = await (await page.request.get(base + "/parents-groups")).text();
  const group = groups.match(/href="(\/parents-groups\/\d+)"/)[1];
  await page.goto(base + group + "/sessions/new");
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  await ctx.setOffline(true);
  await page.reload();
  await page.fill("#s-topic", "Offline session on safe migration");
  await page.fill("#s-fac", "Facilitator Offline");
  await page.check("input[name='present'] >> nth=0");
  await page.click("form[data-kind='parents-session'] button[type='submit']");
  assert.match(await page.textContent("#queue-count"), /१|1/);
  await ctx.setOffline(false);
  await page.waitForFunction(() => /[:：]\s*(0|०)$/.test(document.getElementById("queue-count").textContent), null, { timeout: 15000 });
  await page.click("#sync-now");
  await page.waitForTimeout(500);
  assert.equal(await times(group, "Offline session on safe migration"), 1, "stored once");
  await ctx.close();
});

test("a caseworker records a follow-up visit without a connection and it arrives once", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "ngo.banke");
  const forms = async () => (await (await page.request.get(base + "/cases/followups")).text())
    .split('data-kind="case-followup"').length - 1;
  await page.goto(base + "/cases/followups");
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await page.reload();
  const before = await forms();
  assert.ok(before > 0, "the demo has follow-ups due");
  await ctx.setOffline(true);
  await page.reload();
  assert.match(await page.textContent("#net-state"), /अफलाइन/);
  const visit = page.locator("article.visit").first();
  await visit.locator("summary").click();
  assert.ok((await visit.locator("input[name='done_on']").inputValue()).length >= 8, "today's BS date offline");
  await visit.locator("input[name='found_with_family']").check();
  await visit.locator("input[name='note']").fill("Visited offline: at home with her mother");
  await visit.locator("button[type='submit']").click();
  assert.match(await page.textContent("#queue-count"), /[:：]\s*(1|१)$/);
  await page.screenshot({ path: path.join(shots, "followup-offline-ne-phone.png"), fullPage: false });
  await ctx.setOffline(false);
  await page.waitForFunction(() => /[:：]\s*(0|०)$/.test(document.getElementById("queue-count").textContent), null, { timeout: 15000 });
  assert.equal(await forms(), before - 1, "recorded once, off the list");
  await ctx.close();
});

test("a booth phone whose session ended asks to sign in again, then sends its queue", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "booth.jamunaha");
  await page.goto(base + "/booths");
  const capture = await page.getAttribute("a[href$='/capture']", "href");
  await page.goto(base + capture);
  await ctx.setOffline(true);
  await page.fill("form.tally input[name='female_18']", "2");
  await page.click("form.tally button[type='submit']");
  await page.waitForFunction(() => /[:：]\s*(1|१)$/.test(document.getElementById("queue-count").textContent));
  // The session ends while the phone is away; back online, the sync is refused (401).
  await ctx.clearCookies();
  await ctx.setOffline(false);
  await page.click("#sync-now");
  await page.waitForSelector("#sync-signin:not([hidden])", { timeout: 10000 });
  assert.match(await page.textContent("#sync-signin"), /(1|१)/);
  assert.match(await page.textContent("#queue-count"), /[:：]\s*(1|१)$/, "the record still waits");
  await page.screenshot({ path: path.join(shots, "booth-sign-in-again.png"), fullPage: false });
  // Signing in again leads back to the capture page, and the queue goes.
  await page.click("#sync-signin a");
  await page.fill("#f-username", "booth.jamunaha");
  await page.fill("#f-password", "setu-demo-2082");
  await page.click("form[action='/login'] button[type='submit']");
  await page.waitForURL(/\/capture$/);
  await page.waitForFunction(() => /[:：]\s*(0|०)$/.test(document.getElementById("queue-count").textContent), null, { timeout: 15000 });
  await ctx.close();
});

test("the offline queue is sealed, bound to its user, and cleared at sign-out", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "booth.jamunaha");
  await page.goto(base + "/booths");
  const capture = await page.getAttribute("a[href$='/capture']", "href");
  // The record stays unsent: the server cannot be reached for now.
  await page.route("**/api/v1/sync", (route) => route.abort());
  await page.goto(base + capture);
  await page.click("details.add:has(form.screening) > summary");
  await page.check("form.screening input[name='consent_record']");
  await page.fill("#s-given", "Unsentname");
  await page.fill("#s-family", "Queuetest");
  await page.selectOption("#s-sex", "female");
  await page.fill("#s-age", "19");
  await page.selectOption("#s-out", "counselled-continued");
  await page.click("form.screening button[type='submit']");
  const one = () => /[:：]\s*(1|१)$/.test(document.getElementById("queue-count").textContent);
  await page.waitForFunction(one);
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith("setu.queue.") && localStorage.getItem(k).includes("ct")));
  const stored = await page.evaluate(() => JSON.stringify(Object.assign({}, localStorage)));
  assert.ok(!stored.includes("Unsentname") && !stored.includes("Queuetest"), "kept on the phone, but not readable there");
  // Her session ends (idle time-out) and another user signs in on the same phone: the queue
  // is not theirs to see or send.
  await ctx.clearCookies();
  await signIn(page, "district.banke");
  await page.goto(base + capture);
  assert.match(await page.textContent("#queue-count"), /[:：]\s*(0|०)$/);
  assert.ok(!(await page.textContent("#queue-list")).includes("Unsentname"));
  // Back as the booth worker: her record is there; sign-out says so before clearing it.
  await ctx.clearCookies();
  await signIn(page, "booth.jamunaha");
  await page.goto(base + capture);
  await page.waitForFunction(one);
  assert.ok((await page.textContent("#queue-list")).includes("Unsentname"));
  let asked = "";
  page.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
  await page.click("form[action='/logout'] button");
  assert.match(asked, /(1|१)/);
  assert.ok(page.url().includes("/capture"), "kept signed in when she said no");
  page.once("dialog", (d) => d.accept());
  await page.click("form[action='/logout'] button");
  await page.waitForURL(base + "/");
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("setu.queue")).length);
  assert.equal(left, 0, "nothing of hers is left on the phone");
  await ctx.close();
});

test("a girl stopped at the booth who may be a missing child raises an alert with the committee's number", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "booth.jamunaha");
  await page.goto(base + "/booths");
  await page.goto(base + await page.getAttribute("a[href$='/capture']", "href"));
  const before = await page.locator("#alerts .alert").count();
  // Samjhana Pariyar of Nepalganj ward 4 is an open missing-person report in the demo.
  await page.click("details.add:has(form.screening) > summary");
  await page.check("form.screening input[name='consent_record']");
  await page.check("form.screening input[name='consent_share']");
  await page.fill("#s-given", "Samjhana");
  await page.fill("#s-family", "Pariyar");
  await page.selectOption("#s-sex", "female");
  await page.fill("#s-age", "16");
  await page.fill("#s-home", "5110604");
  await page.selectOption("#s-out", "intercepted");
  const sent = Date.now();
  await page.click("form.screening button[type='submit']");
  await page.waitForFunction((n) => document.querySelectorAll("#alerts .alert").length > n, before, { timeout: 10000 });
  assert.ok(Date.now() - sent < 10000);
  const alert = await page.textContent("#alerts .alert");
  // In Nepali: the committee of Nepalganj to contact, with its number to call; no report details.
  assert.match(alert, /नेपालगञ्ज/);
  assert.ok(await page.locator("#alerts .alert a[href^='tel:']").count() > 0);
  assert.doesNotMatch(alert, /Bir Bahadur|Kali/);
  await page.screenshot({ path: path.join(shots, "booth-match-alert.png"), fullPage: false });
  await ctx.close();
});

test("booth dashboard, hand-overs and the police queue render on a phone", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "national");
  await page.goto(base + "/booths?fy=all");
  // The chart's labels are readable on a phone (at least 11 px): it scrolls rather than shrinks.
  const smallest = await page.evaluate(() => Math.min(...[...document.querySelectorAll(".chart text")]
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)));
  assert.ok(smallest >= 11, `chart text ${smallest}px`);
  // The brief's 13,211, plus whatever the offline test above added.
  const informed = await page.textContent("dl.stats div:first-child dd");
  const latin = informed.replace(/[०-९]/g, (d) => String("०१२३४५६७८९".indexOf(d))).replace(/,/g, "");
  assert.ok(Number(latin) >= 13211 && Number(latin) < 13300, informed);
  assert.ok(await page.isVisible("figure.chart svg"));
  // A wide table scrolls inside its box, not the page, and keeps its first column in view.
  const table = await page.evaluate(() => {
    const box = document.querySelector("#booth-months").closest(".scroll");
    const wide = box.scrollWidth > box.clientWidth;
    box.scrollLeft = 400;
    const first = document.querySelector("#booth-months tbody tr td:first-child, #booth-months tbody tr th:first-child");
    return { wide, page: document.documentElement.scrollWidth, shift: Math.abs(first.getBoundingClientRect().left - box.getBoundingClientRect().left) };
  });
  assert.ok(table.wide, "the month table is wider than a phone");
  assert.ok(table.page <= 390, `the page itself is ${table.page}px wide`);
  assert.ok(table.shift <= 2, `the first column moved ${table.shift}px`);
  await page.screenshot({ path: path.join(shots, "booths-dashboard.png"), fullPage: true });
  await page.goto(base + "/handovers");
  assert.ok((await page.locator("tr.overdue").count()) >= 1, "the unacknowledged hand-over is flagged");
  await page.screenshot({ path: path.join(shots, "handovers.png"), fullPage: true });
  await ctx.close();
  const police = await (await phone()).newPage();
  await signIn(police, "police.jamunaha");
  await police.goto(base + "/referrals");
  assert.ok((await police.locator("#referrals tbody tr").count()) >= 4);
  await police.screenshot({ path: path.join(shots, "referrals-police.png"), fullPage: true });
  await police.context().close();
});

test("a missing girl: the register, the review side by side, confirm, and home again", async () => {
  // The member-secretary's register on a phone, in Nepali, with the unread notification.
  const ctx = await phone();
  const page = await ctx.newPage();
  await signIn(page, "lccht.nepalganj");
  assert.ok(await page.isVisible("header .count"), "the notification badge shows");
  await page.goto(base + "/tracing");
  assert.match(await page.textContent("h1"), /हराएका व्यक्तिको दर्ता/);
  assert.match(await page.textContent("#register"), /सुशीला सुनार/);
  await page.screenshot({ path: path.join(shots, "tracing-register-ne-phone.png"), fullPage: true });
  await page.goto(base + "/notifications");
  assert.match(await page.textContent("main"), /भेटियो/);
  await page.click("text=सबै पढियो भन्नुहोस्");
  assert.equal(await page.locator("header .count").count(), 0, "read: the badge is gone");

  // A new report typed in Devanagari with a BS date in Devanagari digits.
  await page.goto(base + "/tracing/reports/new");
  await page.fill("#r-given", "कोपिला");
  await page.fill("#r-family", "थापा");
  await page.selectOption("#r-sex", "female");
  await page.fill("#r-age", "१५");
  await page.fill("#r-home", "51106");
  await page.fill("#r-on", "२०८३-०७-१०");
  await page.fill("#r-rname", "बाबुराम थापा");
  await page.check("input[name='consent_tracing'][value='yes']");
  await page.click("main button[type=submit]");
  assert.match(await page.textContent(".notice.error"), /वडा/, "a local level is not a ward");
  assert.equal(await page.getAttribute("#r-home", "aria-invalid"), "true");
  assert.equal(await page.inputValue("#r-given"), "कोपिला", "what was typed stays");
  await page.screenshot({ path: path.join(shots, "report-form-error-ne-phone.png"), fullPage: true });
  await page.fill("#r-home", "5110607");
  await page.click("main button[type=submit]");
  await page.waitForURL(/\/tracing\/reports\//);
  assert.match(await page.textContent("main"), /कोपिला थापा/);
  await ctx.close();

  // The district coordinator reviews the most likely pair on a desktop, in English.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
  const review = await desk.newPage();
  await signIn(review, "district.banke");
  await review.goto(base + "/tracing/matches");
  const rows = await review.locator("#matches tbody tr").count();
  assert.ok(rows >= 4, `${rows} proposals waiting`);
  await review.click("#matches tbody tr:first-child a");
  assert.ok(await review.isVisible("table.compare"));
  assert.ok((await review.locator("table.evidence rect.for").count()) >= 3, "bars for the match");
  await review.screenshot({ path: path.join(shots, "match-review.png"), fullPage: true });
  await review.click(".decide button:not(.secondary)");
  await review.waitForLoadState();
  assert.match(await review.textContent("main"), /Confirmed/);
  await desk.close();
});

const ROLES = ["admin", "national", "district.banke", "lccht.nepalganj", "booth.jamunaha",
  "police.jamunaha", "ngo.banke", "supervisor.banke", "analyst", "auditor"];

// Follows every link a signed-in role is shown, breadth first, up to `limit` pages: the pages
// reached (HTML only), and those answering 403, 404 or 5xx with the page that linked them.
async function crawl(who, limit) {
  const ctx = await browser.newContext();
  const r = ctx.request;
  await r.post(base + "/login", { form: { username: who, password: DEMO_PASSWORD, next: "/" } });
  const seen = new Set(["/"]), queue = ["/"], from = {}, bad = [], pages = [];
  let n = 0;
  while (queue.length && n < limit) {
    const p = queue.shift();
    n++;
    const res = await r.get(base + p, { maxRedirects: 0 });
    const status = res.status();
    if (status === 403 || status === 404 || status >= 500) { bad.push(`${status} ${p} (linked from ${from[p]})`); continue; }
    if (!(res.headers()["content-type"] || "").includes("text/html")) continue;
    pages.push(p);
    for (const m of (await res.text()).matchAll(/href="(\/[^"#]*)"/g)) {
      const h = m[1].replace(/&amp;|&#38;/g, "&");
      if (h.startsWith("/static/") || h.startsWith("/prefs") || /\.(csv|xlsx|json)(\?|$)/.test(h)) continue;
      if (!seen.has(h)) { seen.add(h); from[h] = p; queue.push(h); }
    }
  }
  await ctx.close();
  return { n, bad, pages };
}

test("only links that open: a crawl as every demo role finds no link answering 403, 404 or 5xx", async () => {
  for (const who of ROLES) {
    const { n, bad } = await crawl(who, 250);
    assert.ok(n > 20, `${who} reached ${n} pages`);
    assert.deepEqual(bad, [], `${who}: links that do not open`);
  }
});

test("accessibility: axe-core finds no serious or critical violation on any kind of page, in either language", async () => {
  // Every kind of page (its address with ids taken out) as the first role that reaches it,
  // and the pages seen before signing in.
  const kindOf = (p) => p.split("?")[0].replace(/\/[0-9a-f-]{6,}|\/\d+/g, "/:id");
  const kinds = new Map([["/login", [null, "/login"]], ["/places", [null, "/places"]],
    ["/places/search", [null, "/places/search?q=banke"]], ["/missing", [null, "/no-such-page"]]]);
  for (const who of ROLES) {
    for (const p of (await crawl(who, 120)).pages) if (!kinds.has(kindOf(p))) kinds.set(kindOf(p), [who, p]);
  }
  assert.ok(kinds.size >= 40, `${kinds.size} kinds of page`);
  const axe = path.join(here, "node_modules/axe-core/axe.min.js");
  const found = [];
  for (const lang of ["ne", "en"]) {
    const pages = new Map();
    const open = async (who) => {
      if (pages.has(who)) return pages.get(who);
      // Setu's pages forbid inline script; the test lifts that to inject axe.
      const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
      await ctx.addCookies([{ name: "setu_lang", value: lang, url: base }]);
      const page = await ctx.newPage();
      if (who) await signIn(page, who);
      pages.set(who, page);
      return page;
    };
    for (const [kind, [who, p]] of kinds) {
      const page = await open(who);
      await page.goto(base + p);
      await page.addScriptTag({ path: axe });
      const bad = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] }))
        .violations.filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} ×${v.nodes.length} at ${v.nodes[0].target.join(" ")}`));
      for (const b of bad) found.push(`${lang} ${kind} (${who || "visitor"}): ${b}`);
    }
    for (const page of pages.values()) await page.context().close();
  }
  assert.deepEqual(found, []);
});

test("the sign-in form and the menu work with the keyboard alone", async () => {
  const ctx = await phone();
  const page = await ctx.newPage();
  await page.goto(base + "/login");
  await page.focus("#f-username");
  await page.keyboard.type("lccht.nepalganj");
  await page.keyboard.press("Tab");
  await page.keyboard.type(DEMO_PASSWORD);
  await Promise.all([page.waitForURL(base + "/"), page.keyboard.press("Enter")]);
  // From the top of the page: skip link, then the brand, then the menu button.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "menu-toggle");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("href")), "/");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute("href")), "/committees");
  await Promise.all([page.waitForURL(base + "/committees"), page.keyboard.press("Enter")]);
  await ctx.close();
});

test("each role's home page opens on its work, on a phone, in both languages", async () => {
  for (const who of ["booth.jamunaha", "police.jamunaha", "lccht.nepalganj", "district.banke"]) {
    for (const lang of ["ne", "en"]) {
      const ctx = await phone();
      await ctx.addCookies([{ name: "setu_lang", value: lang, url: base }]);
      const page = await ctx.newPage();
      await signIn(page, who);
      const work = page.locator("section.work");
      assert.ok(await work.isVisible(), `${who} sees their work`);
      // The work comes before the description of Setu.
      const order = await page.evaluate(() => {
        const w = document.querySelector("section.work"), h = document.querySelector("section.hero");
        return !!(w.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      assert.ok(order, "work first");
      await page.screenshot({ path: path.join(shots, `home-${who}-${lang}-phone.png`), fullPage: false });
      // The menu: one button on a phone opens every entry the role may open, its own work first.
      assert.equal(await page.locator("#menu-list").isVisible(), false, "the menu starts closed on a phone");
      await page.click(".menu-toggle");
      assert.equal(await page.getAttribute(".menu-toggle", "aria-expanded"), "true");
      const entries = await page.$$eval("#menu-list a", (as) => as.map((a) => {
        const r = a.getBoundingClientRect();
        return { href: a.getAttribute("href"), shown: r.width > 0 && r.left >= 0 && r.right <= 390, tall: r.height >= 44 };
      }));
      assert.ok(entries.length >= 4, `${who}: ${entries.length} entries`);
      assert.deepEqual(entries.filter((e) => !e.shown || !e.tall), [], `${who}: every entry shown whole, 44 px tall`);
      assert.equal(entries[0].href, "/");
      assert.match(entries[1].href, { "booth.jamunaha": /^\/booths\/\d+\/capture$/, "police.jamunaha": /^\/referrals$/,
        "lccht.nepalganj": /^\/committees$/, "district.banke": /^\/indicators$/ }[who], `${who}'s own work comes first`);
      if (lang === "ne") await page.screenshot({ path: path.join(shots, `menu-${who}-phone.png`), fullPage: false });
      await page.keyboard.press("Escape");
      assert.equal(await page.locator("#menu-list").isVisible(), false, "Escape closes the menu");
      await ctx.close();
    }
  }
});

test("ward risk ranks a municipality's wards, and the public statistics open without signing in", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await ctx.addCookies([{ name: "setu_lang", value: "en", url: base }]);
  const page = await ctx.newPage();
  await signIn(page, "lccht.nepalganj");
  await page.goto(base + "/wards?fy=all");
  assert.equal(await page.locator(".ward-grid li").count(), 23, "Nepalganj's 23 wards as cards");
  assert.equal(await page.locator("#ward-table tbody tr").count(), 23);
  assert.equal(await page.locator("#unranked-h").count(), 0, "every ward has its population");
  await page.screenshot({ path: path.join(shots, "wards-en-phone.png"), fullPage: true });
  await ctx.close();
  // Inaruwa has not imported its ward profile: the page says which wards lack it.
  const nat = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const np = await nat.newPage();
  await signIn(np, "national");
  await np.goto(base + "/wards?place=11309&fy=all");
  assert.equal(await np.locator("#unranked-h").count(), 1, "Inaruwa's wards lack a population");
  // The national map's legend: each key beside the next, none written over another.
  await np.goto(base + "/wards");
  const keys = await np.locator(".map-legend > span").evaluateAll((spans) =>
    spans.map((s) => {
      // What is drawn (its text may run out of its box), not the box.
      const range = document.createRange();
      range.selectNodeContents(s);
      const r = range.getBoundingClientRect();
      return [s.textContent.trim(), r.left, r.right, r.top, r.bottom];
    }));
  assert.ok(keys.length >= 4, `the legend's parts: ${JSON.stringify(keys)}`);
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const [a, b] = [keys[i], keys[j]];
      const apart = a[2] <= b[1] + 0.5 || b[2] <= a[1] + 0.5 || a[4] <= b[3] + 0.5 || b[4] <= a[3] + 0.5;
      assert.ok(apart, `legend keys "${a[0]}" and "${b[0]}" overlap`);
    }
  }
  await nat.close();

  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await visitor.addCookies([{ name: "setu_lang", value: "ne", url: base }]);
  const pub = await visitor.newPage();
  const resp = await pub.goto(base + "/statistics");
  assert.equal(resp.status(), 200);
  const main = await pub.textContent("main");
  assert.match(main, /बाँके/, "Banke's release, in Nepali");
  assert.match(main, /संस्करण/, "with its version");
  const csv = await pub.request.get(base + "/statistics/open-data.csv");
  assert.equal(csv.status(), 200);
  for (const line of (await csv.text()).trim().split("\n").slice(1)) {
    const value = line.split(",")[6];
    assert.ok(value === "" || value === "0" || Number(value) >= 11, `no small count published: ${line}`);
  }
  await pub.screenshot({ path: path.join(shots, "statistics-ne-phone.png"), fullPage: true });
  await visitor.close();
});
