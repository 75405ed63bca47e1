import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CHANNELS } from "@chatfunnel/contract";
import type { PersonDeletion, PersonDeletionResponse } from "@chatfunnel/schemas";
import { ApiRequestError } from "../api/client.js";
import { useApi } from "../api/context.js";
import { QueryState } from "../components/QueryState.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { deletePerson, fieldMessages, personDeletionsQuery } from "./settings-queries.js";

const rowsText = (rows: Record<string, number>) =>
  Object.entries(rows)
    .map(([table, n]) => `${table}: ${n}`)
    .join(", ");

/**
 * Deletes one person (channel + user id) after a confirm step that names them, then shows the rows removed
 * per table; below it, the project's audit log of deletions.
 */
export function DeletePersonForm() {
  const { t, format } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const log = useQuery(personDeletionsQuery(api));
  const [channel, setChannel] = useState<string>("telegram");
  const [userId, setUserId] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [done, setDone] = useState<PersonDeletionResponse | null>(null);

  const ask = (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setGeneral(null);
    setDone(null);
    if (userId.trim() === "") return setErrors({ userId: t("settings.userIdRequired") });
    setConfirming(true);
  };

  const confirm = async () => {
    setBusy(true);
    try {
      const answer = await deletePerson(api, channel, userId.trim());
      setDone(answer);
      setUserId("");
      // Every report may have counted the person.
      await queryClient.invalidateQueries();
    } catch (error) {
      const fields = error instanceof ApiRequestError ? fieldMessages(error.details) : {};
      setErrors(fields);
      if (Object.keys(fields).length === 0) {
        setGeneral(error instanceof ApiRequestError && error.status === 404 ? t("settings.personNotFound") : t("settings.deleteFailed", { message: error instanceof Error ? error.message : String(error) }));
      }
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  return (
    <section className="panel delete-person" aria-labelledby="delete-person">
      <h2 id="delete-person">{t("settings.deletePerson")}</h2>
      <p className="hint">{t("settings.deleteExplain")}</p>
      <form onSubmit={ask} aria-label={t("settings.deletePerson")}>
        <div className="form-grid">
          <div className="field" data-field="channel">
            <label htmlFor="person-channel">{t("links.channel")}</label>
            <select id="person-channel" name="channel" value={channel} disabled={confirming} onChange={(e) => setChannel(e.target.value)}>
              {CHANNELS.map((option) => (
                <option key={option} value={option}>
                  {t(`channel.${option}` as MessageKey)}
                </option>
              ))}
            </select>
            {errors.channel && (
              <span className="field-error" role="alert">
                {errors.channel}
              </span>
            )}
          </div>
          <div className="field" data-field="userId">
            <label htmlFor="person-userId">{t("settings.userId")}</label>
            <input id="person-userId" name="userId" autoComplete="off" value={userId} disabled={confirming} aria-invalid={errors.userId ? true : undefined} onChange={(e) => setUserId(e.target.value)} />
            {errors.userId && (
              <span className="field-error" role="alert">
                {errors.userId}
              </span>
            )}
          </div>
        </div>
        {!confirming && (
          <button type="submit" className="danger">
            {t("settings.delete")}
          </button>
        )}
      </form>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby="confirm-delete" data-testid="confirm-delete">
          <p id="confirm-delete">{t("settings.confirmDelete", { userId: userId.trim(), channel: t(`channel.${channel}` as MessageKey) })}</p>
          <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
            {t("settings.confirm")}
          </button>{" "}
          <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
            {t("settings.cancel")}
          </button>
        </div>
      )}
      {general && (
        <p className="state state-error" role="alert">
          {general}
        </p>
      )}
      {done && (
        <p className="state state-ok" role="status" data-testid="person-deleted">
          {t("settings.deleted", { userId: done.userId, channel: t(`channel.${done.channel}` as MessageKey), rows: rowsText(done.deletedRows) })}
        </p>
      )}
      <h3>{t("settings.auditLog")}</h3>
      <QueryState query={log}>{(data) => <DeletionsTable deletions={data.deletions} formatDateTime={(iso) => format.dateTime(iso)} />}</QueryState>
    </section>
  );
}

function DeletionsTable({ deletions, formatDateTime }: { deletions: PersonDeletion[]; formatDateTime: (iso: string) => string }) {
  const { t } = useI18n();
  if (deletions.length === 0) return <p className="state">{t("settings.noDeletions")}</p>;
  return (
    <table className="data deletions" data-testid="deletions-table">
      <thead>
        <tr>
          <th scope="col">{t("settings.when")}</th>
          <th scope="col">{t("settings.who")}</th>
          <th scope="col">{t("links.channel")}</th>
          <th scope="col">{t("settings.userId")}</th>
          <th scope="col">{t("settings.rowsRemoved")}</th>
        </tr>
      </thead>
      <tbody>
        {deletions.map((entry) => (
          <tr key={`${entry.deletedAt}-${entry.channel}-${entry.userId}`}>
            <td>{formatDateTime(entry.deletedAt)}</td>
            <td>
              <code>{entry.actor}</code>
            </td>
            <td>{t(`channel.${entry.channel}` as MessageKey)}</td>
            <td>{entry.userId}</td>
            <td>{rowsText(entry.deletedRows)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
