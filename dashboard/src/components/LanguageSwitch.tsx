import { useI18n } from "../i18n/i18n.js";
import { LOCALES, type Locale } from "../i18n/messages.js";

const NAMES: Record<Locale, string> = { en: "English", ru: "Русский" };

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="language">
      <span className="sr-only">{t("app.language")}</span>
      <select name="language" value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
        {LOCALES.map((code) => (
          <option key={code} value={code} lang={code}>
            {NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
