// Runs browser test steps in order against one headless Chromium (Debian's package,
// driven by playwright-core), with screenshots as evidence and a closing
// `N passed, N failed, N skipped` line. A failed step skips the ones after it: they
// build on the state it should have left.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export async function runSteps({ baseUrl, screenshotDir, steps }) {
  mkdirSync(screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const requests = [];
  const settled = new Set();
  context.on('request', (request) => requests.push(request));
  context.on('requestfinished', (request) => settled.add(request));
  context.on('requestfailed', (request) => settled.add(request));
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));

  let shot = 0;
  const t = {
    baseUrl,
    browser,
    context,
    page,
    requests,
    consoleErrors,
    /** Resolves once no HTTP request has been in flight or started for
     * `quietMs`; fails after `timeoutMs`, naming the requests still open. */
    async untilRequestsSettle({ quietMs = 500, timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let quietSince = null;
      let seen = -1;
      for (;;) {
        const open = requests.filter((r) => !settled.has(r) && !r.url().startsWith('ws'));
        if (open.length > 0 || requests.length !== seen) {
          quietSince = null;
          seen = requests.length;
        } else if (quietSince === null) {
          quietSince = Date.now();
        } else if (Date.now() - quietSince >= quietMs) {
          return;
        }
        if (Date.now() > deadline) {
          throw new Error(`requests still open after ${timeoutMs} ms: ${open.map((r) => r.url()).join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async screenshot(name, target = page) {
      shot += 1;
      const path = join(screenshotDir, `${String(shot).padStart(2, '0')}-${name}.png`);
      await target.screenshot({ path });
      console.log(`  screenshot ${path}`);
      return path;
    },
  };

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const step of steps) {
    if (failed > 0) {
      skipped += 1;
      console.log(`SKIP ${step.name}`);
      continue;
    }
    const started = Date.now();
    try {
      await step.run(t);
      passed += 1;
      console.log(`PASS ${step.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${step.name}: ${error?.stack ?? error}`);
      await t.screenshot(`failed-${slug(step.name)}`).catch(() => {});
    }
  }
  await browser.close();
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0;
}

function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Polls `check` (returning a truthy value when done) until it succeeds or the deadline.
export async function eventually(what, check, { timeoutMs = 15000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// A GraphQL request straight to the router (not through the UI), to learn what the UI
// should show.
export async function graphql(baseUrl, query, { variables, token } = {}) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(new URL('/graphql', baseUrl), {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) {
    throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}
