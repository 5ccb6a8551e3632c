// The router serves this page, so its GraphQL endpoint is on the page's own origin.
export const httpUrl = new URL('/graphql', window.location.origin).toString();

export const wsUrl = (() => {
  const url = new URL('/graphql', window.location.origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
})();
