// GraphiQL's fetcher: queries and mutations over HTTP POST, subscriptions over WebSocket
// (graphql-transport-ws), both carrying the signed-in user's access token.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { createClient } from 'graphql-ws';
import { httpUrl, wsUrl } from './endpoint.js';

export function bearer(accessToken) {
  return `Bearer ${accessToken}`;
}

// A header typed into GraphiQL's headers editor wins over the session's token, so a user
// can try another token without logging out.
function withAuthorization(accessToken) {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (accessToken && !headers.has('authorization')) {
      headers.set('authorization', bearer(accessToken));
    }
    return fetch(input, { ...init, headers });
  };
}

// One fetcher per session: a new token needs a new WebSocket, since the identity travels
// once, in `connection_init`. Call `dispose` when the session changes.
export function createSessionFetcher(accessToken) {
  const wsClient = createClient({
    url: wsUrl,
    lazy: true,
    connectionParams: () => (accessToken ? { Authorization: bearer(accessToken) } : {}),
  });
  const fetcher = createGraphiQLFetcher({
    url: httpUrl,
    wsClient,
    fetch: withAuthorization(accessToken),
    // The router answers plain JSON; multipart would only add a parsing step.
    enableIncrementalDelivery: false,
  });
  return { fetcher, dispose: () => wsClient.dispose() };
}
