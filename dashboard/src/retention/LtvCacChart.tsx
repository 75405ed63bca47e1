import type { RetentionResponse } from "@chatfunnel/schemas";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { useI18n } from "../i18n/i18n.js";
import { CHART_CAMPAIGNS, ltvToCac, ltvToDate } from "./group-figures.js";
import { groupKey, groupName } from "./groups.js";

/**
 * Whether a campaign's users paid for what it cost: per first-touch campaign its revenue per user to date (LTV)
 * beside its spend per user (CAC), the largest campaigns drawn, every campaign in the table with LTV / CAC and the
 * period that paid it back.
 */
export function LtvCacChart({ data }: { data: RetentionResponse }) {
  const { t, format } = useI18n();
  const money = (amount: number | null) => (amount === null ? "—" : format.money({ amount, currency: data.currency }));
  const figures = data.groups.map((group) => ({ group, ltv: ltvToDate(group) }));
  const drawn = figures.slice(0, CHART_CAMPAIGNS);
  const anySpend = data.groups.some((group) => group.cac !== null);
  return (
    <>
      {!anySpend && <p className="note" data-testid="ltv-no-spend">{t("retention.noSpend", { currency: data.currency })}</p>}
      <ChartFigure
        title={t("retention.ltvChart", { currency: data.currency })}
        kind="bar"
        testId="ltv-cac-chart"
        data={drawn.map(({ group, ltv }) => ({ campaign: groupName(group.group, "campaign", t), ltv: ltv?.revenuePerUser ?? null, cac: group.cac }))}
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
      <div className="table-wrap">
        <table className="data" data-testid="ltv-cac-table">
          <caption>{t("retention.ltvHead")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("retention.campaign")}</th>
              <th scope="col">{t("retention.size")}</th>
              <th scope="col">{t("retention.ltv")}</th>
              <th scope="col">{t("retention.ltvAt")}</th>
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
                <td data-col="ltv">{money(ltv?.revenuePerUser ?? null)}</td>
                <td data-col="ltvPeriod">{ltv === null ? "—" : ltv.period}</td>
                <td data-col="cac">{money(group.cac)}</td>
                <td data-col="ltvToCac">{format.ratio(ltvToCac(ltv?.revenuePerUser ?? null, group.cac))}</td>
                <td data-col="payback">{group.paybackPeriod === null ? "—" : t("retention.periodN", { n: group.paybackPeriod })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
