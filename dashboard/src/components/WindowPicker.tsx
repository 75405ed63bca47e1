import { DEFAULT_BROADCAST_WINDOW, DEFAULT_SURVEY_WINDOW, funnelWindowSeconds, isFunnelWindow } from "@chatfunnel/contract";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { useLocation, useUpdateParams } from "../router/location.js";

/** The URL parameter of the conversion window, named as the API names it. */
export const WINDOW_PARAM = "window";

/** Each page's default, the API's own (the contract module's). */
export const DEFAULT_WINDOWS = { broadcasts: DEFAULT_BROADCAST_WINDOW, surveys: DEFAULT_SURVEY_WINDOW } as const;

/** The windows the picker offers, shortest first; any other window the API takes stays usable through the URL. */
export const WINDOW_CHOICES = ["1h", "6h", "12h", "1d", "3d", "7d", "14d", "30d", "90d"] as const;

/**
 * The URL's window when the API would take it (the funnel's grammar, at most 90 days), else the page's default,
 * so a hand-edited link shows the default view instead of an error. A window equal to a choice (`24h`, `1d`) is
 * spelled as the choice, so the picker shows it selected.
 */
export function parseWindowParam(params: URLSearchParams, defaultWindow: string): string {
  const value = params.get(WINDOW_PARAM) ?? "";
  if (!isFunnelWindow(value)) return defaultWindow;
  const seconds = funnelWindowSeconds(value);
  return WINDOW_CHOICES.find((choice) => funnelWindowSeconds(choice) === seconds) ?? value;
}

export function useConversionWindow(defaultWindow: string): string {
  return parseWindowParam(useLocation().params, defaultWindow);
}

const UNIT_SECONDS = [
  ["d", 86_400],
  ["h", 3600],
  ["m", 60],
] as const;

/**
 * A window in words, "3 days" / "3 дня" (after "within" / "за"): the largest unit that divides it, so the
 * answer's windowSeconds and the picker's choice read alike.
 */
export function useWindowText(): (seconds: number) => string {
  const { t, locale, format } = useI18n();
  const plural = new Intl.PluralRules(locale === "ru" ? "ru-RU" : "en-US");
  return (seconds) => {
    const unit = UNIT_SECONDS.find(([, size]) => seconds > 0 && seconds % size === 0);
    if (!unit) return format.durationSeconds(seconds);
    const n = seconds / unit[1];
    return t(`window.${unit[0]}.${plural.select(n)}` as MessageKey, { n: format.integer(n) });
  };
}

/** Picks how long after the reference moment (a delivery, an answer) a lead or order counts; the choice goes into the URL. */
export function WindowPicker({ value }: { value: string }) {
  const { t } = useI18n();
  const update = useUpdateParams();
  const text = useWindowText();
  const choices: readonly string[] = (WINDOW_CHOICES as readonly string[]).includes(value) ? WINDOW_CHOICES : [...WINDOW_CHOICES, value];
  const sorted = [...choices].sort((a, b) => funnelWindowSeconds(a)! - funnelWindowSeconds(b)!);
  return (
    <label className="field inline">
      <span>{t("window.label")}</span>
      <select name={WINDOW_PARAM} value={value} onChange={(e) => update((params) => params.set(WINDOW_PARAM, e.target.value))}>
        {sorted.map((choice) => (
          <option key={choice} value={choice}>
            {text(funnelWindowSeconds(choice)!)}
          </option>
        ))}
      </select>
    </label>
  );
}
