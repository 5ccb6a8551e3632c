// Watching subscriptions in the playground: what goes over the page's WebSockets, and
// every text the result pane shows while results stream in (GraphiQL shows only the
// latest result of a subscription, so the pane is recorded as it changes).
import { assert } from './harness.mjs';

// Records every frame of every WebSocket `page` opens from now on, parsed as JSON.
export function recordWebSockets(page) {
  const sockets = [];
  page.on('websocket', (socket) => {
    const record = { url: socket.url(), sent: [], received: [], closed: false };
    sockets.push(record);
    const parse = (frame) => {
      try {
        return JSON.parse(frame.payload);
      } catch {
        return { unparsed: String(frame.payload) };
      }
    };
    socket.on('framesent', (frame) => record.sent.push(parse(frame)));
    socket.on('framereceived', (frame) => record.received.push(parse(frame)));
    socket.on('close', () => { record.closed = true; });
  });
  return {
    sockets,
    sent: () => sockets.flatMap((s) => s.sent),
    received: () => sockets.flatMap((s) => s.received),
  };
}

// Clicks the run button until GraphiQL sends the subscription `name` over the WebSocket,
// and returns the `subscribe` message. Right after a tab switch GraphiQL may still hold
// the previous tab's operation name (see `run` in graphiql.mjs); the fetcher then takes
// the operation for a query, sends it over HTTP and the router refuses it: click again.
export async function runSubscription(page, recorder, name, { timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (;;) {
    const before = recorder.sent().length;
    let overHttp = null;
    const onRequest = (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql'
        && (request.postData() ?? '').includes(` ${name}`)) overHttp = request;
    };
    page.on('request', onRequest);
    try {
      await page.locator('.graphiql-execute-button').click();
      for (;;) {
        const sent = recorder.sent().slice(before).find((m) => m.type === 'subscribe');
        if (sent) {
          assert(sent.payload?.operationName === name,
            `GraphiQL subscribed to ${JSON.stringify(sent.payload?.operationName)}`);
          return sent;
        }
        if (overHttp) break;
        assert(Date.now() <= deadline, `GraphiQL did not send ${name} within ${timeoutMs} ms`);
        await pause(50);
      }
    } finally {
      page.off('request', onRequest);
    }
    console.log(`  GraphiQL sent ${name} under the previous tab's operation name; running it again`);
    await overHttp.response().catch(() => {});
    assert(Date.now() <= deadline, `GraphiQL kept sending ${name} over HTTP`);
    await pause(150);
  }
}

// The `field` results of subscription `id` that the page received, in order.
export function results(recorder, id, field) {
  return recorder.received()
    .filter((m) => m.type === 'next' && m.id === id)
    .map((m) => {
      assert(!m.payload?.errors, `a result with errors: ${JSON.stringify(m.payload)}`);
      return m.payload.data[field];
    });
}

// Starts recording every distinct text the result pane shows (as Monaco renders it).
export async function recordResultPane(page) {
  await page.evaluate(() => {
    const pane = document.querySelector('.graphiql-response');
    const texts = [];
    const read = () => {
      const text = pane.querySelector('.view-lines')?.innerText.replace(/\u00a0/g, ' ') ?? '';
      if (text && text !== texts.at(-1)) texts.push(text);
    };
    new MutationObserver(read).observe(pane, { childList: true, subtree: true, characterData: true });
    read();
    window.__martPaneTexts = texts;
  });
}

// Every text the pane showed since recordResultPane.
export async function paneTexts(page) {
  return page.evaluate(() => window.__martPaneTexts ?? []);
}

// The statuses the pane showed for `orderId`, in order, each time it changed.
export async function paneStatuses(page, orderId) {
  const statuses = [];
  for (const text of await paneTexts(page)) {
    if (!text.includes(`"${orderId}"`)) continue;
    const status = text.match(/"status": "([A-Z_]+)"/)?.[1];
    if (status && status !== statuses.at(-1)) statuses.push(status);
  }
  return statuses;
}

// True when `part` appears in `whole` in the same order (not necessarily adjacent).
export function inOrderWithin(part, whole) {
  let at = 0;
  for (const item of part) {
    at = whole.indexOf(item, at);
    if (at < 0) return false;
    at += 1;
  }
  return true;
}
