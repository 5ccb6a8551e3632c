// Browser test of the playground the router serves. Needs a running `mart up`:
//   MART_ROUTER_URL=http://127.0.0.1:4000 node tests/browser.mjs
// (tests/run.sh starts one). Screenshots go to target/playground/ at the repository root
// (or MART_SCREENSHOT_DIR). Exits non-zero when a step fails.
//
// Each step is `{ name, run(t) }`, run in order with `t` = { baseUrl, page, context,
// requests, consoleErrors, screenshot(name) }. Still to come, once the router serves
// subscriptions: placing an order and watching it live (myOrderUpdates) from a second tab.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EXAMPLE_TABS, editorText, openTab, queryEditor, responsePane, run, tabNames, waitForGraphiQL,
} from './lib/graphiql.mjs';
import { assert, eventually, graphql, runSteps } from './lib/harness.mjs';
import { invalidExamples } from './lib/examples.mjs';

const baseUrl = process.env.MART_ROUTER_URL;
if (!baseUrl) {
  console.error('set MART_ROUTER_URL to the router, e.g. http://127.0.0.1:4000');
  process.exit(2);
}
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const screenshotDir = process.env.MART_SCREENSHOT_DIR ?? join(repoRoot, 'target', 'playground');

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', new URL(baseUrl).hostname]);

const PRODUCTS_QUERY = `{ products(first: 10) { edges { node { id name } } } }`;

const DEMO_CUSTOMER_EMAIL = 'customer@mart.example';

// Examples whose fields the supergraph does not have yet, and why. The step below fails
// when one of them becomes valid: take it off this list then.
const PENDING_EXAMPLES = {};

const steps = [
  {
    name: 'every example operation is valid against the router\'s schema',
    async run() {
      const invalid = await invalidExamples(baseUrl);
      for (const [name, why] of Object.entries(PENDING_EXAMPLES)) {
        assert(invalid[name], `${name} is valid now (${why}): remove it from PENDING_EXAMPLES`);
        console.log(`  pending: ${name}: ${invalid[name].join('; ')}`);
      }
      const broken = Object.entries(invalid).filter(([name]) => !(name in PENDING_EXAMPLES));
      assert(broken.length === 0, `examples the router refuses: ${JSON.stringify(Object.fromEntries(broken))}`);
    },
  },
  {
    name: 'the playground opens at / with the example tabs',
    async run(t) {
      const response = await t.page.goto(new URL('/', baseUrl).toString());
      assert(response?.ok(), `GET / answered ${response?.status()}`);
      await waitForGraphiQL(t.page);
      assert((await t.page.title()) === 'Mart playground', `title is ${await t.page.title()}`);
      const tabs = await tabNames(t.page);
      for (const name of EXAMPLE_TABS) {
        assert(tabs.some((tab) => tab.includes(name)), `no ${name} tab among ${JSON.stringify(tabs)}`);
      }
      await t.screenshot('loaded');
    },
  },
  {
    name: 'every request stays on the router (no CDN)',
    async run(t) {
      // Let the lazily loaded editor modes and workers fetch what they fetch.
      await t.page.waitForLoadState('networkidle');
      const outside = t.requests
        .map((request) => new URL(request.url()))
        .filter((url) => (url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:')
          && !LOCAL_HOSTS.has(url.hostname));
      assert(outside.length === 0, `requests left the machine: ${outside.map(String).join(', ')}`);
      const failedAssets = [];
      for (const request of t.requests) {
        const response = await request.response();
        if (request.failure() || (response && response.status() >= 400)) {
          failedAssets.push(`${request.url()} (${request.failure()?.errorText ?? response.status()})`);
        }
      }
      assert(failedAssets.length === 0, `requests failed: ${failedAssets.join(', ')}`);
      assert(t.requests.some((r) => new URL(r.url()).pathname.endsWith('.js')), 'no script was loaded');
    },
  },
  {
    name: 'the products query runs from the UI and shows product names',
    async run(t) {
      const expected = await graphql(baseUrl, PRODUCTS_QUERY);
      const names = expected.products.edges.map((edge) => edge.node.name);
      assert(names.length > 0, 'the router returned no products (was the demo data seeded?)');

      await openTab(t.page, 'BrowseProducts');
      await eventually('the products query in the operation editor', async () =>
        (await editorText(queryEditor(t.page))).includes('products(first: 10)'));
      await run(t.page, 'BrowseProducts');
      // The pane shows the first lines of the answer: the first product is among them.
      await eventually(`"${names[0]}" in the result pane`, async () =>
        (await editorText(responsePane(t.page))).includes(names[0]));
      const shown = await editorText(responsePane(t.page));
      assert(!shown.includes('"errors"'), `the result has errors: ${shown}`);
      await t.screenshot('products');
    },
  },
  {
    name: 'the LogIn tab logs the demo customer in',
    async run(t) {
      await openTab(t.page, 'LogIn');
      await eventually('the login mutation in the operation editor', async () =>
        (await editorText(queryEditor(t.page))).includes('login(email: $email'));
      await run(t.page, 'LogIn');
      await eventually('an access token in the result pane', async () =>
        (await editorText(responsePane(t.page))).includes('"accessToken"'));
      const shown = await editorText(responsePane(t.page));
      assert(shown.includes(DEMO_CUSTOMER_EMAIL), `the result does not name the demo customer: ${shown}`);
      await t.screenshot('login-tab');
    },
  },
  {
    name: 'the login form signs in and queries then carry the token',
    async run(t) {
      await t.page.getByRole('button', { name: 'Log in' }).click();
      const status = t.page.getByTestId('login-status');
      await status.waitFor({ timeout: 15000 });
      assert((await status.innerText()).includes(DEMO_CUSTOMER_EMAIL), `status: ${await status.innerText()}`);
      const session = JSON.parse(await t.page.evaluate(() => localStorage.getItem('mart.playground.session')));
      assert(session?.accessToken, 'no access token stored');

      await openTab(t.page, 'BrowseProducts');
      const request = await run(t.page, 'BrowseProducts');
      const authorization = (await request.allHeaders()).authorization;
      assert(authorization === `Bearer ${session.accessToken}`, `the query carried authorization ${authorization}`);
      await t.screenshot('signed-in');
    },
  },
  {
    name: 'the signed-in customer reads their notifications',
    async run(t) {
      await openTab(t.page, 'MyNotifications');
      await run(t.page, 'MyNotifications');
      await eventually('the customer\'s email in the result pane', async () =>
        (await editorText(responsePane(t.page))).includes(DEMO_CUSTOMER_EMAIL));
      const shown = await editorText(responsePane(t.page));
      assert(shown.includes('"notifications"') && !shown.includes('"errors"'), `the result: ${shown}`);
      await t.screenshot('notifications');
    },
  },
];

const ok = await runSteps({ baseUrl, screenshotDir, steps });
process.exit(ok ? 0 : 1);
