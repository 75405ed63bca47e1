import type { OtherCurrency } from "@chatfunnel/schemas";
import { useI18n } from "../i18n/i18n.js";

/** Money in currencies other than the reported one: listed as revenue / spend, never converted. */
export function OtherCurrencies({ list }: { list: OtherCurrency[] }) {
  const { t, format } = useI18n();
  if (list.length === 0) return null;
  return (
    <p className="note" data-testid="other-currencies">
      {t("overview.otherCurrencies", {
        list: list
          .map((other) => `${format.money({ amount: other.revenue, currency: other.currency })} / ${format.money({ amount: other.spend, currency: other.currency })}`)
          .join("; "),
      })}
    </p>
  );
}
