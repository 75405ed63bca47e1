import { useEffect, useState } from "react";

interface Figures {
  users: number;
  newUsers: number;
  sessions: number;
  leads: number;
  orders: number;
  revenue: { amount: number; currency: string };
  spend: { amount: number; currency: string };
}

/** The read key arrives once in the URL fragment (never sent to servers in logs) and is remembered. */
function readKey(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("key");
  if (fromHash) {
    localStorage.setItem("chatfunnel.readKey", fromHash);
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return fromHash;
  }
  return localStorage.getItem("chatfunnel.readKey");
}

function lastDays(days: number): { from: string; to: string } {
  const to = new Date(Date.now() + 86_400_000);
  const from = new Date(to.getTime() - days * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

export function App() {
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const key = readKey();
    if (!key) {
      setError("Open the URL printed by `npm start`: it carries the read key.");
      return;
    }
    const { from, to } = lastDays(30);
    fetch(`/api/v1/overview?from=${from}&to=${to}`, { headers: { Authorization: `Bearer ${key}` } })
      .then(async (res) => {
        const body = await res.json();
        if (!res.ok) throw new Error(body?.error?.message ?? res.statusText);
        setFigures(body.current as Figures);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: 24 }}>
      <h1>Chatfunnel</h1>
      <p>Last 30 days. The full dashboard is on its way.</p>
      {error && <p role="alert">{error}</p>}
      {figures && (
        <dl data-testid="overview">
          <dt>Users</dt><dd data-metric="users">{figures.users}</dd>
          <dt>New users</dt><dd data-metric="newUsers">{figures.newUsers}</dd>
          <dt>Requests (sessions)</dt><dd data-metric="sessions">{figures.sessions}</dd>
          <dt>Leads</dt><dd data-metric="leads">{figures.leads}</dd>
          <dt>Orders</dt><dd data-metric="orders">{figures.orders}</dd>
          <dt>Revenue</dt><dd data-metric="revenue">{figures.revenue.amount} {figures.revenue.currency}</dd>
          <dt>Spend</dt><dd data-metric="spend">{figures.spend.amount} {figures.spend.currency}</dd>
        </dl>
      )}
    </main>
  );
}
