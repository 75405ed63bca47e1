import type { RetentionResponse } from "@chatfunnel/schemas";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { useI18n } from "../i18n/i18n.js";
import { CHART_CAMPAIGNS, ltvAt, ltvToCac } from "./group-figures.js";
import { groupKey, groupName } from "./groups.js";

/**
 * Whether a campaign's users paid for what it cost: per first-touch campaign its revenue per user by the end of a
 * period (LTV, the reader's pick) beside its spend per user (CAC), the largest campaigns drawn, every campaign in the
 * table with LTV / CAC and the period that paid it back.
 */
export function LtvCacChart({ data, period, onPeriod }: { data: RetentionResponse; period: number; onPeriod: (period: number) => void }) {
  const { t, format } = useI18n();
  const money = (amount: number | null) => (amount === null ? "—" : format.money({ amount, currency: data.currency }));
  const figures = data.groups.map((group) => ({ group, ltv: ltvAt(group, period) }));
  const drawn = figures.slice(0, CHART_CAMPAIGNS);
  const anySpend = data.groups.some((group) => group.cac !== null);
  return (
    <>
      <div className="section-head">
        <label className="field inline">
          <span>{t("retention.ltvAt")}</span>
          <select name="ltv" value={period} onChange={(e) => onPeriod(Number(e.target.value))}>
            {Array.from({ length: data.periods }, (_, p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!anySpend && <p className="note" data-testid="ltv-no-spend">{t("retention.noSpend", { currency: data.currency })}</p>}
      <ChartFigure
        title={t("retention.ltvChart", { period, currency: data.currency })}
        kind="bar"
        testId="ltv-cac-chart"
        data={drawn.map(({ group, ltv }) => ({ campaign: groupName(group.group, "campaign", t), ltv, cac: group.cac }))}
        xKey="campaign"
        xLabel={t("retention.campaign")}
        series={[
          { key: "ltv", label: t("retention.ltv"), color: PALETTE[1]! },
          { key: "cac", label: t("retention.cac"), color: PALETTE[3]! },
        ]}
        format={(amount) => format.money({ amount, currency: data.currency })}
        formatAxis={(amount) => format.moneyCompact({ amount, currency: data.currency })}
        height={260}
      />
      <p className="note">{t("retention.ltvNote")}</p>
      <div className="table-wrap">
        <table className="data" data-testid="ltv-cac-table">
          <caption>{t("retention.ltvHead")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("retention.campaign")}</th>
              <th scope="col">{t("retention.size")}</th>
              <th scope="col">{t("retention.ltvPeriod", { n: period })}</th>
              <th scope="col">{t("retention.cac")}</th>
              <th scope="col">{t("retention.ltvToCac")}</th>
              <th scope="col">{t("retention.payback")}</th>
            </tr>
          </thead>
          <tbody>
            {figures.map(({ group, ltv }) => (
              <tr key={groupKey(group.group)} data-group={group.group ?? undefined}>
                <th scope="row">{groupName(group.group, "campaign", t)}</th>
                <td data-col="size">{format.integer(group.size)}</td>
                <td data-col="ltv">{money(ltv)}</td>
                <td data-col="cac">{money(group.cac)}</td>
                <td data-col="ltvToCac">{format.ratio(ltvToCac(ltv, group.cac))}</td>
                <td data-col="payback">{group.paybackPeriod === null ? "—" : t("retention.periodN", { n: group.paybackPeriod })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
