import { useState, type FormEvent, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CHANNELS } from "@chatfunnel/contract";
import type { Alert, AlertCreateBody, AlertCreated, AlertRun, SavedFunnel } from "@chatfunnel/schemas";
import { ALERT_METRICS, ALERT_OPS, alertHistoryQuery, alertsQuery, checkAlert, createAlert, deleteAlert } from "../alerts/alerts-queries.js";
import { ApiRequestError } from "../api/client.js";
import { useApi } from "../api/context.js";
import { CopyButton } from "../components/CopyButton.js";
import { QueryState } from "../components/QueryState.js";
import { savedFunnelsQuery } from "../funnel/saved-funnels.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** The fields a 400 can name (its details' path), each shown beside its input. */
type FormField = "name" | "metric" | "channel" | "campaign" | "op" | "value" | "schedule" | "botToken" | "chatId" | "url";
const FIELD_OF_PATH: Array<[RegExp, FormField]> = [
  [/^name/, "name"],
  [/^metric/, "metric"],
  [/^filters\.channel/, "channel"],
  [/^filters\.campaign/, "campaign"],
  [/^condition\.op/, "op"],
  [/^condition(\.value)?$/, "value"],
  [/^schedule/, "schedule"],
  [/^deliver\.telegram\.botToken/, "botToken"],
  [/^deliver\.telegram\.chatId/, "chatId"],
  [/^deliver\.webhook/, "url"],
];

function fieldErrors(error: unknown): { fields: Partial<Record<FormField, string>>; general: string | null } {
  if (!(error instanceof ApiRequestError)) return { fields: {}, general: error instanceof Error ? error.message : String(error) };
  const fields: Partial<Record<FormField, string>> = {};
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!detail || typeof detail !== "object" || !("path" in detail) || !("message" in detail)) continue;
    const field = FIELD_OF_PATH.find(([pattern]) => pattern.test(String(detail.path)))?.[1];
    if (field) fields[field] ??= String(detail.message);
  }
  return { fields, general: Object.keys(fields).length > 0 ? null : error.message };
}

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

function Field({ name, label, hint, error, children }: { name: FormField; label: string; hint?: string; error: string | undefined; children: (props: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode }) {
  const id = `alert-${name}`;
  const describedBy = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { "aria-invalid": true } : {}), ...(describedBy ? { "aria-describedby": describedBy } : {}) })}
      {error && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
      {hint && (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      )}
    </div>
  );
}

function CreateAlert({ funnels, onCreated }: { funnels: SavedFunnel[]; onCreated: (alert: AlertCreated) => void }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const label = useMetricLabel(funnels);
  const [form, setForm] = useState({ name: "", metric: "leads", channel: "", campaign: "", op: "below", value: "", schedule: "daily", target: "telegram", botToken: "", chatId: "", url: "" });
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<ReturnType<typeof fieldErrors>>({ fields: {}, general: null });
  const set = (name: keyof typeof form, field?: FormField) => (event: { target: { value: string } }) => {
    setForm((old) => ({ ...old, [name]: event.target.value }));
    if (field) setErrors((old) => ({ ...old, fields: { ...old.fields, [field]: undefined } }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, general: null });
    const filters = { ...(form.channel ? { channel: [form.channel] } : {}), ...(form.campaign.trim() ? { campaign: form.campaign.trim() } : {}) };
    // The API checks every field (and names the bad one); the form only shapes what was typed.
    const body = {
      name: form.name.trim(),
      metric: form.metric,
      ...(Object.keys(filters).length > 0 ? { filters } : {}),
      condition: { op: form.op, value: form.value.trim() === "" ? Number.NaN : Number(form.value.replace(",", ".")) },
      schedule: form.schedule,
      deliver: form.target === "telegram" ? { telegram: { botToken: form.botToken.trim(), chatId: form.chatId.trim() } } : { webhook: { url: form.url.trim() } },
    } as AlertCreateBody;
    try {
      const alert = await createAlert(api, body);
      onCreated(alert);
      setForm((old) => ({ ...old, name: "", value: "" }));
      await queryClient.invalidateQueries({ queryKey: ["alerts"] });
    } catch (error) {
      setErrors(fieldErrors(error));
    } finally {
      setBusy(false);
    }
  };

  const text = (name: "name" | "campaign" | "value" | "botToken" | "chatId" | "url", labelKey: MessageKey, hintKey?: MessageKey, extra: { required?: boolean; inputMode?: "decimal"; placeholder?: string } = {}) => (
    <Field name={name} label={t(labelKey)} hint={hintKey ? t(hintKey) : undefined} error={errors.fields[name]}>
      {(props) => <input {...props} name={name} autoComplete="off" value={form[name]} onChange={set(name, name)} {...extra} />}
    </Field>
  );
  const select = (name: "metric" | "channel" | "op" | "schedule", labelKey: MessageKey, options: Array<[string, string]>) => (
    <Field name={name} label={t(labelKey)} error={errors.fields[name]}>
      {(props) => (
        <select {...props} name={name} value={form[name]} onChange={set(name, name)}>
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
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
        <fieldset className="form-grid">
          <legend>{t("alerts.target")}</legend>
          {(["telegram", "webhook"] as const).map((target) => (
            <label key={target} className="inline">
              <input type="radio" name="target" value={target} checked={form.target === target} onChange={set("target")} /> {t(`alerts.target.${target}`)}
            </label>
          ))}
          {form.target === "telegram" ? (
            <>
              {text("botToken", "alerts.botToken", "alerts.botTokenHint", { required: true })}
              {text("chatId", "alerts.chatId", "alerts.chatIdHint", { required: true })}
            </>
          ) : (
            text("url", "alerts.url", "alerts.urlHint", { required: true, placeholder: "https://…" })
          )}
        </fieldset>
        {errors.general && (
          <p className="state state-error" role="alert">
            {t("alerts.createFailed", { message: errors.general })}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("alerts.submit")}
        </button>
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
  const [confirming, setConfirming] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [checks, setChecks] = useState<Record<string, AlertRun | string>>({});
  const [actionError, setActionError] = useState<string | null>(null);
  if (alerts.length === 0) return <p className="state state-empty">{t("alerts.empty")}</p>;

  const remove = async (alert: Alert) => {
    setActionError(null);
    try {
      await deleteAlert(api, alert.id);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.status === 404)) setActionError(t("alerts.deleteFailed", { message: (error as Error).message }));
    }
    setConfirming(null);
    if (open === alert.id) setOpen(null);
    await queryClient.invalidateQueries({ queryKey: ["alerts"] });
  };
  const check = async (alert: Alert) => {
    setChecks((old) => ({ ...old, [alert.id]: t("alerts.checking") }));
    try {
      const run = await checkAlert(api, alert.id);
      setChecks((old) => ({ ...old, [alert.id]: run }));
      await queryClient.invalidateQueries({ queryKey: ["alerts"] });
    } catch (error) {
      setChecks((old) => ({ ...old, [alert.id]: (error as Error).message }));
    }
  };
  const openAlert = alerts.find((alert) => alert.id === open);

  return (
    <>
      {actionError && (
        <p className="state state-error" role="alert">
          {actionError}
        </p>
      )}
      <div className="table-wrap">
        <table className="data links" data-testid="alerts-table">
          <caption>{t("alerts.table")}</caption>
          <thead>
            <tr>
              <th scope="col" className="left">{t("alerts.name")}</th>
              <th scope="col" className="left">{t("alerts.metric")}</th>
              <th scope="col" className="left">{t("alerts.op")}</th>
              <th scope="col" className="left">{t("alerts.schedule")}</th>
              <th scope="col" className="left">{t("alerts.target")}</th>
              <th scope="col" className="left">{t("alerts.lastRun")}</th>
              <th scope="col" className="left">{t("links.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert) => {
              const result = checks[alert.id];
              const filters = [...(alert.filters.channel ?? []).map((channel) => t(`channel.${channel}` as MessageKey)), ...(alert.filters.campaign ? [alert.filters.campaign] : [])];
              return (
                <tr key={alert.id} data-alert-id={alert.id}>
                  <th scope="row" className="left">
                    {alert.name}
                  </th>
                  <td className="left">
                    {label(alert.metric)}
                    {filters.length > 0 && <span className="muted small"> · {filters.join(", ")}</span>}
                  </td>
                  <td className="left">{conditionText(t, alert, figure)}</td>
                  <td className="left">{t(`alerts.schedule.${alert.schedule}`)}</td>
                  <td className="left">{alert.deliver.telegram ? `${t("alerts.target.telegram")} ${alert.deliver.telegram.chatId}` : <code>{alert.deliver.webhook?.url}</code>}</td>
                  <td className="left" data-field="last-run">
                    {alert.lastRun ? <RunSummary run={alert.lastRun} metric={alert.metric} /> : t("alerts.never")}
                  </td>
                  <td className="actions">
                    {confirming === alert.id ? (
                      <span className="confirm" role="group" aria-label={t("alerts.deleteNamed", { name: alert.name })}>
                        <span>{t("alerts.confirmDelete")}</span>
                        <button type="button" className="danger" onClick={() => void remove(alert)}>
                          {t("links.confirm")}
                        </button>
                        <button type="button" className="link" autoFocus onClick={() => setConfirming(null)}>
                          {t("links.cancel")}
                        </button>
                      </span>
                    ) : (
                      <>
                        <button type="button" className="link" onClick={() => void check(alert)} aria-label={t("alerts.checkNamed", { name: alert.name })}>
                          {t("alerts.check")}
                        </button>{" "}
                        <button type="button" className="link" aria-expanded={open === alert.id} aria-label={t("alerts.historyNamed", { name: alert.name })} onClick={() => setOpen(open === alert.id ? null : alert.id)}>
                          {t("alerts.history")}
                        </button>{" "}
                        <button type="button" className="link" aria-label={t("alerts.deleteNamed", { name: alert.name })} onClick={() => setConfirming(alert.id)}>
                          {t("alerts.delete")}
                        </button>
                      </>
                    )}
                    {result !== undefined && (
                      <p className="small" role="status" data-testid="check-result">
                        {typeof result === "string" ? result : <RunSummary run={result} metric={alert.metric} />}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
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
    <section className="panel" aria-labelledby="alert-history">
      <h2 id="alert-history">{t("alerts.historyNamed", { name: alert.name })}</h2>
      <QueryState query={query}>
        {(data) =>
          data.runs.length === 0 ? (
            <p className="state state-empty">{t("alerts.historyEmpty")}</p>
          ) : (
            <div className="table-wrap">
              <table className="data" data-testid="alert-history">
                <thead>
                  <tr>
                    <th scope="col" className="left">{t("alerts.when")}</th>
                    <th scope="col" className="left">{t("alerts.period")}</th>
                    <th scope="col">{t("alerts.valueCol")}</th>
                    <th scope="col">{t("alerts.previousCol")}</th>
                    <th scope="col" className="left">{t("alerts.trigger")}</th>
                    <th scope="col" className="left">{t("alerts.deliveryCol")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.runs.map((run) => (
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
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </QueryState>
    </section>
  );
}
