import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { Webhook, WebhookCreated, WebhookTestResult } from "@chatfunnel/schemas";
import { ApiRequestError } from "../api/client.js";
import { useApi } from "../api/context.js";
import { CopyButton } from "../components/CopyButton.js";
import { QueryState } from "../components/QueryState.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { createWebhook, deleteWebhook, parseEventTypes, testWebhook, webhookDeliveriesQuery, webhooksQuery } from "../webhooks/webhooks-queries.js";

type FormField = "url" | "events" | "secret";

/** A 400 names its field (url, events, secret); the message goes beside that input, anything else above. */
function fieldErrors(error: unknown): { fields: Partial<Record<FormField, string>>; general: string | null } {
  if (!(error instanceof ApiRequestError)) return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  const fields: Partial<Record<FormField, string>> = {};
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!detail || typeof detail !== "object" || !("path" in detail) || !("message" in detail)) continue;
    const name = String(detail.path).split(".")[0];
    if (name === "url" || name === "events" || name === "secret") fields[name] ??= String(detail.message);
  }
  return { fields, general: Object.keys(fields).length > 0 ? null : error.message };
}

/** Webhooks: send chosen events (leads) to a CRM's incoming webhook, test it, read its delivery log. */
export function WebhooksPage() {
  const api = useApi();
  const query = useQuery(webhooksQuery(api));
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  return (
    <>
      <CreateWebhook onCreated={setCreated} />
      {created && <CreatedWebhook webhook={created} />}
      <QueryState query={query}>{(data) => <WebhooksTable webhooks={data.webhooks} />}</QueryState>
    </>
  );
}

function CreateWebhook({ onCreated }: { onCreated: (webhook: WebhookCreated) => void }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState("lead");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ReturnType<typeof fieldErrors>>({ fields: {}, general: null });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, general: null });
    try {
      const webhook = await createWebhook(api, { url: url.trim(), events: parseEventTypes(events), ...(secret.trim() ? { secret: secret.trim() } : {}) });
      onCreated(webhook);
      setUrl("");
      setSecret("");
      await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };

  const input = (name: FormField, label: string, value: string, set: (value: string) => void, hint: string, extra: { required?: boolean; placeholder?: string } = {}) => {
    const id = `webhook-${name}`;
    const error = errors.fields[name];
    return (
      <div className="field" data-field={name}>
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          name={name}
          autoComplete="off"
          required={extra.required}
          placeholder={extra.placeholder}
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={[error ? `${id}-error` : "", `${id}-hint`].filter(Boolean).join(" ")}
          onChange={(e) => {
            set(e.target.value);
            setErrors((old) => ({ ...old, fields: { ...old.fields, [name]: undefined } }));
          }}
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
    <section className="panel link-form" aria-labelledby="create-webhook">
      <h2 id="create-webhook">{t("webhooks.create")}</h2>
      <p className="hint">{t("webhooks.explain")}</p>
      <form onSubmit={submit} aria-label={t("webhooks.create")}>
        <div className="form-grid">
          {input("url", t("webhooks.url"), url, setUrl, t("webhooks.urlHint"), { required: true, placeholder: "https://example.amocrm.ru/..." })}
          {input("events", t("webhooks.events"), events, setEvents, t("webhooks.eventsHint"), { required: true })}
          {input("secret", t("webhooks.secret"), secret, setSecret, t("webhooks.secretHint"))}
        </div>
        {errors.general && (
          <p className="state state-error" role="alert">
            {t("webhooks.createFailed", { message: errors.general })}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("webhooks.submit")}
        </button>
      </form>
    </section>
  );
}

function CreatedWebhook({ webhook }: { webhook: WebhookCreated }) {
  const { t } = useI18n();
  return (
    <div className="panel created-link state-ok" role="status" data-testid="created-webhook">
      <p>{t("webhooks.created")}</p>
      <p className="link-url">
        <code data-testid="created-secret">{webhook.secret}</code> <CopyButton text={webhook.secret} what={t("webhooks.secret")} />
      </p>
    </div>
  );
}

function WebhooksTable({ webhooks }: { webhooks: Webhook[] }) {
  const { t, format } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, WebhookTestResult | string>>({});
  const [actionError, setActionError] = useState<string | null>(null);
  if (webhooks.length === 0) return <p className="state state-empty">{t("webhooks.empty")}</p>;

  const remove = async (webhook: Webhook) => {
    setActionError(null);
    try {
      await deleteWebhook(api, webhook.id);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.status === 404)) setActionError(t("webhooks.deleteFailed", { message: (error as Error).message }));
    }
    setConfirming(null);
    await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
  };
  const test = async (webhook: Webhook) => {
    setTests((old) => ({ ...old, [webhook.id]: t("webhooks.testing") }));
    try {
      const result = await testWebhook(api, webhook.id);
      setTests((old) => ({ ...old, [webhook.id]: result }));
    } catch (error) {
      setTests((old) => ({ ...old, [webhook.id]: (error as Error).message }));
    }
  };

  return (
    <>
      {actionError && (
        <p className="state state-error" role="alert">
          {actionError}
        </p>
      )}
      <div className="table-wrap">
        <table className="data links" data-testid="webhooks-table">
          <caption>{t("webhooks.table")}</caption>
          <thead>
            <tr>
              <th scope="col" className="left">{t("webhooks.url")}</th>
              <th scope="col" className="left">{t("webhooks.events")}</th>
              <th scope="col" className="left">{t("webhooks.status")}</th>
              <th scope="col" className="left">{t("webhooks.lastDelivery")}</th>
              <th scope="col" className="left">{t("links.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.map((webhook) => {
              const result = tests[webhook.id];
              return (
                <tr key={webhook.id} data-webhook-id={webhook.id}>
                  <th scope="row" className="url-cell">
                    <code>{webhook.url}</code>
                  </th>
                  <td className="left">{webhook.events.join(", ")}</td>
                  <td className="left" data-field="status">
                    {t(`webhooks.status.${webhook.status}` as MessageKey)}
                    {webhook.disabledReason && <span className="muted small" data-field="disabled-reason"> — {webhook.disabledReason}</span>}
                  </td>
                  <td className="left" data-field="last-delivery">
                    {webhook.lastDelivery ? (
                      <>
                        {t(`webhooks.state.${webhook.lastDelivery.state}` as MessageKey)}
                        {webhook.lastDelivery.statusCode !== null && ` (HTTP ${webhook.lastDelivery.statusCode})`}
                        <span className="muted small"> {format.dateTimeSeconds(webhook.lastDelivery.at)}</span>
                      </>
                    ) : (
                      t("webhooks.never")
                    )}
                  </td>
                  <td className="actions">
                    {confirming === webhook.id ? (
                      <span className="confirm" role="group" aria-label={t("webhooks.deleteNamed", { url: webhook.url })}>
                        <span>{t("webhooks.confirmDelete")}</span>
                        <button type="button" className="danger" onClick={() => void remove(webhook)}>
                          {t("links.confirm")}
                        </button>
                        <button type="button" className="link" autoFocus onClick={() => setConfirming(null)}>
                          {t("links.cancel")}
                        </button>
                      </span>
                    ) : (
                      <>
                        <button type="button" className="link" onClick={() => void test(webhook)} aria-label={t("webhooks.testNamed", { url: webhook.url })}>
                          {t("webhooks.test")}
                        </button>{" "}
                        <button type="button" className="link" aria-expanded={open === webhook.id} onClick={() => setOpen(open === webhook.id ? null : webhook.id)}>
                          {t("webhooks.log")}
                        </button>{" "}
                        <button type="button" className="link" aria-label={t("webhooks.deleteNamed", { url: webhook.url })} onClick={() => setConfirming(webhook.id)}>
                          {t("links.delete")}
                        </button>
                      </>
                    )}
                    {result !== undefined && (
                      <p className="small" role="status" data-testid="test-result">
                        {typeof result === "string"
                          ? result
                          : result.delivered
                            ? t("webhooks.testOk", { status: String(result.statusCode), ms: String(result.durationMs) })
                            : t("webhooks.testFailed", { error: result.error ?? "", body: result.responseBody ?? "" })}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {open && <DeliveryLog id={open} />}
    </>
  );
}

function DeliveryLog({ id }: { id: string }) {
  const { t, format } = useI18n();
  const api = useApi();
  const query = useQuery(webhookDeliveriesQuery(api, id));
  return (
    <section className="panel" aria-labelledby="webhook-log">
      <h2 id="webhook-log">{t("webhooks.log")}</h2>
      <QueryState query={query}>
        {(data) =>
          data.deliveries.length === 0 ? (
            <p className="state state-empty">{t("webhooks.logEmpty")}</p>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="deliveries-table">
                <thead>
                  <tr>
                    <th scope="col" className="left">{t("webhooks.event")}</th>
                    <th scope="col" className="left">{t("webhooks.state")}</th>
                    <th scope="col">{t("webhooks.attempts")}</th>
                    <th scope="col" className="left">{t("webhooks.lastAttempt")}</th>
                    <th scope="col" className="left">{t("webhooks.answer")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.deliveries.map((delivery) => {
                    const last = delivery.log[0];
                    return (
                      <tr key={delivery.deliveryId} data-delivery-id={delivery.deliveryId} data-state={delivery.state}>
                        <td className="left">
                          {delivery.eventType} <span className="muted small">{delivery.eventId}</span>
                        </td>
                        <td className="left">
                          {t(`webhooks.state.${delivery.state}` as MessageKey)}
                          {delivery.nextAttemptAt && delivery.state === "retrying" && <span className="muted small"> → {format.dateTimeSeconds(delivery.nextAttemptAt)}</span>}
                        </td>
                        <td>{format.integer(delivery.attempts)}</td>
                        <td className="left">{format.dateTimeSeconds(delivery.lastAttemptAt)}</td>
                        <td className="left">{last ? (last.error ?? `HTTP ${last.statusCode}`) : "—"}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </section>
  );
}
