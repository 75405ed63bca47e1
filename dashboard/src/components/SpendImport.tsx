import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { MAX_SOURCE_FIELD_LENGTH } from "@chatfunnel/contract";
import type { SpendImportResponse, SpendLineError, SpendRow } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { ApiRequestError } from "../api/client.js";
import { CHANNEL_OPTIONS, todayIn, browserTimeZone } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

type Outcome = { kind: "ok"; imported: number } | { kind: "lines"; errors: SpendLineError[] } | { kind: "error"; message: string } | null;

/** The 400 of an import lists every bad line in `details`; anything else is one message. */
function isLineErrors(details: unknown): details is SpendLineError[] {
  return Array.isArray(details) && details.every((d) => d && typeof d === "object" && "line" in d && "field" in d && "message" in d);
}

/** Spend arrives as a CSV export of the ad cabinet or one row typed in; nothing is imported when a line is bad. */
export function SpendImport() {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [row, setRow] = useState({ date: todayIn(browserTimeZone()), channel: "telegram", campaign: "", amount: "", currency: "RUB" });

  const send = async (body: BodyInit, contentType: string) => {
    setBusy(true);
    setOutcome(null);
    try {
      const answer = await api.post<SpendImportResponse>("spend", body, contentType);
      setOutcome({ kind: "ok", imported: answer.imported });
      // Spend feeds CPL, CPO and ROAS everywhere.
      await queryClient.invalidateQueries();
    } catch (error) {
      if (error instanceof ApiRequestError && isLineErrors(error.details)) setOutcome({ kind: "lines", errors: error.details });
      else setOutcome({ kind: "error", message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const uploadCsv = async (event: FormEvent) => {
    event.preventDefault();
    if (file) await send(await file.text(), "text/csv");
  };
  const addRow = async (event: FormEvent) => {
    event.preventDefault();
    const spend: SpendRow = {
      date: row.date,
      channel: row.channel as SpendRow["channel"],
      amount: Number(row.amount.replace(",", ".")),
      currency: row.currency.trim().toUpperCase(),
      ...(row.campaign.trim() ? { campaign: row.campaign.trim() } : {}),
    };
    await send(JSON.stringify({ rows: [spend] }), "application/json");
  };

  return (
    <section className="panel import" aria-labelledby="spend-import">
      <h2 id="spend-import">{t("costs.import")}</h2>
      <div className="grid-2">
        <form onSubmit={uploadCsv} aria-label={t("costs.upload")}>
          <label className="field">
            <span>{t("costs.csv")}</span>
            <input type="file" name="csv" accept=".csv,text/csv" aria-describedby="csv-help" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </label>
          <p id="csv-help" className="hint">
            {t("costs.csvHelp")}
          </p>
          <button type="submit" disabled={!file || busy}>
            {t("costs.upload")}
          </button>
        </form>
        <form onSubmit={addRow} aria-label={t("costs.form")} className="spend-form">
          <label className="field">
            <span>{t("costs.date")}</span>
            <input type="date" name="date" required value={row.date} onChange={(e) => setRow({ ...row, date: e.target.value })} />
          </label>
          <label className="field">
            <span>{t("channels.channel")}</span>
            <select name="channel" value={row.channel} onChange={(e) => setRow({ ...row, channel: e.target.value })}>
              {CHANNEL_OPTIONS.map((channel) => (
                <option key={channel} value={channel}>
                  {t(`channel.${channel}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t("filters.campaign")}</span>
            <input name="campaign" value={row.campaign} maxLength={MAX_SOURCE_FIELD_LENGTH} onChange={(e) => setRow({ ...row, campaign: e.target.value })} />
          </label>
          <label className="field">
            <span>{t("costs.amount")}</span>
            <input name="amount" inputMode="decimal" required pattern="\d+([.,]\d{1,2})?" value={row.amount} onChange={(e) => setRow({ ...row, amount: e.target.value })} />
          </label>
          <label className="field">
            <span>{t("costs.currency")}</span>
            <input name="currency" required pattern="[A-Za-z]{3}" maxLength={3} value={row.currency} onChange={(e) => setRow({ ...row, currency: e.target.value })} />
          </label>
          <button type="submit" disabled={busy}>
            {t("costs.add")}
          </button>
        </form>
      </div>
      <div aria-live="polite" data-testid="import-outcome">
        {outcome?.kind === "ok" && <p className="state state-ok">{t("costs.imported", { n: outcome.imported })}</p>}
        {outcome?.kind === "error" && (
          <p className="state state-error" role="alert">
            {t("state.error", { message: outcome.message })}
          </p>
        )}
        {outcome?.kind === "lines" && (
          <div className="state state-error" role="alert">
            <p>{t("costs.lineErrors")}</p>
            <ul>
              {outcome.errors.map((error, index) => (
                <li key={index}>
                  {t("costs.line", { line: error.line })}, <code>{error.field}</code>: {error.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </section>
  );
}
