import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { Webhook, WebhookCreated, WebhookTestResult } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { CopyButton } from "../components/CopyButton.js";
import { DeliveryTargetFields } from "../components/DeliveryTargetFields.js";
import { FormEnd, fieldErrors, noFieldErrors, TextField, type FieldErrors } from "../components/FormField.js";
import { LogPanel, ManagedList, useRowResults } from "../components/ManagedList.js";
import { QueryState } from "../components/QueryState.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { createWebhook, deleteWebhook, parseEventTypes, testWebhook, webhookDeliveriesQuery, webhooksQuery } from "../webhooks/webhooks-queries.js";

type WebhookField = "url" | "events" | "secret";

/** A 400 names its field (url, events, secret); the message goes beside that input, anything else above. */
const webhookFieldOfPath = (path: string): WebhookField | undefined => {
  const name = path.split(".")[0];
  return name === "url" || name === "events" || name === "secret" ? name : undefined;
};

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
  const [errors, setErrors] = useState<FieldErrors<WebhookField>>(noFieldErrors);
  const edit = (name: WebhookField, set: (value: string) => void) => (value: string) => {
    set(value);
    setErrors((old) => ({ ...old, fields: { ...old.fields, [name]: undefined } }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors(noFieldErrors());
    try {
      const webhook = await createWebhook(api, { url: url.trim(), events: parseEventTypes(events), ...(secret.trim() ? { secret: secret.trim() } : {}) });
      onCreated(webhook);
      setUrl("");
      setSecret("");
      await queryClient.invalidateQueries({ queryKey: ["webhooks"] });
    } catch (error) {
      setErrors(fieldErrors(error, webhookFieldOfPath));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel link-form" aria-labelledby="create-webhook">
      <h2 id="create-webhook">{t("webhooks.create")}</h2>
      <p className="hint">{t("webhooks.explain")}</p>
      <form onSubmit={submit} aria-label={t("webhooks.create")}>
        <div className="form-grid">
          <DeliveryTargetFields
            prefix="webhook"
            kinds={["webhook"]}
            draft={{ kind: "webhook", botToken: "", chatId: "", url }}
            onChange={(_field, value) => edit("url", setUrl)(value)}
            errors={{ url: errors.fields.url }}
            labels={{ url: t("webhooks.url"), urlHint: t("webhooks.urlHint"), urlPlaceholder: "https://example.amocrm.ru/..." }}
          />
          <TextField prefix="webhook" name="events" label={t("webhooks.events")} hint={t("webhooks.eventsHint")} error={errors.fields.events} value={events} onChange={edit("events", setEvents)} options={{ required: true }} />
          <TextField prefix="webhook" name="secret" label={t("webhooks.secret")} hint={t("webhooks.secretHint")} error={errors.fields.secret} value={secret} onChange={edit("secret", setSecret)} />
        </div>
        <FormEnd general={errors.general} failed={(message) => t("webhooks.createFailed", { message })} busy={busy} submit={t("webhooks.submit")} />
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
  const [open, setOpen] = useState<string | null>(null);
  const [tests, perform] = useRowResults<WebhookTestResult>();
  const test = (webhook: Webhook) => perform(webhook.id, t("webhooks.testing"), () => testWebhook(api, webhook.id));

  return (
    <>
      <ManagedList
        items={webhooks}
        id={(webhook) => webhook.id}
        testId="webhooks-table"
        caption={t("webhooks.table")}
        empty={t("webhooks.empty")}
        rowAttributes={(webhook) => ({ "data-webhook-id": webhook.id })}
        columns={[
          { header: t("webhooks.url"), rowHeader: true, className: "url-cell", cell: (webhook) => <code>{webhook.url}</code> },
          { header: t("webhooks.events"), cell: (webhook) => webhook.events.join(", ") },
          {
            header: t("webhooks.status"),
            field: "status",
            cell: (webhook) => (
              <>
                {t(`webhooks.status.${webhook.status}` as MessageKey)}
                {webhook.disabledReason && <span className="muted small" data-field="disabled-reason"> — {webhook.disabledReason}</span>}
              </>
            ),
          },
          {
            header: t("webhooks.lastDelivery"),
            field: "last-delivery",
            cell: (webhook) =>
              webhook.lastDelivery ? (
                <>
                  {t(`webhooks.state.${webhook.lastDelivery.state}` as MessageKey)}
                  {webhook.lastDelivery.statusCode !== null && ` (HTTP ${webhook.lastDelivery.statusCode})`}
                  <span className="muted small"> {format.dateTimeSeconds(webhook.lastDelivery.at)}</span>
                </>
              ) : (
                t("webhooks.never")
              ),
          },
        ]}
        actions={[
          { label: t("webhooks.test"), ariaLabel: (webhook) => t("webhooks.testNamed", { url: webhook.url }), onClick: (webhook) => void test(webhook) },
          { label: t("webhooks.log"), expanded: (webhook) => open === webhook.id, onClick: (webhook) => setOpen(open === webhook.id ? null : webhook.id) },
        ]}
        remove={{
          label: t("links.delete"),
          ariaLabel: (webhook) => t("webhooks.deleteNamed", { url: webhook.url }),
          confirm: t("webhooks.confirmDelete"),
          run: (webhook) => deleteWebhook(api, webhook.id),
          failed: (message) => t("webhooks.deleteFailed", { message }),
          queryKey: ["webhooks"],
          onRemoved: (webhook) => open === webhook.id && setOpen(null),
        }}
        result={(webhook) => {
          const result = tests[webhook.id];
          if (result === undefined) return null;
          return (
            <p className="small" role="status" data-testid="test-result">
              {typeof result === "string"
                ? result
                : result.delivered
                  ? t("webhooks.testOk", { status: String(result.statusCode), ms: String(result.durationMs) })
                  : t("webhooks.testFailed", { error: result.error ?? "", body: result.responseBody ?? "" })}
            </p>
          );
        }}
      />
      {open && <DeliveryLog id={open} />}
    </>
  );
}

function DeliveryLog({ id }: { id: string }) {
  const { t, format } = useI18n();
  const api = useApi();
  const query = useQuery(webhookDeliveriesQuery(api, id));
  return (
    <LogPanel
      headingId="webhook-log"
      title={t("webhooks.log")}
      query={query}
      empty={t("webhooks.logEmpty")}
      isEmpty={(data) => data.deliveries.length === 0}
      testId="deliveries-table"
      columns={[{ header: t("webhooks.event") }, { header: t("webhooks.state") }, { header: t("webhooks.attempts"), numeric: true }, { header: t("webhooks.lastAttempt") }, { header: t("webhooks.answer") }]}
    >
      {(data) =>
        data.deliveries.map((delivery) => {
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
        })
      }
    </LogPanel>
  );
}
