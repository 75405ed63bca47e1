import { useId, useState, type FormEvent } from "react";
import { useI18n } from "../i18n/i18n.js";

/** Asked once: the key is remembered in this browser until the user forgets it or it is refused. */
export function KeyForm({ rejected, onKey }: { rejected: boolean; onKey: (key: string) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const id = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onKey(value.trim());
  };
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("key.title")}</h2>
      <p id={`${id}-help`}>{t("key.explain")}</p>
      {rejected && (
        <p role="alert" className="state state-error">
          {t("key.rejected")}
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor={id}>{t("key.label")}</label>
        <input id={id} name="readKey" type="password" autoComplete="off" aria-describedby={`${id}-help`} value={value} onChange={(e) => setValue(e.target.value)} required />
        <button type="submit">{t("key.submit")}</button>
      </form>
    </section>
  );
}
