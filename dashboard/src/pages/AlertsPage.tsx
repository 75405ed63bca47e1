import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CHANNELS } from "@chatfunnel/contract";
import type { Alert, AlertCreateBody, AlertCreated, AlertRun, SavedFunnel } from "@chatfunnel/schemas";
import { ALERT_METRICS, ALERT_OPS, alertHistoryQuery, alertsQuery, checkAlert, createAlert, deleteAlert } from "../alerts/alerts-queries.js";
import { useApi } from "../api/context.js";
import { CopyButton } from "../components/CopyButton.js";
import { DeliveryTargetFields, deliveryFieldOfPath, type DeliveryDraft, type DeliveryField } from "../components/DeliveryTargetFields.js";
import { FormEnd, FormField, fieldErrors, noFieldErrors, TextField, type FieldErrors, type TextFieldOptions } from "../components/FormField.js";
import { LogPanel, ManagedList, useRowResults } from "../components/ManagedList.js";
import { QueryState } from "../components/QueryState.js";
import { savedFunnelsQuery } from "../funnel/saved-funnels.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** The fields a 400 can name (its details' path), each shown beside its input. */
type AlertField = "name" | "metric" | "channel" | "campaign" | "op" | "value" | "schedule" | DeliveryField;
const FIELD_OF_PATH: Array<[RegExp, AlertField]> = [
  [/^name/, "name"],
  [/^metric/, "metric"],
  [/^filters\.channel/, "channel"],
  [/^filters\.campaign/, "campaign"],
  [/^condition\.op/, "op"],
  [/^condition(\.value)?$/, "value"],
  [/^schedule/, "schedule"],
];
const alertFieldOfPath = (path: string): AlertField | undefined => FIELD_OF_PATH.find(([pattern]) => pattern.test(path))?.[1] ?? deliveryFieldOfPath(path);

/** How a metric reads: an overview figure's label, or the saved funnel's name. */
function useMetricLabel(funnels: SavedFunnel[]): (metric: string) => string {
  const { t } = useI18n();
  return (metric) => {
    if (!metric.startsWith("funnel:")) return t(`alerts.metric.${metric}` as MessageKey);
    const id = metric.slice("funnel:".length);
    const funnel = funnels.find((candidate) => candidate.id === id);
    return funnel ? t("alerts.metric.funnel", { name: funnel.name }) : t("alerts.metric.unknownFunnel", { id });
  };
}

/** Alerts: a figure or a saved funnel's conversion, checked hourly or daily, sent to Telegram or a webhook. */
export function AlertsPage() {
  const api = useApi();
  const query = useQuery(alertsQuery(api));
  const funnels = useQuery(savedFunnelsQuery(api)).data?.funnels ?? [];
  const [created, setCreated] = useState<AlertCreated | null>(null);
  return (
    <>
      <CreateAlert funnels={funnels} onCreated={setCreated} />
      {created && <CreatedAlert alert={created} />}
      <QueryState query={query}>{(data) => <AlertsTable alerts={data.alerts} funnels={funnels} />}</QueryState>
    </>
  );
}

function CreateAlert({ funnels, onCreated }: { funnels: SavedFunnel[]; onCreated: (alert: AlertCreated) => void }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const label = useMetricLabel(funnels);
  const [form, setForm] = useState({ name: "", metric: "leads", channel: "", campaign: "", op: "below", value: "", schedule: "daily" });
  const [delivery, setDelivery] = useState<DeliveryDraft>({ kind: "telegram", botToken: "", chatId: "", url: "" });
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors<AlertField>>(noFieldErrors);
  const clearError = (field: AlertField) => setErrors((old) => ({ ...old, fields: { ...old.fields, [field]: undefined } }));
  const set = (name: keyof typeof form) => (value: string) => {
    setForm((old) => ({ ...old, [name]: value }));
    clearError(name);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors(noFieldErrors());
    const filters = { ...(form.channel ? { channel: [form.channel] } : {}), ...(form.campaign.trim() ? { campaign: form.campaign.trim() } : {}) };
    // The API checks every field (and names the bad one); the form only shapes what was typed.
    const body = {
      name: form.name.trim(),
      metric: form.metric,
      ...(Object.keys(filters).length > 0 ? { filters } : {}),
      condition: { op: form.op, value: form.value.trim() === "" ? Number.NaN : Number(form.value.replace(",", ".")) },
      schedule: form.schedule,
      deliver: delivery.kind === "telegram" ? { telegram: { botToken: delivery.botToken.trim(), chatId: delivery.chatId.trim() } } : { webhook: { url: delivery.url.trim() } },
    } as AlertCreateBody;
    try {
      const alert = await createAlert(api, body);
      onCreated(alert);
      setForm((old) => ({ ...old, name: "", value: "" }));
      await queryClient.invalidateQueries({ queryKey: ["alerts"] });
    } catch (error) {
      setErrors(fieldErrors(error, alertFieldOfPath));
    } finally {
      setBusy(false);
    }
  };

  const text = (name: "name" | "campaign" | "value", labelKey: MessageKey, hintKey?: MessageKey, options: TextFieldOptions = {}) => (
    <TextField prefix="alert" name={name} label={t(labelKey)} hint={hintKey ? t(hintKey) : undefined} error={errors.fields[name]} value={form[name]} onChange={set(name)} options={options} />
  );
  const select = (name: "metric" | "channel" | "op" | "schedule", labelKey: MessageKey, options: Array<[string, string]>) => (
    <FormField id={`alert-${name}`} name={name} label={t(labelKey)} error={errors.fields[name]}>
      {(props) => (
        <select {...props} name={name} value={form[name]} onChange={(event) => set(name)(event.target.value)}>
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </FormField>
  );

  return (
    <section className="panel link-form" aria-labelledby="create-alert">
      <h2 id="create-alert">{t("alerts.create")}</h2>
      <p className="hint">{t("alerts.explain")}</p>
      <form onSubmit={submit} aria-label={t("alerts.create")}>
        <div className="form-grid">
          {text("name", "alerts.name", undefined, { required: true })}
          {select("metric", "alerts.metric", [...ALERT_METRICS.map((metric): [string, string] => [metric, label(metric)]), ...funnels.map((funnel): [string, string] => [`funnel:${funnel.id}`, label(`funnel:${funnel.id}`)])])}
          {select("channel", "alerts.channel", [["", t("alerts.anyChannel")], ...CHANNELS.map((channel): [string, string] => [channel, t(`channel.${channel}` as MessageKey)])])}
          {text("campaign", "alerts.campaign", "alerts.campaignHint")}
          {select("op", "alerts.op", ALERT_OPS.map((op): [string, string] => [op, t(`alerts.op.${op}` as MessageKey)]))}
          {text("value", "alerts.value", "alerts.valueHint", { required: true, inputMode: "decimal" })}
          {select("schedule", "alerts.schedule", [
            ["hourly", t("alerts.schedule.hourly")],
            ["daily", t("alerts.schedule.daily")],
          ])}
        </div>
        <DeliveryTargetFields
          prefix="alert"
          kinds={["telegram", "webhook"]}
          draft={delivery}
          onChange={(field, value) => {
            setDelivery((old) => ({ ...old, [field]: field === "kind" ? (value === "webhook" ? "webhook" : "telegram") : value }));
            if (field !== "kind") clearError(field);
          }}
          errors={errors.fields}
          labels={{
            choice: { legend: t("alerts.target"), kind: { telegram: t("alerts.target.telegram"), webhook: t("alerts.target.webhook") } },
            telegram: { botToken: t("alerts.botToken"), botTokenHint: t("alerts.botTokenHint"), chatId: t("alerts.chatId"), chatIdHint: t("alerts.chatIdHint") },
            url: t("alerts.url"),
            urlHint: t("alerts.urlHint"),
          }}
        />
        <FormEnd general={errors.general} failed={(message) => t("alerts.createFailed", { message })} busy={busy} submit={t("alerts.submit")} />
      </form>
    </section>
  );
}

function CreatedAlert({ alert }: { alert: AlertCreated }) {
  const { t } = useI18n();
  return (
    <div className="panel created-link state-ok" role="status" data-testid="created-alert">
      <p>{t("alerts.created")}</p>
      {alert.webhookSecret && (
        <>
          <p>{t("alerts.createdSecret")}</p>
          <p className="link-url">
            <code data-testid="created-secret">{alert.webhookSecret}</code> <CopyButton text={alert.webhookSecret} what={t("alerts.url")} />
          </p>
        </>
      )}
    </div>
  );
}

/** A figure as the alert compares it: conversions and rates as percentages, money with its currency. */
function useFigure(): (metric: string, value: number | null, currency: string | null) => string {
  const { t, format } = useI18n();
  return (metric, value, currency) => {
    if (value === null) return t("alerts.noValue");
    if (metric.startsWith("funnel:") || metric === "resolutionRate") return format.percent(value);
    if (currency) return format.money({ amount: value, currency });
    return format.decimal(value, metric === "roas" ? 2 : 0);
  };
}

function RunSummary({ run, metric }: { run: AlertRun; metric: string }) {
  const { t, format } = useI18n();
  const figure = useFigure();
  const delivery = run.delivery
    ? run.delivery.state === "sent"
      ? t("alerts.delivery.sent")
      : run.delivery.state === "failed"
        ? t("alerts.delivery.failed", { error: run.delivery.error ?? "" })
        : t("alerts.delivery.sending")
    : "";
  return (
    <span data-fired={run.fired}>
      {t("alerts.result", {
        verdict: run.fired ? t("alerts.fired") : t("alerts.notFired"),
        value: figure(metric, run.value, run.currency),
        previous: figure(metric, run.previousValue, run.currency),
        change: run.changePct === null ? "" : `, ${format.change(run.changePct / 100)}`,
        reason: run.reason,
      })}
      {delivery && <> {delivery}</>}
    </span>
  );
}

function conditionText(t: ReturnType<typeof useI18n>["t"], alert: Alert, figure: ReturnType<typeof useFigure>): string {
  const { op, value } = alert.condition;
  const threshold = op === "below" || op === "above" ? figure(alert.metric, value, null) : `${value} %`;
  return `${t(`alerts.op.${op}` as MessageKey)} ${threshold}`;
}

function AlertsTable({ alerts, funnels }: { alerts: Alert[]; funnels: SavedFunnel[] }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const label = useMetricLabel(funnels);
  const figure = useFigure();
  const [open, setOpen] = useState<string | null>(null);
  const [checks, perform] = useRowResults<AlertRun>();
  const check = (alert: Alert) =>
    perform(alert.id, t("alerts.checking"), async () => {
      const run = await checkAlert(api, alert.id);
      await queryClient.invalidateQueries({ queryKey: ["alerts"] });
      return run;
    });
  const openAlert = alerts.find((alert) => alert.id === open);
  const filtersOf = (alert: Alert) => [...(alert.filters.channel ?? []).map((channel) => t(`channel.${channel}` as MessageKey)), ...(alert.filters.campaign ? [alert.filters.campaign] : [])];

  return (
    <>
      <ManagedList
        items={alerts}
        id={(alert) => alert.id}
        testId="alerts-table"
        caption={t("alerts.table")}
        empty={t("alerts.empty")}
        rowAttributes={(alert) => ({ "data-alert-id": alert.id })}
        columns={[
          { header: t("alerts.name"), rowHeader: true, cell: (alert) => alert.name },
          {
            header: t("alerts.metric"),
            cell: (alert) => {
              const filters = filtersOf(alert);
              return (
                <>
                  {label(alert.metric)}
                  {filters.length > 0 && <span className="muted small"> · {filters.join(", ")}</span>}
                </>
              );
            },
          },
          { header: t("alerts.op"), cell: (alert) => conditionText(t, alert, figure) },
          { header: t("alerts.schedule"), cell: (alert) => t(`alerts.schedule.${alert.schedule}`) },
          { header: t("alerts.target"), cell: (alert) => (alert.deliver.telegram ? `${t("alerts.target.telegram")} ${alert.deliver.telegram.chatId}` : <code>{alert.deliver.webhook?.url}</code>) },
          { header: t("alerts.lastRun"), field: "last-run", cell: (alert) => (alert.lastRun ? <RunSummary run={alert.lastRun} metric={alert.metric} /> : t("alerts.never")) },
        ]}
        actions={[
          { label: t("alerts.check"), ariaLabel: (alert) => t("alerts.checkNamed", { name: alert.name }), onClick: (alert) => void check(alert) },
          { label: t("alerts.history"), ariaLabel: (alert) => t("alerts.historyNamed", { name: alert.name }), expanded: (alert) => open === alert.id, onClick: (alert) => setOpen(open === alert.id ? null : alert.id) },
        ]}
        remove={{
          label: t("alerts.delete"),
          ariaLabel: (alert) => t("alerts.deleteNamed", { name: alert.name }),
          confirm: t("alerts.confirmDelete"),
          run: (alert) => deleteAlert(api, alert.id),
          failed: (message) => t("alerts.deleteFailed", { message }),
          queryKey: ["alerts"],
          onRemoved: (alert) => open === alert.id && setOpen(null),
        }}
        result={(alert) => {
          const result = checks[alert.id];
          if (result === undefined) return null;
          return (
            <p className="small" role="status" data-testid="check-result">
              {typeof result === "string" ? result : <RunSummary run={result} metric={alert.metric} />}
            </p>
          );
        }}
      />
      {openAlert && <AlertHistory alert={openAlert} />}
    </>
  );
}

function AlertHistory({ alert }: { alert: Alert }) {
  const { t, format } = useI18n();
  const api = useApi();
  const figure = useFigure();
  const query = useQuery(alertHistoryQuery(api, alert.id));
  return (
    <LogPanel
      headingId="alert-history"
      title={t("alerts.historyNamed", { name: alert.name })}
      query={query}
      empty={t("alerts.historyEmpty")}
      isEmpty={(data) => data.runs.length === 0}
      testId="alert-history"
      columns={[{ header: t("alerts.when") }, { header: t("alerts.period") }, { header: t("alerts.valueCol"), numeric: true }, { header: t("alerts.previousCol"), numeric: true }, { header: t("alerts.trigger") }, { header: t("alerts.deliveryCol") }]}
    >
      {(data) =>
        data.runs.map((run) => (
          <tr key={run.runId} data-run-id={run.runId} data-delivery={run.delivery?.state ?? "none"}>
            <td className="left">{format.dateTimeSeconds(run.evaluatedAt)}</td>
            <td className="left">
              {format.dateTime(run.period.from, run.tz)} – {format.dateTime(run.period.to, run.tz)}
            </td>
            <td>{figure(alert.metric, run.value, run.currency)}</td>
            <td>{figure(alert.metric, run.previousValue, run.currency)}</td>
            <td className="left">{t(`alerts.trigger.${run.trigger}`)}</td>
            <td className="left">
              {run.delivery?.state === "sent" ? t("alerts.delivery.sent") : run.delivery?.state === "failed" ? t("alerts.delivery.failed", { error: run.delivery.error ?? "" }) : t("alerts.delivery.sending")}
            </td>
          </tr>
        ))
      }
    </LogPanel>
  );
}
