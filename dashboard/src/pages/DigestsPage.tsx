import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { Digest, DigestSendResult } from "@chatfunnel/schemas";
import { ApiRequestError } from "../api/client.js";
import { useApi } from "../api/context.js";
import { QueryState } from "../components/QueryState.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { createDigest, deleteDigest, digestBody, digestsQuery, sendDigestNow, type DigestDraft } from "../digests/digests-queries.js";

type FormField = "name" | "schedule" | "botToken" | "chatId" | "url";

/** Where a 400's field goes in the form: `deliver.telegram.botToken` beside the token input, and so on. */
const FIELD_OF_PATH: Record<string, FormField> = {
  name: "name",
  schedule: "schedule",
  "deliver.telegram.botToken": "botToken",
  "deliver.telegram.chatId": "chatId",
  "deliver.webhook.url": "url",
};

function fieldErrors(error: unknown): { fields: Partial<Record<FormField, string>>; general: string | null } {
  if (!(error instanceof ApiRequestError)) return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  const fields: Partial<Record<FormField, string>> = {};
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!detail || typeof detail !== "object" || !("path" in detail) || !("message" in detail)) continue;
    const field = FIELD_OF_PATH[String(detail.path)];
    if (field) fields[field] ??= String(detail.message);
  }
  return { fields, general: Object.keys(fields).length > 0 ? null : error.message };
}

const EMPTY_DRAFT: DigestDraft = { name: "", schedule: "daily", kind: "telegram", botToken: "", chatId: "", url: "" };

/** Digests: the morning (or Monday) figures to a Telegram chat or a webhook; send one now to see what arrives. */
export function DigestsPage() {
  const api = useApi();
  const query = useQuery(digestsQuery(api));
  return (
    <>
      <CreateDigest />
      <QueryState query={query}>{(data) => <DigestsTable digests={data.digests} />}</QueryState>
    </>
  );
}

function CreateDigest() {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<DigestDraft>(EMPTY_DRAFT);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState(false);
  const [errors, setErrors] = useState<ReturnType<typeof fieldErrors>>({ fields: {}, general: null });
  const set = <K extends keyof DigestDraft>(name: K, value: DigestDraft[K]) => {
    setDraft((old) => ({ ...old, [name]: value }));
    setErrors((old) => ({ ...old, fields: { ...old.fields, [name]: undefined } }));
    setCreated(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, general: null });
    try {
      await createDigest(api, digestBody(draft));
      setDraft((old) => ({ ...EMPTY_DRAFT, schedule: old.schedule, kind: old.kind }));
      setCreated(true);
      await queryClient.invalidateQueries({ queryKey: ["digests"] });
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };

  const input = (name: Exclude<FormField, "schedule">, label: string, hint: string, extra: { required?: boolean; placeholder?: string; type?: string } = {}) => {
    const id = `digest-${name}`;
    const error = errors.fields[name];
    return (
      <div className="field" data-field={name}>
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          name={name}
          type={extra.type ?? "text"}
          autoComplete="off"
          required={extra.required}
          placeholder={extra.placeholder}
          value={draft[name]}
          aria-invalid={error ? true : undefined}
          aria-describedby={[error ? `${id}-error` : "", `${id}-hint`].filter(Boolean).join(" ")}
          onChange={(e) => set(name, e.target.value)}
        />
        {error && (
          <span id={`${id}-error`} className="field-error" role="alert">
            {error}
          </span>
        )}
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      </div>
    );
  };

  return (
    <section className="panel link-form" aria-labelledby="create-digest">
      <h2 id="create-digest">{t("digests.create")}</h2>
      <p className="hint">{t("digests.explain")}</p>
      <form onSubmit={submit} aria-label={t("digests.create")}>
        <div className="form-grid">
          {input("name", t("digests.name"), t("digests.nameHint"))}
          <div className="field" data-field="schedule">
            <label htmlFor="digest-schedule">{t("digests.schedule")}</label>
            <select id="digest-schedule" name="schedule" value={draft.schedule} onChange={(e) => set("schedule", e.target.value === "weekly" ? "weekly" : "daily")}>
              <option value="daily">{t("digests.schedule.daily")}</option>
              <option value="weekly">{t("digests.schedule.weekly")}</option>
            </select>
            {errors.fields.schedule && (
              <span className="field-error" role="alert">
                {errors.fields.schedule}
              </span>
            )}
            <span className="hint">{t("digests.scheduleHint")}</span>
          </div>
          <div className="field" data-field="kind">
            <label htmlFor="digest-kind">{t("digests.deliver")}</label>
            <select id="digest-kind" name="kind" value={draft.kind} onChange={(e) => set("kind", e.target.value === "webhook" ? "webhook" : "telegram")}>
              <option value="telegram">Telegram</option>
              <option value="webhook">{t("digests.deliver.webhook")}</option>
            </select>
          </div>
          {draft.kind === "telegram" ? (
            <>
              {input("botToken", t("digests.botToken"), t("digests.botTokenHint"), { required: true, placeholder: "123456:ABC-DEF…" })}
              {input("chatId", t("digests.chatId"), t("digests.chatIdHint"), { required: true, placeholder: "-1001234567890" })}
            </>
          ) : (
            input("url", t("digests.url"), t("digests.urlHint"), { required: true, placeholder: "https://…" })
          )}
        </div>
        {errors.general && (
          <p className="state state-error" role="alert">
            {t("digests.createFailed", { message: errors.general })}
          </p>
        )}
        {created && (
          <p className="state state-ok" role="status" data-testid="digest-created">
            {t("digests.created")}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("digests.submit")}
        </button>
      </form>
    </section>
  );
}

function target(digest: Digest): string {
  if (digest.deliver.telegram) return `Telegram ${digest.deliver.telegram.chatId} (bot ${digest.deliver.telegram.botId})`;
  return digest.deliver.webhook?.url ?? "";
}

function DigestsTable({ digests }: { digests: Digest[] }) {
  const { t, format } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, DigestSendResult | string>>({});
  const [actionError, setActionError] = useState<string | null>(null);
  if (digests.length === 0) return <p className="state state-empty">{t("digests.empty")}</p>;

  const remove = async (digest: Digest) => {
    setActionError(null);
    try {
      await deleteDigest(api, digest.id);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.status === 404)) setActionError(t("digests.deleteFailed", { message: (error as Error).message }));
    }
    setConfirming(null);
    await queryClient.invalidateQueries({ queryKey: ["digests"] });
  };
  const send = async (digest: Digest) => {
    setResults((old) => ({ ...old, [digest.id]: t("digests.sending") }));
    try {
      const result = await sendDigestNow(api, digest.id);
      setResults((old) => ({ ...old, [digest.id]: result }));
    } catch (error) {
      setResults((old) => ({ ...old, [digest.id]: (error as Error).message }));
    }
    await queryClient.invalidateQueries({ queryKey: ["digests"] });
  };

  return (
    <>
      {actionError && (
        <p className="state state-error" role="alert">
          {actionError}
        </p>
      )}
      <div className="table-wrap">
        <table className="data links" data-testid="digests-table">
          <caption>{t("digests.table")}</caption>
          <thead>
            <tr>
              <th scope="col" className="left">{t("digests.name")}</th>
              <th scope="col" className="left">{t("digests.schedule")}</th>
              <th scope="col" className="left">{t("digests.deliver")}</th>
              <th scope="col" className="left">{t("digests.lastSend")}</th>
              <th scope="col" className="left">{t("digests.nextSend")}</th>
              <th scope="col" className="left">{t("links.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {digests.map((digest) => {
              const result = results[digest.id];
              return (
                <tr key={digest.id} data-digest-id={digest.id}>
                  <th scope="row" className="left">
                    {digest.name}
                  </th>
                  <td className="left">{t(`digests.schedule.${digest.schedule}` as MessageKey)}</td>
                  <td className="left">
                    <code>{target(digest)}</code>
                  </td>
                  <td className="left" data-field="last-send">
                    {digest.lastSend ? (
                      <>
                        {t(`digests.state.${digest.lastSend.state}` as MessageKey)}
                        {digest.lastSend.error && <span className="muted small"> — {digest.lastSend.error}</span>}
                        <span className="muted small"> {format.dateTimeSeconds(digest.lastSend.at)}</span>
                      </>
                    ) : (
                      t("digests.never")
                    )}
                  </td>
                  <td className="left" data-field="next-send">
                    {format.dateTimeSeconds(digest.nextSendAt)}
                  </td>
                  <td className="actions">
                    {confirming === digest.id ? (
                      <span className="confirm" role="group" aria-label={t("digests.deleteNamed", { name: digest.name })}>
                        <span>{t("digests.confirmDelete")}</span>
                        <button type="button" className="danger" onClick={() => void remove(digest)}>
                          {t("links.confirm")}
                        </button>
                        <button type="button" className="link" autoFocus onClick={() => setConfirming(null)}>
                          {t("links.cancel")}
                        </button>
                      </span>
                    ) : (
                      <>
                        <button type="button" className="link" onClick={() => void send(digest)} aria-label={t("digests.sendNamed", { name: digest.name })}>
                          {t("digests.send")}
                        </button>{" "}
                        <button type="button" className="link" aria-label={t("digests.deleteNamed", { name: digest.name })} onClick={() => setConfirming(digest.id)}>
                          {t("links.delete")}
                        </button>
                      </>
                    )}
                    {result !== undefined && <SendResult result={result} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function SendResult({ result }: { result: DigestSendResult | string }) {
  const { t } = useI18n();
  if (typeof result === "string") {
    return (
      <p className="small" role="status" data-testid="send-result">
        {result}
      </p>
    );
  }
  // `to` is the day after the period; people read the last day itself.
  const lastDay = new Date(Date.parse(`${result.content.period.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const period = result.content.period.from === lastDay ? lastDay : `${result.content.period.from} – ${lastDay}`;
  return (
    <div className="small" role="status" data-testid="send-result" data-ok={String(result.ok)}>
      <p>{result.ok ? t("digests.sentOk", { period }) : t("digests.sentFailed", { period, error: result.error ?? "" })}</p>
      <details>
        <summary>{t("digests.preview")}</summary>
        <pre data-testid="send-text" style={{ whiteSpace: "pre-wrap", maxWidth: "28rem" }}>
          {result.text.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")}
        </pre>
      </details>
    </div>
  );
}
