// Logs in to a silo's Orleans dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// and checks what a person would see. Started by tests/EndToEnd.Tests/Dashboard; exits 0 when every check passed,
// otherwise non-zero with a line starting "FAIL:".
//
// Environment:
//   DASHBOARD_URL      the Admin API's base URL, e.g. http://127.0.0.1:9180 (must be loopback)
//   DASHBOARD_KEY      a valid admin or viewer key (taken from the environment, never from argv, never printed)
//   EXPECT_SILOS       comma-separated silo endpoints (ip:port) the dashboard must list
//   EXPECT_GRAIN       a grain type name the dashboard must list, e.g. GatewayGroupGrain
//   SCREENSHOT_DIR     where the screenshots go
//   CHROMIUM           the browser (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const baseUrl = required('DASHBOARD_URL').replace(/\/+$/, '');
const key = required('DASHBOARD_KEY');
const expectSilos = required('EXPECT_SILOS').split(',').map(s => s.trim()).filter(Boolean);
const expectGrain = required('EXPECT_GRAIN');
const screenshotDir = required('SCREENSHOT_DIR');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const stepTimeoutMs = 20_000;
const overallTimeoutMs = 75_000;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`FAIL: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

function isLoopback(url) {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
  console.log(`ok: ${message}`);
}

if (!isLoopback(baseUrl)) {
  console.log(`FAIL: ${baseUrl} is not a loopback address; this test only talks to this machine`);
  process.exit(2);
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'og-chromium-'));
const blocked = [];
let context;
const watchdog = setTimeout(() => {
  console.log(`FAIL: the browser checks did not finish within ${overallTimeoutMs / 1000} s`);
  process.exit(3);
}, overallTimeoutMs);

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Belt and braces: no name but 127.0.0.1 resolves, so nothing the browser itself might fetch leaves the machine
      // (the test only talks to 127.0.0.1).
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
  // Nothing the page asks for may leave the machine.
  await context.route('**/*', route => {
    const url = route.request().url();
    if (url.startsWith('data:') || isLoopback(url)) {
      return route.continue();
    }
    blocked.push(url);
    return route.abort();
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  page.on('pageerror', e => console.log(`page error: ${e.message}`));

  // 1. Not logged in: the dashboard sends the browser to the login page.
  await page.goto(`${baseUrl}/dashboard/`);
  check(new URL(page.url()).pathname === '/dashboard/login', `without a login /dashboard/ lands on the login page (${page.url()})`);
  await page.locator('input[name="key"]').waitFor();
  await page.screenshot({ path: path.join(screenshotDir, 'dashboard-login.png') });

  // 2. A wrong key is refused: 401, the login page again, with an error.
  await page.fill('input[name="key"]', 'not-the-key-' + Date.now());
  const [refused] = await Promise.all([
    page.waitForResponse(r => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'),
    page.click('button[type="submit"]'),
  ]);
  await page.waitForLoadState();
  check(refused.status() === 401, `a wrong key gets 401 (got ${refused.status()})`);
  check(new URL(page.url()).pathname === '/dashboard/login', 'a wrong key stays on the login page');
  check((await page.locator('[role="alert"]').innerText()).includes('not valid'), 'a wrong key shows an error');
  const cookiesAfterRefusal = await context.cookies(`${baseUrl}/dashboard/`);
  check(!cookiesAfterRefusal.some(c => c.name.startsWith('og_dashboard_')), 'a wrong key sets no login cookie');

  // 3. The right key logs in and lands on the dashboard.
  await page.fill('input[name="key"]', key);
  await Promise.all([
    page.waitForURL(u => u.pathname === '/dashboard/'),
    page.click('button[type="submit"]'),
  ]);
  check(true, `the right key leads to the dashboard (${page.url()})`);
  const cookie = (await context.cookies(`${baseUrl}/dashboard/`)).find(c => c.name.startsWith('og_dashboard_'));
  check(cookie !== undefined, 'the login set the dashboard cookie');
  check(cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/dashboard', 'the cookie is HttpOnly, SameSite=Strict, Path=/dashboard');
  check(!cookie.value.includes(key), 'the cookie does not contain the key');

  // 4. The dashboard shows the cluster: every silo, and the grain type.
  await page.goto(`${baseUrl}/dashboard/#/silos`);
  for (const silo of expectSilos) {
    await page.getByText(silo, { exact: false }).first().waitFor();
    check(true, `the dashboard lists silo ${silo}`);
  }
  await page.goto(`${baseUrl}/dashboard/#/grains`);
  await page.getByText(expectGrain, { exact: false }).first().waitFor();
  check(true, `the dashboard lists grain type ${expectGrain}`);
  await page.screenshot({ path: path.join(screenshotDir, 'dashboard-grains.png'), fullPage: true });
  await page.goto(`${baseUrl}/dashboard/#/`);
  await page.getByText('Active Silos').first().waitFor();
  await page.waitForTimeout(1500); // let the charts draw a few samples
  await page.screenshot({ path: path.join(screenshotDir, 'dashboard-overview.png'), fullPage: true });

  check(blocked.length === 0, `no request left the machine${blocked.length ? ': ' + blocked.join(', ') : ''}`);
  console.log(`PASS: dashboard login and content checked; screenshots in ${screenshotDir}`);
  process.exitCode = 0;
} catch (e) {
  console.log(`FAIL: ${e.message.split('\n')[0].replaceAll(key, '<key>')}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await context?.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
