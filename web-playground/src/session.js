// The signed-in session (access token and who it belongs to), kept in localStorage so
// that it survives a reload and is shared by every tab of the playground.
import { httpUrl } from './endpoint.js';

const STORAGE_KEY = 'mart.playground.session';

export function loadSession() {
  try {
    const session = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? 'null');
    return session && typeof session.accessToken === 'string' ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  if (session) {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } else {
    window.localStorage.removeItem(STORAGE_KEY);
  }
}

const LOGIN = `mutation PlaygroundLogin($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken expiresAt }
}`;

export class LoginError extends Error {}

// Calls the `login` mutation; resolves to a session or rejects with a LoginError whose
// message is what the user should read (the server's message and error code).
export async function logIn(email, password) {
  let response;
  try {
    response = await fetch(httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: LOGIN, variables: { email, password } }),
    });
  } catch (error) {
    throw new LoginError(`cannot reach ${httpUrl}: ${error.message}`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new LoginError(`the server answered HTTP ${response.status} without a GraphQL response`);
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code;
    throw new LoginError(code ? `${error.message} (${code})` : error.message);
  }
  const login = body.data?.login;
  if (!login?.accessToken) {
    throw new LoginError('the login answer carried no access token');
  }
  return { email, accessToken: login.accessToken, expiresAt: login.expiresAt ?? null };
}
