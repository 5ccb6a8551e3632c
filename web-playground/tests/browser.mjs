// Browser test of the playground the router serves. Needs a running `mart up`:
//   MART_ROUTER_URL=http://127.0.0.1:4000 node tests/browser.mjs
// (tests/run.sh starts one). Screenshots go to target/playground/ at the repository root
// (or MART_SCREENSHOT_DIR). Exits non-zero when a step fails.
//
// Each step is `{ name, run(t) }`, run in order with `t` = { baseUrl, page, context,
// requests, consoleErrors, screenshot(name) }. The last steps watch orders live: the
// signed-in customer starts WatchMyOrders (myOrderUpdates over WebSocket), places an order
// from a second tab, then one over HTTP, and sees it move in the first tab's result pane.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EXAMPLE_TABS, editorText, openTab, queryEditor, responsePane, run, setVariables, tabNames,
  waitForGraphiQL,
} from './lib/graphiql.mjs';
import { assert, eventually, graphql, runSteps } from './lib/harness.mjs';
import { invalidExamples } from './lib/examples.mjs';
import {
  inOrderWithin, paneStatuses, recordResultPane, recordWebSockets, results, runSubscription,
} from './lib/live.mjs';

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

// What the saga does with an order paid with `tok_ok`, up to the shipping label.
const SAGA = ['PENDING', 'RESERVED', 'CONFIRMED', 'AWAITING_SHIPMENT'];

const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id number status }
}`;

// The PlaceOrder tab's variables with a product from the catalogue and a fresh key.
function orderVariables(productId, key) {
  return {
    input: {
      lines: [{ productId, quantity: 1 }],
      address: {
        name: 'Demo Customer',
        line1: '1 Example Street',
        city: 'Amsterdam',
        postalCode: '1011 AA',
        country: 'NL',
      },
      paymentToken: 'tok_ok',
      idempotencyKey: `${key}-${Date.now()}`,
    },
  };
}

async function sessionToken(page) {
  const session = JSON.parse(await page.evaluate(() => localStorage.getItem('mart.playground.session')));
  assert(session?.accessToken, 'no access token stored');
  return session.accessToken;
}

// State the live steps hand on to each other.
const live = { recorder: null, subscriptionId: null, productId: null };

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
      // (Playwright's 'networkidle' also waits on long-lived connections and
      // once timed out here with every asset loaded.)
      await t.untilRequestsSettle();
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
  {
    name: 'WatchMyOrders subscribes over WebSocket with the token in connection_init',
    async run(t) {
      const token = await sessionToken(t.page);
      live.recorder = recordWebSockets(t.page);
      await openTab(t.page, 'WatchMyOrders');
      await eventually('the subscription in the operation editor', async () =>
        (await editorText(queryEditor(t.page))).includes('myOrderUpdates'));
      await recordResultPane(t.page);
      const subscribe = await runSubscription(t.page, live.recorder, 'WatchMyOrders');
      live.subscriptionId = subscribe.id;

      const socket = live.recorder.sockets.at(-1);
      const router = new URL(baseUrl);
      const at = new URL(socket.url);
      assert(at.protocol === 'ws:' && at.host === router.host && at.pathname === '/graphql',
        `the subscription went to ${socket.url}`);
      const init = socket.sent.find((m) => m.type === 'connection_init');
      assert(init?.payload?.Authorization === `Bearer ${token}`,
        `connection_init carried ${JSON.stringify(init?.payload)}`);
      await eventually('connection_ack', () => socket.received.some((m) => m.type === 'connection_ack'));
      const refused = socket.received.find((m) => m.type === 'error' || m.payload?.errors);
      assert(!refused, `the router refused the subscription: ${JSON.stringify(refused)}`);
      await t.screenshot('watching-my-orders');
    },
  },
  {
    name: 'an order placed in a second tab shows up live in the first',
    async run(t) {
      const catalogue = await graphql(baseUrl,
        '{ products(first: 20) { edges { node { id name stock { inStock } } } } }');
      const product = catalogue.products.edges.map((e) => e.node).find((p) => p.stock?.inStock);
      assert(product, 'no product in stock (was the demo data seeded?)');
      live.productId = product.id;

      // The second tab shares the first one's session (localStorage).
      const second = await t.context.newPage();
      await second.goto(new URL('/', baseUrl).toString());
      await waitForGraphiQL(second);
      await openTab(second, 'PlaceOrder');
      await eventually('the placeOrder mutation in the second tab', async () =>
        (await editorText(queryEditor(second))).includes('placeOrder(input'));
      await setVariables(second, orderVariables(product.id, 'playground-tab'));
      const request = await run(second, 'PlaceOrder');
      const sent = JSON.parse(request.postData());
      assert(sent.variables?.input?.lines?.[0]?.productId === product.id,
        `the tab sent variables ${JSON.stringify(sent.variables)}`);
      const body = await (await request.response()).json();
      assert(!body.errors, `placeOrder failed: ${JSON.stringify(body.errors)}`);
      const order = body.data.placeOrder;
      await eventually(`${order.number} in the second tab's result pane`, async () =>
        (await editorText(responsePane(second))).includes(order.number));
      await t.screenshot('second-tab-placed-order', second);
      await second.close();

      await t.page.bringToFront();
      await eventually(`${order.number} live in the first tab's result pane`, async () =>
        (await editorText(responsePane(t.page))).includes(order.number), { timeoutMs: 30000 });
      await t.screenshot('first-tab-sees-the-order');
    },
  },
  {
    name: 'an order placed over HTTP moves PENDING → RESERVED → CONFIRMED → AWAITING_SHIPMENT in the result pane',
    async run(t) {
      // The subscription is live: the previous step's order reached it.
      const token = await sessionToken(t.page);
      const placed = await graphql(baseUrl, PLACE_ORDER, {
        token,
        variables: orderVariables(live.productId, 'playground-http'),
      });
      const { id, number } = placed.placeOrder;
      const updates = () => results(live.recorder, live.subscriptionId, 'myOrderUpdates')
        .filter((update) => update.order.id === id);
      await eventually(`${number} to reach AWAITING_SHIPMENT over the WebSocket`, () =>
        updates().some((u) => u.status === 'AWAITING_SHIPMENT'), { timeoutMs: 60000 });
      const statuses = updates().map((u) => u.status);
      assert(JSON.stringify(statuses) === JSON.stringify(SAGA),
        `the page received ${statuses.join(' → ')} (each once, in order, expected)`);
      updates().forEach((update, i) => {
        const previous = i === 0 ? null : SAGA[i - 1];
        assert(update.previousStatus === previous,
          `${update.status} came with previousStatus ${update.previousStatus}`);
        assert(update.order.number === number, `an update of ${number} names ${update.order.number}`);
      });

      await eventually(`${number} AWAITING_SHIPMENT in the result pane`, async () =>
        (await paneStatuses(t.page, id)).at(-1) === 'AWAITING_SHIPMENT');
      const shown = await paneStatuses(t.page, id);
      assert(inOrderWithin(shown, SAGA), `the pane showed ${shown.join(' → ')}`);
      console.log(`  the result pane showed ${shown.join(' → ')}`);
      const pane = await editorText(responsePane(t.page));
      assert(pane.includes(number) && pane.includes('"previousStatus": "CONFIRMED"'), `the pane: ${pane}`);
      await t.screenshot('live-order-awaiting-shipment');
    },
  },
  {
    name: 'a guest cart, merged at login, discounted and checked out, goes live to AWAITING_SHIPMENT with the cart\'s total',
    async run(t) {
      // The CreateCart tab's operations, sent as the page would: a guest first, then the
      // signed-in customer (the page's session).
      const token = await sessionToken(t.page);
      const { createCart } = await graphql(baseUrl, 'mutation { createCart { id } }');
      const cartId = createCart.id;
      // Enough of it for WELCOME10's minimum subtotal of 20.00.
      const { product } = await graphql(baseUrl, 'query($p: ID!) { product(id: $p) { price { amountMinor } } }',
        { variables: { p: live.productId } });
      const quantity = Math.max(1, Math.ceil(2000 / product.price.amountMinor));
      await graphql(baseUrl, 'mutation($c: ID!, $p: ID!, $q: Int!) { addToCart(cartId: $c, productId: $p, quantity: $q) { id } }',
        { variables: { c: cartId, p: live.productId, q: quantity } });
      const asCustomer = (query, variables) => graphql(baseUrl, query, { token, variables });
      await asCustomer('mutation($c: ID!) { mergeCart(guestCartId: $c) { id } }', { c: cartId });
      const { myCart } = await asCustomer('{ myCart { id } }');
      await asCustomer(`mutation($c: ID!) { setCartAddress(cartId: $c, address: { name: "Demo Customer",
        line1: "1 Example Street", city: "Amsterdam", postalCode: "1011 AA", country: "NL" }) { id } }`, { c: myCart.id });
      const { applyDiscountCode: cart } = await asCustomer(`mutation($c: ID!) {
        applyDiscountCode(cartId: $c, code: "WELCOME10") { discount { amountMinor } tax { amountMinor } total { amountMinor } } }`,
      { c: myCart.id });
      assert(cart.discount?.amountMinor > 0, `WELCOME10 took nothing off: ${JSON.stringify(cart)}`);
      const { checkoutComplete: done } = await asCustomer(`mutation($c: ID!, $k: String!, $e: Int!) {
        checkoutComplete(cartId: $c, paymentToken: "tok_ok", idempotencyKey: $k, expectedTotal: $e) {
          outcome order { id number total { amountMinor } discount { amountMinor } tax { amountMinor } } } }`,
      { c: myCart.id, k: `browser-checkout-${Date.now()}`, e: cart.total.amountMinor });
      assert(done.outcome === 'PLACED' && done.order, `checkout answered ${JSON.stringify(done)}`);
      const { id, number } = done.order;
      assert(done.order.total.amountMinor === cart.total.amountMinor
        && done.order.discount.amountMinor === cart.discount.amountMinor
        && done.order.tax.amountMinor === cart.tax.amountMinor,
      `the order ${JSON.stringify(done.order)} is not the cart ${JSON.stringify(cart)}`);

      const updates = () => results(live.recorder, live.subscriptionId, 'myOrderUpdates')
        .filter((update) => update.order.id === id);
      await eventually(`${number} to reach AWAITING_SHIPMENT over the WebSocket`, () =>
        updates().some((u) => u.status === 'AWAITING_SHIPMENT'), { timeoutMs: 60000 });
      const statuses = updates().map((u) => u.status);
      assert(JSON.stringify(statuses) === JSON.stringify(SAGA),
        `the page received ${statuses.join(' → ')} for the checked-out order`);
      await eventually(`${number} AWAITING_SHIPMENT in the result pane`, async () =>
        (await paneStatuses(t.page, id)).at(-1) === 'AWAITING_SHIPMENT');
      await t.screenshot('checked-out-order-awaiting-shipment');
    },
  },
];

const ok = await runSteps({ baseUrl, screenshotDir, steps });
process.exit(ok ? 0 : 1);
