// Driving GraphiQL 5's UI: tabs, the run button and the Monaco editors.

export const EXAMPLE_TABS = ['BrowseProducts', 'SearchProducts', 'CreateCart', 'LogIn', 'PlaceOrder', 'WatchMyOrders', 'MyNotifications'];

export async function waitForGraphiQL(page) {
  await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 30000 });
  // Monaco renders the operation editor once its module and worker are loaded.
  await page.locator('.graphiql-query-editor .monaco-editor .view-lines').first()
    .waitFor({ state: 'visible', timeout: 30000 });
}

export async function tabNames(page) {
  return page.locator('.graphiql-tab-button').allInnerTexts();
}

// Resolves once the tab is the active one: running right after the click could still
// run the previous tab's operation.
export async function openTab(page, name) {
  await page.locator('.graphiql-tab-button', { hasText: name }).first().click();
  await page.locator('.graphiql-tab-active', { hasText: name }).waitFor({ timeout: 5000 });
}

// Monaco renders only visible lines and uses non-breaking spaces: normalise.
export async function editorText(locator) {
  const text = await locator.locator('.view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

export function queryEditor(page) {
  return page.locator('.graphiql-query-editor');
}

export function responsePane(page) {
  return page.locator('.graphiql-response');
}

function graphqlBody(request) {
  if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/graphql') return null;
  try {
    return JSON.parse(request.postData() ?? '');
  } catch {
    return null;
  }
}

// Clicks the run button until GraphiQL sends the operation `name` over HTTP, and returns
// that request. GraphiQL learns the operation name of a tab's text 100 ms after it changes
// (debounced), so a click right after switching tabs can send the new text under the
// previous tab's operation name; the server refuses that without running anything.
export async function run(page, name, { timeoutMs = 10000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sent = page.waitForRequest((request) => {
      const body = graphqlBody(request);
      return body !== null && body.query?.includes(` ${name}`);
    }, { timeout: timeoutMs });
    await page.locator('.graphiql-execute-button').click();
    const request = await sent;
    const operationName = graphqlBody(request).operationName;
    if (operationName === name) return request;
    if (Date.now() > deadline) {
      throw new Error(`GraphiQL kept sending ${name} as operation ${operationName}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

// The variables editor of the active tab.
export function variablesEditor(page) {
  return page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden)').first();
}

// Replaces the active tab's variables with `variables` (as a user pasting them would).
export async function setVariables(page, variables) {
  const editor = variablesEditor(page);
  await editor.locator('.monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // One line: typed line breaks would be auto-indented.
  await page.keyboard.insertText(JSON.stringify(variables));
}
