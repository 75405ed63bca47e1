import { useEffect, useId, useState, type FormEvent } from "react";
import { ApiRequestError } from "../api/client.js";
import { useI18n } from "../i18n/i18n.js";
import { fetchShareInfo, unlockShare, type ShareInfo } from "./account.js";
import { GatePage } from "./SignIn.js";

export interface OpenedShare {
  info: ShareInfo;
  /** What the API takes as the bearer: the link's token, or the unlocked session's when it has a password. */
  bearer: string;
}

/**
 * A share link's entry: asks the server what it shows, asks for its password when it has one, and says so
 * plainly when the link has expired (410) or is unknown.
 */
export function ShareGate({ fetchImpl, token, onOpen }: { fetchImpl: typeof fetch; token: string; onOpen: (share: OpenedShare) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [info, setInfo] = useState<ShareInfo | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [wrong, setWrong] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    fetchShareInfo(fetchImpl, token).then(
      (answer) => {
        if (!live) return;
        if (answer.passwordRequired) setInfo(answer);
        else onOpen({ info: answer, bearer: token });
      },
      (error: unknown) => {
        if (!live) return;
        setFailure(error instanceof ApiRequestError && error.status === 410 ? t("share.gone") : error instanceof ApiRequestError && error.status === 404 ? t("share.unknown") : String(error));
      },
    );
    return () => {
      live = false;
    };
    // Asked once per token; onOpen and t are stable enough for that.
  }, [fetchImpl, token]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setWrong(null);
    try {
      const unlocked = await unlockShare(fetchImpl, token, password);
      onOpen({ info: info!, bearer: unlocked.accessToken });
    } catch (error) {
      setWrong(error instanceof ApiRequestError && error.status === 401 ? t("share.wrong") : error instanceof ApiRequestError && error.status === 429 ? t("auth.limited", { seconds: "" }) : String(error));
    }
  };

  if (failure) {
    return (
      <GatePage title={t("share.title")}>
        <p role="alert" className="state state-error" data-testid="share-failure">
          {failure}
        </p>
      </GatePage>
    );
  }
  if (!info) return <GatePage title={t("share.title")}>{null}</GatePage>;
  return (
    <GatePage title={t("share.title")}>
      <form onSubmit={submit}>
        <label htmlFor={`${id}-password`}>{t("share.password")}</label>
        <input id={`${id}-password`} type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} required />
        {wrong && (
          <p role="alert" className="state state-error">
            {wrong}
          </p>
        )}
        <button type="submit">{t("share.unlock")}</button>
      </form>
    </GatePage>
  );
}
