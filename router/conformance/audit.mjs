// The GraphQL over HTTP audit of graphql-http (the spec's reference suite) against a
// running router: `node router/conformance/audit.mjs http://127.0.0.1:4000/graphql`.
// Every audit must pass, the MAY and SHOULD ones included: the router passes them all,
// and a change that stops passing one should be a decision, not an accident.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <router /graphql URL>');
  process.exit(2);
}
// The router refuses a GET without a header a browser would have preflighted
// (CSRF_PREVENTION, router/README.md), so the audit runs as a client that sends one, as
// Apollo's clients do. Without it the three MAY audits of GET fail by design.
const preflightedFetch = (input, init = {}) => {
  const method = (init.method ?? 'GET').toUpperCase();
  if (method !== 'GET') return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('x-mart-preflight', '1');
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn: preflightedFetch });
const failed = results.filter((r) => r.status !== 'ok');
for (const r of failed) {
  console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason}`);
}
console.log(`graphql-http audit of ${url}: ${results.length - failed.length} of ${results.length} passed`);
process.exit(failed.length === 0 ? 0 : 1);
