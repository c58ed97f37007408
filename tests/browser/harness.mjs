// What every browser script of the end-to-end tests shares: its environment, checks that print "ok: …", and a headless
// Chromium (Debian's, driven by playwright-core) that talks to this machine only, bounded in time.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The value of an environment variable the script needs; exits 2 with "FAIL:" when it is missing. */
export function required(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`FAIL: environment variable ${name} is not set`);
    process.exit(2);
  }
  return value;
}

export function isLoopback(url) {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** Throws (the script then prints "FAIL: message") unless the condition holds; prints "ok: message" when it does. */
export function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
  console.log(`ok: ${message}`);
}

/**
 * Runs `steps(page, context, blocked)` in a fresh headless Chromium profile: the base URL must be loopback, nothing
 * the pages ask for may leave the machine (such requests are aborted and listed in `blocked`), and the whole run is
 * bounded by `overallTimeoutMs`. Exit code 0 when the steps finish, 1 with "FAIL: …" (secrets replaced) when they throw.
 */
export async function runInBrowser({ baseUrl, secrets = [], stepTimeoutMs = 20_000, overallTimeoutMs = 75_000 }, steps) {
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
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // Belt and braces: no name but 127.0.0.1 resolves, so nothing the browser itself might fetch leaves the machine.
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      ],
    });
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
    await steps(page, context, blocked);
    process.exitCode = 0;
  } catch (e) {
    let message = e.message.split('\n')[0];
    for (const secret of secrets) {
      message = message.replaceAll(secret, '<secret>');
    }
    console.log(`FAIL: ${message}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await context?.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}
