import { useState } from 'react';
import { DEMO_CUSTOMER } from './examples.js';
import { LoginError, logIn } from './session.js';

// Email + password → `login` mutation → the session every request then carries.
export function LoginForm({ session, onSession }) {
  const [email, setEmail] = useState(DEMO_CUSTOMER.email);
  const [password, setPassword] = useState(DEMO_CUSTOMER.password);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  if (session) {
    return (
      <form className="mart-login" onSubmit={(e) => { e.preventDefault(); onSession(null); }}>
        <span className="mart-login-status" data-testid="login-status">
          Signed in as <strong>{session.email}</strong>; requests carry its access token.
        </span>
        <button type="submit">Log out</button>
      </form>
    );
  }

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSession(await logIn(email, password));
    } catch (err) {
      setError(err instanceof LoginError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="mart-login" onSubmit={submit}>
      <label>
        Email <input type="email" name="email" value={email} autoComplete="username"
          onChange={(e) => setEmail(e.target.value)} required />
      </label>
      <label>
        Password <input type="password" name="password" value={password} autoComplete="current-password"
          onChange={(e) => setPassword(e.target.value)} required />
      </label>
      <button type="submit" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      {error && <span className="mart-login-error" role="alert">{error}</span>}
    </form>
  );
}
