import { GraphiQL } from 'graphiql';
import { useEffect, useMemo, useState } from 'react';
import { exampleTabs } from './examples.js';
import { createSessionFetcher } from './fetcher.js';
import { LoginForm } from './LoginForm.jsx';
import { loadSession, saveSession } from './session.js';

export function App() {
  const [session, setSession] = useState(loadSession);
  const accessToken = session?.accessToken ?? null;
  const { fetcher, dispose } = useMemo(() => createSessionFetcher(accessToken), [accessToken]);
  useEffect(() => dispose, [dispose]);

  const changeSession = (next) => {
    saveSession(next);
    setSession(next);
  };

  return (
    <div className="mart-app">
      <header className="mart-header">
        <span className="mart-title">Mart playground</span>
        <LoginForm session={session} onSession={changeSession} />
      </header>
      <main className="mart-graphiql">
        <GraphiQL fetcher={fetcher} defaultTabs={exampleTabs} defaultEditorToolsVisibility>
          <GraphiQL.Logo>Mart</GraphiQL.Logo>
        </GraphiQL>
      </main>
    </div>
  );
}
