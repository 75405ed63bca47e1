import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { ProjectLanguage, ProjectSettingsPatch, ProjectSettingsResponse } from "@chatfunnel/schemas";
import { ApiRequestError } from "../api/client.js";
import { useApi } from "../api/context.js";
import { useI18n } from "../i18n/i18n.js";
import { fieldMessages, updateProjectSettings } from "./settings-queries.js";

type Draft = { name: string; timezone: string; sessionTimeoutMinutes: string; keepForever: boolean; retentionDays: string; language: ProjectLanguage };

const draftOf = (settings: ProjectSettingsResponse): Draft => ({
  name: settings.name,
  timezone: settings.timezone,
  sessionTimeoutMinutes: String(settings.sessionTimeoutMinutes),
  keepForever: settings.retentionDays === null,
  retentionDays: settings.retentionDays === null ? "365" : String(settings.retentionDays),
  language: settings.language,
});

/** What the form sends: every field, numbers as typed (the API refuses a bad one, naming it). */
export function settingsPatch(draft: Draft): ProjectSettingsPatch {
  return {
    name: draft.name.trim(),
    timezone: draft.timezone.trim(),
    sessionTimeoutMinutes: Number(draft.sessionTimeoutMinutes),
    retentionDays: draft.keepForever ? null : Number(draft.retentionDays),
    language: draft.language,
  };
}

/** The engine accepts these and more; the list only helps typing. */
const zoneSuggestions = (): string[] => {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: "timeZone") => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["UTC", "Europe/Moscow"];
};

/** Name, time zone, session timeout, retention and language of the project; saving refreshes every report. */
export function ProjectSettingsForm({ settings }: { settings: ProjectSettingsResponse }) {
  const { t } = useI18n();
  const api = useApi();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(name: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [name]: value }));
    setErrors((e) => ({ ...e, [name]: "" }));
    setSaved(false);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral(null);
    try {
      const next = await updateProjectSettings(api, settingsPatch(draft));
      setDraft(draftOf(next));
      setSaved(true);
      // The zone and the session timeout change what every report answers.
      await queryClient.invalidateQueries();
    } catch (error) {
      const fields = error instanceof ApiRequestError ? fieldMessages(error.details) : {};
      setErrors(fields);
      if (Object.keys(fields).length === 0) setGeneral(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (name: string) =>
    errors[name] ? (
      <span id={`settings-${name}-error`} className="field-error" role="alert">
        {errors[name]}
      </span>
    ) : null;
  const described = (name: string, hint = false) => [errors[name] ? `settings-${name}-error` : "", hint ? `settings-${name}-hint` : ""].filter(Boolean).join(" ") || undefined;

  return (
    <section className="panel settings-form" aria-labelledby="project-settings">
      <h2 id="project-settings">{t("settings.project")}</h2>
      <form onSubmit={submit} aria-label={t("settings.project")}>
        <div className="form-grid">
          <div className="field" data-field="name">
            <label htmlFor="settings-name">{t("settings.name")}</label>
            <input id="settings-name" name="name" value={draft.name} required aria-invalid={errors.name ? true : undefined} aria-describedby={described("name")} onChange={(e) => set("name", e.target.value)} />
            {fieldError("name")}
          </div>
          <div className="field" data-field="timezone">
            <label htmlFor="settings-timezone">{t("settings.timezone")}</label>
            <input
              id="settings-timezone"
              name="timezone"
              list="settings-zones"
              autoComplete="off"
              value={draft.timezone}
              aria-invalid={errors.timezone ? true : undefined}
              aria-describedby={described("timezone", true)}
              onChange={(e) => set("timezone", e.target.value)}
            />
            <datalist id="settings-zones">
              {zoneSuggestions().map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            {fieldError("timezone")}
            <span id="settings-timezone-hint" className="hint">
              {t("settings.timezoneHint")}
            </span>
          </div>
          <div className="field" data-field="sessionTimeoutMinutes">
            <label htmlFor="settings-sessionTimeoutMinutes">{t("settings.sessionTimeout")}</label>
            <input
              id="settings-sessionTimeoutMinutes"
              name="sessionTimeoutMinutes"
              type="number"
              inputMode="numeric"
              value={draft.sessionTimeoutMinutes}
              aria-invalid={errors.sessionTimeoutMinutes ? true : undefined}
              aria-describedby={described("sessionTimeoutMinutes", true)}
              onChange={(e) => set("sessionTimeoutMinutes", e.target.value)}
            />
            {fieldError("sessionTimeoutMinutes")}
            <span id="settings-sessionTimeoutMinutes-hint" className="hint">
              {t("settings.sessionTimeoutHint")}
            </span>
          </div>
          <div className="field" data-field="retentionDays">
            <label htmlFor="settings-retentionDays">{t("settings.retention")}</label>
            <label className="inline">
              <input type="checkbox" name="keepForever" checked={draft.keepForever} onChange={(e) => set("keepForever", e.target.checked)} /> {t("settings.keepForever")}
            </label>
            <input
              id="settings-retentionDays"
              name="retentionDays"
              type="number"
              inputMode="numeric"
              disabled={draft.keepForever}
              value={draft.retentionDays}
              aria-invalid={errors.retentionDays ? true : undefined}
              aria-describedby={described("retentionDays", true)}
              onChange={(e) => set("retentionDays", e.target.value)}
            />
            {fieldError("retentionDays")}
            <span id="settings-retentionDays-hint" className="hint">
              {t("settings.retentionHint")}
            </span>
          </div>
          <div className="field" data-field="language">
            <label htmlFor="settings-language">{t("settings.language")}</label>
            <select
              id="settings-language"
              name="language"
              value={draft.language}
              aria-invalid={errors.language ? true : undefined}
              aria-describedby={described("language", true)}
              onChange={(e) => set("language", e.target.value === "ru" ? "ru" : "en")}
            >
              <option value="en">English</option>
              <option value="ru">Русский</option>
            </select>
            {fieldError("language")}
            <span id="settings-language-hint" className="hint">
              {t("settings.languageHint")}
            </span>
          </div>
        </div>
        {general && (
          <p className="state state-error" role="alert">
            {t("settings.saveFailed", { message: general })}
          </p>
        )}
        {saved && (
          <p className="state state-ok" role="status" data-testid="settings-saved">
            {t("settings.saved")}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t("settings.save")}
        </button>
      </form>
    </section>
  );
}
