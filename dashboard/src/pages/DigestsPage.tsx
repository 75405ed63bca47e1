import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { Digest, DigestSendResult } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { DeliveryTargetFields, deliveryFieldOfPath, type DeliveryField } from "../components/DeliveryTargetFields.js";
import { FormEnd, FormField, fieldErrors, noFieldErrors, TextField, type FieldErrors } from "../components/FormField.js";
import { ManagedList, useRowResults } from "../components/ManagedList.js";
import { QueryState } from "../components/QueryState.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { createDigest, deleteDigest, digestBody, digestsQuery, sendDigestNow, type DigestDraft } from "../digests/digests-queries.js";

type DigestField = "name" | "schedule" | DeliveryField;

/** Where a 400's field goes in the form: `deliver.telegram.botToken` beside the token input, and so on. */
const digestFieldOfPath = (path: string): DigestField | undefined => (path === "name" || path === "schedule" ? path : deliveryFieldOfPath(path));

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
  const [errors, setErrors] = useState<FieldErrors<DigestField>>(noFieldErrors);
  const set = <K extends keyof DigestDraft>(name: K, value: DigestDraft[K]) => {
    setDraft((old) => ({ ...old, [name]: value }));
    setErrors((old) => ({ ...old, fields: { ...old.fields, [name]: undefined } }));
    setCreated(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors(noFieldErrors());
    try {
      await createDigest(api, digestBody(draft));
      setDraft((old) => ({ ...EMPTY_DRAFT, schedule: old.schedule, kind: old.kind }));
      setCreated(true);
      await queryClient.invalidateQueries({ queryKey: ["digests"] });
    } catch (error) {
      setErrors(fieldErrors(error, digestFieldOfPath));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel link-form" aria-labelledby="create-digest">
      <h2 id="create-digest">{t("digests.create")}</h2>
      <p className="hint">{t("digests.explain")}</p>
      <form onSubmit={submit} aria-label={t("digests.create")}>
        <div className="form-grid">
          <TextField prefix="digest" name="name" label={t("digests.name")} hint={t("digests.nameHint")} error={errors.fields.name} value={draft.name} onChange={(value) => set("name", value)} />
          <FormField id="digest-schedule" name="schedule" label={t("digests.schedule")} hint={t("digests.scheduleHint")} error={errors.fields.schedule}>
            {(props) => (
              <select {...props} name="schedule" value={draft.schedule} onChange={(e) => set("schedule", e.target.value === "weekly" ? "weekly" : "daily")}>
                <option value="daily">{t("digests.schedule.daily")}</option>
                <option value="weekly">{t("digests.schedule.weekly")}</option>
              </select>
            )}
          </FormField>
        </div>
        <DeliveryTargetFields
          prefix="digest"
          kinds={["telegram", "webhook"]}
          draft={draft}
          onChange={(field, value) => (field === "kind" ? set("kind", value === "webhook" ? "webhook" : "telegram") : set(field, value))}
          errors={errors.fields}
          labels={{
            choice: { legend: t("digests.deliver"), kind: { telegram: "Telegram", webhook: t("digests.deliver.webhook") } },
            telegram: { botToken: t("digests.botToken"), botTokenHint: t("digests.botTokenHint"), chatId: t("digests.chatId"), chatIdHint: t("digests.chatIdHint") },
            url: t("digests.url"),
            urlHint: t("digests.urlHint"),
          }}
        />
        <FormEnd general={errors.general} failed={(message) => t("digests.createFailed", { message })} busy={busy} submit={t("digests.submit")}>
          {created && (
            <p className="state state-ok" role="status" data-testid="digest-created">
              {t("digests.created")}
            </p>
          )}
        </FormEnd>
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
  const [results, perform] = useRowResults<DigestSendResult>();
  const send = async (digest: Digest) => {
    await perform(digest.id, t("digests.sending"), () => sendDigestNow(api, digest.id));
    await queryClient.invalidateQueries({ queryKey: ["digests"] });
  };

  return (
    <ManagedList
      items={digests}
      id={(digest) => digest.id}
      testId="digests-table"
      caption={t("digests.table")}
      empty={t("digests.empty")}
      rowAttributes={(digest) => ({ "data-digest-id": digest.id })}
      columns={[
        { header: t("digests.name"), rowHeader: true, cell: (digest) => digest.name },
        { header: t("digests.schedule"), cell: (digest) => t(`digests.schedule.${digest.schedule}` as MessageKey) },
        { header: t("digests.deliver"), cell: (digest) => <code>{target(digest)}</code> },
        {
          header: t("digests.lastSend"),
          field: "last-send",
          cell: (digest) =>
            digest.lastSend ? (
              <>
                {t(`digests.state.${digest.lastSend.state}` as MessageKey)}
                {digest.lastSend.error && <span className="muted small"> — {digest.lastSend.error}</span>}
                <span className="muted small"> {format.dateTimeSeconds(digest.lastSend.at)}</span>
              </>
            ) : (
              t("digests.never")
            ),
        },
        { header: t("digests.nextSend"), field: "next-send", cell: (digest) => format.dateTimeSeconds(digest.nextSendAt) },
      ]}
      actions={[{ label: t("digests.send"), ariaLabel: (digest) => t("digests.sendNamed", { name: digest.name }), onClick: (digest) => void send(digest) }]}
      remove={{
        label: t("links.delete"),
        ariaLabel: (digest) => t("digests.deleteNamed", { name: digest.name }),
        confirm: t("digests.confirmDelete"),
        run: (digest) => deleteDigest(api, digest.id),
        failed: (message) => t("digests.deleteFailed", { message }),
        queryKey: ["digests"],
      }}
      result={(digest) => {
        const result = results[digest.id];
        return result === undefined ? null : <SendResult result={result} />;
      }}
    />
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
