// Drives the operators' console (/console/) in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) as an operator would: log in, create an upstream and a route through the forms, see the Admin API's
// validation error beside the field, watch a data plane take the new version, open the diff of that change, roll it
// back, see a change made elsewhere appear without reloading, then log in as a viewer and find every write control
// disabled and a forced write refused by the server. Started by tests/EndToEnd.Tests/Console; exits 0 when every check
// passed, otherwise non-zero with a line starting "FAIL:". Prints "route-version: N" and "rollback-version: N".
//
// Environment:
//   CONSOLE_URL      the Admin API's base URL, e.g. http://127.0.0.1:9180 (must be loopback)
//   ADMIN_KEY        an admin key (from the environment, never argv, never printed)
//   VIEWER_KEY       a viewer key
//   UPSTREAM_NODE    host:port of a real upstream for the new upstream's node
//   SCREENSHOT_DIR   where the screenshots go
//   CHROMIUM         the browser (default /usr/bin/chromium)
import path from 'node:path';
import { check, required, runInBrowser } from './harness.mjs';

const baseUrl = required('CONSOLE_URL').replace(/\/+$/, '');
const adminKey = required('ADMIN_KEY');
const viewerKey = required('VIEWER_KEY');
const upstreamNode = required('UPSTREAM_NODE');
const screenshotDir = required('SCREENSHOT_DIR');
const group = 'default';
const g = `${baseUrl}/console/groups/${group}`;
const pageErrors = [];

async function shot(page, name) {
  await page.waitForTimeout(300); // let the last render land
  await page.screenshot({ path: path.join(screenshotDir, `console-${name}.png`), fullPage: true });
}

// A form field of the console commits on "change" (when it loses focus), as a person tabbing out does.
async function setField(page, selector, value) {
  await page.fill(selector, value);
  await page.locator(selector).dispatchEvent('change');
}

async function logIn(page, key) {
  await page.goto(`${baseUrl}/console/`);
  check(new URL(page.url()).pathname === '/dashboard/login', `without a login the console sends the browser to the login page (${page.url()})`);
  await page.fill('input[name="key"]', key);
  await Promise.all([page.waitForURL(u => u.pathname === '/console/' || u.pathname === '/console'), page.click('button[type="submit"]')]);
  await page.locator('#groups').waitFor();
}

async function adminApi(method, url, key, body) {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { 'X-API-KEY': key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

await runInBrowser({ baseUrl, secrets: [adminKey, viewerKey], stepTimeoutMs: 30_000, overallTimeoutMs: 170_000 }, async (page, context, blocked) => {
  page.on('pageerror', e => pageErrors.push(e.message));

  // 1. Log in as an admin.
  await logIn(page, adminKey);
  check((await page.locator('#who').innerText()).includes('(admin)'), 'the console names the logged-in key and its role');
  const outside = (await context.cookies(`${baseUrl}/`)).concat(await context.cookies(`${baseUrl}/apisix/admin/routes`));
  check(!outside.some(c => c.name.startsWith('og_dashboard_')), 'the login cookie goes only to /console and /dashboard, nowhere else on this host');
  check(await page.locator(`#groups tr[data-group="${group}"]`).count() === 1, `the groups page lists gateway group ${group}`);
  await shot(page, 'groups');

  // Gateway groups: one created through the form, then deleted with a confirmation.
  await setField(page, '#group-id', 'console-extra');
  await setField(page, '#group-name', 'made in the console');
  await page.click('#create-group-button');
  await page.waitForURL(u => u.pathname === '/console/groups/console-extra');
  await page.locator('#dataplanes').waitFor();
  check(true, 'a gateway group was created through the form and its overview opened');
  await page.click('nav >> text=Gateway groups');
  await page.locator('#groups tr[data-group="console-extra"] button').click();
  await page.locator('#confirm').waitFor();
  await page.click('#confirm');
  await page.locator('#groups tr[data-group="console-extra"]').waitFor({ state: 'detached' });
  check(await page.locator('#groups tr[data-group]').count() === 1, 'and deleted again after a confirmation');

  // 2. An upstream through the form.
  await page.click(`#groups tr[data-group="${group}"] a`);
  await page.locator('#dataplanes').waitFor();
  await page.click('nav >> text=Upstreams');
  await page.locator('#resources').waitFor();
  await page.click('#create');
  await page.locator('#field-nodes').waitFor();
  await setField(page, '#field-name', 'echo');
  await setField(page, '#field-nodes', `${upstreamNode} 1`);
  await page.click('#save');
  await page.locator('#outcome').filter({ hasText: 'Saved upstream' }).waitFor();
  const upstreamId = new URL(page.url()).pathname.split('/').pop();
  check(/^\d+$/.test(upstreamId), `the upstream was created with the id ${upstreamId}`);
  check((await page.inputValue('#json')).includes(upstreamNode), 'the JSON editor shows the node the form set');
  await shot(page, 'upstream');

  // 3. A route through the form: a bad field first, its error beside it, then fixed.
  await page.click('nav >> text=Routes');
  await page.locator('#resources').waitFor();
  await page.click('#create');
  await page.locator('#field-uri').waitFor();
  await setField(page, '#field-name', 'console-demo');
  await setField(page, '#field-uri', '/console-demo');
  await page.check('#field-methods input[value="GET"]');
  await page.selectOption('#field-upstream_id', upstreamId);
  await setField(page, '#field-priority', 'high');
  await page.click('#save');
  const fieldError = page.locator('#error-priority');
  await fieldError.waitFor();
  const errorText = await fieldError.innerText();
  check(errorText.includes('priority'), `the Admin API's error is shown beside the priority field: ${errorText}`);
  check(await page.locator('#field-priority.invalid').count() === 1, 'the bad field is marked');
  await shot(page, 'route-error');
  await setField(page, '#field-priority', '10');
  await page.click('#save');
  await page.locator('#outcome').filter({ hasText: 'Saved route' }).waitFor();
  const routeId = new URL(page.url()).pathname.split('/').pop();
  const routeVersion = Number((await page.locator('#outcome').innerText()).match(/version (\d+)/)[1]);
  check(routeVersion > 0, `the route ${routeId} was created at version ${routeVersion}`);
  console.log(`route-version: ${routeVersion}`);
  await shot(page, 'route');

  // 4. A data plane takes the new version.
  await page.click('nav >> text=Overview');
  await page.locator('#dataplanes').waitFor();
  await page.locator(`#dataplanes tr[data-instance][data-version="${routeVersion}"]`).first().waitFor({ timeout: 45_000 });
  const mode = await page.locator('#dataplanes tr[data-instance]').first().getAttribute('data-mode');
  check(mode === 'control_plane', `a data plane runs version ${routeVersion}, in mode ${mode}`);
  await shot(page, 'overview');

  // 5. The audit log and the diff of that change.
  await page.click('nav >> text=Audit log');
  const row = page.locator(`#audit tr[data-version="${routeVersion}"]`);
  await row.waitFor();
  check((await row.innerText()).includes(`routes/${routeId}`), 'the audit log has the route\'s creation');
  check((await row.innerText()).includes('create'), 'recorded as a create');
  await shot(page, 'audit');
  await row.locator('a.diff-link').click();
  const added = page.locator(`.diff-item[data-kind="routes"][data-id="${routeId}"]`);
  await added.waitFor();
  check((await added.innerText()).includes('/console-demo'), 'the diff of that version shows the route added with its uri');
  check((await page.locator('#diff-summary').innerText()).includes('1 added'), 'the diff counts one resource added');
  await shot(page, 'diff');

  // 6. Roll it back, with a confirmation.
  await page.click('nav >> text=Audit log');
  await page.locator(`#audit tr[data-version="${routeVersion - 1}"] button.rollback`).click();
  await page.locator('#confirm').waitFor();
  await shot(page, 'rollback-confirm');
  await page.click('#confirm');
  await page.locator('#outcome').filter({ hasText: 'Rolled back' }).waitFor();
  const rollbackVersion = Number((await page.locator('#outcome').innerText()).match(/now at version (\d+)/)[1]);
  check(rollbackVersion === routeVersion + 1, `the rollback wrote version ${rollbackVersion}`);
  console.log(`rollback-version: ${rollbackVersion}`);
  await page.locator(`#audit tr[data-version="${rollbackVersion}"][data-operation="rollback"]`).waitFor();
  await shot(page, 'rollback');
  await page.click('nav >> text=Routes');
  await page.locator('#resources').waitFor();
  check(await page.locator(`#resources tr[data-id="${routeId}"]`).count() === 0, 'the rolled-back route is gone from the list');

  // 7. Live: a change made elsewhere (the Admin API) shows without reloading the page.
  const marker = await page.evaluate(() => (window.__ogMarker = Math.random()));
  const elsewhere = await adminApi('PUT', `/apisix/admin/routes/made-elsewhere`, adminKey, { uri: '/elsewhere', upstream_id: upstreamId });
  check(elsewhere.status === 201, 'a route was created through the Admin API meanwhile');
  await page.locator('#resources tr[data-id="made-elsewhere"]').waitFor({ timeout: 10_000 });
  check(await page.evaluate(() => window.__ogMarker) === marker, 'it appeared in the open list without a page reload');
  await shot(page, 'routes');

  // Two operators on one route: the editor says when it changed meanwhile, and does not save over that change.
  await page.goto(`${g}/routes/made-elsewhere`);
  await page.locator('#field-uri').waitFor();
  const other = await adminApi('PATCH', `/apisix/admin/routes/made-elsewhere`, adminKey, { desc: 'set by someone else' });
  check(other.status === 200, 'someone else changed the route meanwhile');
  await page.locator('#changed-elsewhere').waitFor({ timeout: 10_000 });
  await setField(page, '#field-name', 'mine');
  await page.click('#save');
  await page.locator('#outcome').filter({ hasText: 'changed by someone else' }).waitFor();
  check((await adminApi('GET', `/apisix/admin/routes/made-elsewhere`, adminKey)).body?.value?.desc === 'set by someone else', 'the editor did not save over the other change');
  await shot(page, 'editor-conflict');

  // 8. An ssl's private key is never shown, and saving the ssl from the console keeps it.
  await page.goto(`${g}/ssls/console-ssl`);
  await page.locator('#json').waitFor();
  const sslJson = await page.inputValue('#json');
  check(sslJson.includes('BEGIN CERTIFICATE') && !sslJson.includes('PRIVATE KEY'), 'the ssl editor shows the certificate and not the private key');
  check(!(await page.content()).includes('PRIVATE KEY'), 'the private key is nowhere in the page');
  await setField(page, '#field-snis', 'console.test, www.console.test');
  await page.click('#save');
  await page.locator('#outcome').filter({ hasText: 'Saved ssl' }).waitFor();
  check(!(await page.content()).includes('PRIVATE KEY'), 'saved without the key in the page: the stored key was kept');
  await shot(page, 'ssl');

  // 9. Snapshots: the list per bucket, verified.
  await page.click('nav >> text=Snapshots');
  await page.click('#take-snapshot');
  await page.locator('#outcome').filter({ hasText: 'Snapshot of version' }).waitFor();
  const first = page.locator('#snapshots-resources tr[data-version]').first();
  await first.waitFor();
  const snapshotVersion = await first.getAttribute('data-version');
  await first.locator('text=Verify').click();
  await page.locator(`#verified-${snapshotVersion}`).waitFor();
  check((await page.locator(`#verified-${snapshotVersion}`).innerText()).startsWith('verified'), `snapshot version ${snapshotVersion} verifies`);
  await shot(page, 'snapshots');
  await first.locator('text=Diff with live').click();
  await page.locator('#diff-summary').waitFor();
  check((await page.locator('#diff-summary').innerText()).includes(`snapshot version ${snapshotVersion}`), 'a snapshot compares with the live group');

  // 10. A viewer: every write control disabled, and a write forced through the page refused by the server.
  await page.click('header button[type="submit"]'); // log out
  await page.waitForURL(u => u.pathname === '/dashboard/login');
  await logIn(page, viewerKey);
  check((await page.locator('#who').innerText()).includes('(viewer)'), 'the viewer is named as such');
  await page.locator('#read-only').waitFor();
  const pages = [
    ['groups', `${baseUrl}/console/`, '#groups'],
    ['overview', g, '#dataplanes'],
    ['routes', `${g}/routes`, '#resources'],
    ['route-editor', `${g}/routes/made-elsewhere`, '#json'],
    ['upstreams', `${g}/upstreams`, '#resources'],
    ['new-consumer', `${g}/create/consumers`, '#json'],
    ['snapshots', `${g}/snapshots`, '#take-snapshot'],
    ['audit', `${g}/changes`, '#audit'],
  ];
  for (const [name, url, ready] of pages) {
    await page.goto(url);
    await page.locator(ready).waitFor();
    await page.waitForTimeout(300);
    const writes = page.locator('main button:not(.secondary):not(#diff-show):not(#compare), main input:not([type=checkbox]):not(#search):not([id^=filter-]):not([id^=diff-]), main textarea, main select:not(#page-size):not([id^=filter-])');
    const count = await writes.count();
    let enabled = 0;
    for (let i = 0; i < count; i++) {
      if (await writes.nth(i).isEnabled()) {
        enabled++;
        console.log(`  enabled for a viewer on ${name}: ${await writes.nth(i).evaluate(e => e.outerHTML.slice(0, 120))}`);
      }
    }
    check(count > 0 && enabled === 0, `viewer: the ${count} write controls of the ${name} page are disabled`);
    await shot(page, `viewer-${name}`);
  }
  await page.goto(`${g}/routes/made-elsewhere`);
  await page.locator('#json').waitFor();
  await page.evaluate(() => {
    for (const e of document.querySelectorAll('[disabled]')) e.removeAttribute('disabled');
  });
  await setField(page, '#field-uri', '/forced-by-a-viewer');
  await page.click('#save');
  await page.locator('#outcome').waitFor();
  const refusal = await page.locator('#outcome').innerText();
  check(refusal.includes('viewer role'), `a write forced through the page is refused by the server: ${refusal}`);
  const stored = await adminApi('GET', `/apisix/admin/routes/made-elsewhere`, viewerKey);
  check(stored.body?.value?.uri === '/elsewhere', 'and the route is unchanged');
  await shot(page, 'viewer-refused');

  // Every other write, forced through its page, is refused as well: a delete, a rollback, a restore, the configuration,
  // a new group.
  async function forced(url, ready, clicks, what) {
    await page.goto(url);
    await page.locator(ready).waitFor();
    await page.waitForTimeout(300);
    for (const selector of clicks) {
      await page.evaluate(() => { for (const e of document.querySelectorAll('[disabled]')) e.removeAttribute('disabled'); });
      await page.locator(selector).first().click();
    }
    await page.locator('#outcome').waitFor();
    const text = await page.locator('#outcome').innerText();
    check(text.includes('viewer role'), `a ${what} forced by a viewer is refused by the server: ${text}`);
  }
  await forced(`${g}/routes`, '#resources', ['#resources tr[data-id="made-elsewhere"] button.danger', '#confirm'], 'delete');
  await forced(`${g}/changes`, '#audit', ['#audit button.rollback', '#confirm'], 'rollback');
  await forced(`${g}/snapshots`, '#take-snapshot', ['#take-snapshot'], 'snapshot');
  await forced(g, '#dataplanes', ['#save-config'], 'configuration change');
  await forced(`${baseUrl}/console/`, '#groups', ['#create-group-button'], 'new gateway group');
  const after = await adminApi('GET', '/api/gateway_groups/default', viewerKey);
  check(after.body?.version === rollbackVersion + 3, `nothing the viewer forced was applied (the group is still at version ${after.body?.version})`);
  for (const [method, url, body] of [
    ['PUT', '/apisix/admin/routes/made-elsewhere', { uri: '/x', upstream_id: upstreamId }],
    ['DELETE', '/apisix/admin/routes/made-elsewhere', undefined],
    ['POST', `/api/gateway_groups/${group}/rollback?to=1`, undefined],
    ['PUT', `/api/gateway_groups/${group}/config`, {}],
    ['POST', '/api/gateway_groups', { id: 'by-a-viewer' }],
  ]) {
    const direct = await adminApi(method, url, viewerKey, body);
    check(direct.status === 401, `the Admin API refuses the viewer's ${method} ${url.split('?')[0]} (${direct.status})`);
  }

  check(pageErrors.length === 0, `no script error in the pages${pageErrors.length ? ': ' + pageErrors.join(' | ') : ''}`);
  check(blocked.length === 0, `no request left the machine${blocked.length ? ': ' + blocked.join(', ') : ''}`);
  console.log(`PASS: the console checked; screenshots in ${screenshotDir}`);
});
