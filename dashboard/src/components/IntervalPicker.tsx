import { INTERVALS as INTERVAL_OPTIONS } from "@chatfunnel/contract";
import type { Interval } from "@chatfunnel/schemas";
import { useI18n } from "../i18n/i18n.js";
import { useLocation, useUpdateParams } from "../router/location.js";

/** The bucket size of trend charts, kept in the URL like every other view setting. */
export function useInterval(): Interval {
  const value = useLocation().params.get("interval");
  return (INTERVAL_OPTIONS as readonly string[]).includes(value ?? "") ? (value as Interval) : "day";
}

export function IntervalPicker() {
  const { t } = useI18n();
  const interval = useInterval();
  const update = useUpdateParams();
  return (
    <label className="field inline">
      <span>{t("interval.label")}</span>
      <select name="interval" value={interval} onChange={(e) => update((params) => params.set("interval", e.target.value))}>
        {INTERVAL_OPTIONS.map((option) => (
          <option key={option} value={option}>
            {t(`interval.${option}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
