import type { RetentionResponse } from "@chatfunnel/schemas";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { useI18n } from "../i18n/i18n.js";
import { CHART_GROUPS, ltvAt } from "./group-figures.js";
import { groupKey, groupName } from "./groups.js";

/**
 * One curve per group (the largest ones): the share of its cohorts retained in each period, over the cohorts that
 * reached that period. Beside it every group's figures: size, CAC, payback, LTV at the page's LTV period and the shares.
 */
export function RetentionCurves({ data, ltvPeriod }: { data: RetentionResponse; ltvPeriod: number }) {
  const { t, format } = useI18n();
  const drawn = data.groups.slice(0, CHART_GROUPS);
  // Series keys are positions, not names: recharts reads a dot in a dataKey as a path, and campaigns may hold one.
  const series = drawn.map((group, index) => ({ key: `s${index}`, label: groupName(group.group, data.breakdown, t), color: PALETTE[index % PALETTE.length]! }));
  const rows = Array.from({ length: data.periods }, (_, period) => ({
    period: String(period),
    ...Object.fromEntries(drawn.map((group, index) => [`s${index}`, group.cells[period]?.share ?? null])),
  }));
  const money = (amount: number | null) => (amount === null ? "—" : format.money({ amount, currency: data.currency }));
  const periods = Array.from({ length: data.periods }, (_, period) => period);
  return (
    <>
      <ChartFigure
        title={data.breakdown === null ? t("retention.curves") : t("retention.curvesBy", { breakdown: t(`retention.breakdown.${data.breakdown}`) })}
        kind="line"
        testId="retention-curves"
        data={rows}
        xKey="period"
        xLabel={t("retention.period")}
        series={series}
        format={format.percent}
        formatX={(period) => t("retention.periodN", { n: period })}
        formatXAxis={(period) => period}
        height={260}
      />
      {data.groups.length > drawn.length && <p className="note">{t("retention.curvesNote", { n: drawn.length, total: data.groups.length })}</p>}
      <div className="table-wrap">
        <table className="data" data-testid="retention-groups">
          <caption>{t("retention.groups")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("retention.group")}</th>
              <th scope="col">{t("retention.size")}</th>
              <th scope="col">{t("retention.cac")}</th>
              <th scope="col">{t("retention.payback")}</th>
              <th scope="col">{t("retention.ltvPeriod", { n: ltvPeriod })}</th>
              {periods.map((period) => (
                <th scope="col" key={period} aria-label={t("retention.periodN", { n: period })}>
                  {period}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.groups.map((group) => (
              <tr key={groupKey(group.group)} data-group={group.group ?? undefined}>
                <th scope="row">{groupName(group.group, data.breakdown, t)}</th>
                <td data-col="size">{format.integer(group.size)}</td>
                <td data-col="cac">{money(group.cac)}</td>
                <td data-col="payback">{group.paybackPeriod === null ? "—" : t("retention.periodN", { n: group.paybackPeriod })}</td>
                <td data-col="ltv">{money(ltvAt(group, ltvPeriod))}</td>
                {group.cells.map((cell) => (
                  <td key={cell.period} data-period={cell.period}>
                    {format.percent(cell.share)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
