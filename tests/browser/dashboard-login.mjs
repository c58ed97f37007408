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
import path from 'node:path';
import { check, required, runInBrowser } from './harness.mjs';

const baseUrl = required('DASHBOARD_URL').replace(/\/+$/, '');
const key = required('DASHBOARD_KEY');
const expectSilos = required('EXPECT_SILOS').split(',').map(s => s.trim()).filter(Boolean);
const expectGrain = required('EXPECT_GRAIN');
const screenshotDir = required('SCREENSHOT_DIR');

await runInBrowser({ baseUrl, secrets: [key], stepTimeoutMs: 20_000, overallTimeoutMs: 75_000 }, async (page, context, blocked) => {
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
});
