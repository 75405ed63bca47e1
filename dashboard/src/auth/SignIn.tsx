import { useId, useState, type FormEvent, type ReactNode } from "react";
import { ApiRequestError } from "../api/client.js";
import { useI18n, type Translate } from "../i18n/i18n.js";
import { LanguageSwitch } from "../components/LanguageSwitch.js";
import { KeyForm } from "./KeyGate.js";
import { acceptInvite, logIn } from "./account.js";

export function GatePage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="gate">
      <div className="gate-top">
        <LanguageSwitch />
      </div>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

function failureText(error: unknown, t: Translate): string {
  if (error instanceof ApiRequestError && error.status === 429) {
    return t("auth.limited", { seconds: String((error as ApiRequestError & { retryAfterS?: number }).retryAfterS ?? "") });
  }
  if (error instanceof ApiRequestError && error.status === 401) return t("auth.refused");
  return error instanceof Error ? error.message : String(error);
}

/** Shown when there is no key and no session: an account's login, and below it the read key as before. */
export function SignIn({ fetchImpl, keyRejected, onKey, onSignedIn }: { fetchImpl: typeof fetch; keyRejected: boolean; onKey: (key: string) => void; onSignedIn: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await logIn(fetchImpl, email, password);
      onSignedIn();
    } catch (failure) {
      setError(failureText(failure, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <GatePage title={t("auth.title")}>
      <form onSubmit={submit} aria-label={t("auth.title")}>
        <label htmlFor={`${id}-email`}>{t("auth.email")}</label>
        <input id={`${id}-email`} name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
        <label htmlFor={`${id}-password`}>{t("auth.password")}</label>
        <input id={`${id}-password`} name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        {error && (
          <p role="alert" className="state state-error" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("auth.submit")}
        </button>
      </form>
      <KeyForm rejected={keyRejected} onKey={onKey} />
    </GatePage>
  );
}

/** /invite#token=…: sets the password once, which also logs the user in. */
export function InviteGate({ fetchImpl, token, onSignedIn }: { fetchImpl: typeof fetch; token: string; onSignedIn: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await acceptInvite(fetchImpl, token, password);
      history.replaceState(null, "", "/");
      onSignedIn();
    } catch (failure) {
      setError(failure instanceof ApiRequestError && failure.status === 410 ? t("invite.gone") : failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <GatePage title={t("invite.title")}>
      <form onSubmit={submit}>
        <label htmlFor={`${id}-password`}>{t("auth.newPassword")}</label>
        <input id={`${id}-password`} type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} required />
        {error && (
          <p role="alert" className="state state-error">
            {error}
          </p>
        )}
        <button type="submit">{t("invite.submit")}</button>
      </form>
    </GatePage>
  );
}
