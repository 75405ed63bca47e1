import { useQuery } from "@tanstack/react-query";
import type { CostsGrouping, CostsRow } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { costsQuery } from "../api/queries.js";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { OtherCurrencies } from "../components/OtherCurrencies.js";
import { QueryState } from "../components/QueryState.js";
import { SpendImport } from "../components/SpendImport.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";
import { useLocation, useUpdateParams } from "../router/location.js";

const GROUPINGS = ["channel", "campaign"] as const satisfies readonly CostsGrouping[];

/** CPL, CPO and ROAS by channel or campaign, and the import that feeds spend. */
export function CostsPage() {
  const { t, format } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const byParam = useLocation().params.get("by");
  const by: CostsGrouping = byParam === "campaign" ? "campaign" : "channel";
  const update = useUpdateParams();
  const query = useQuery(costsQuery(api, filters, by));
  const keyName = (key: string | null) => (key === null ? "—" : by === "channel" ? t(`channel.${key}` as MessageKey) : key);

  return (
    <>
      <div className="section-head">
        <div role="radiogroup" aria-label={t("costs.groupBy")} className="segmented">
          {GROUPINGS.map((option) => (
            <label key={option}>
              <input type="radio" name="by" value={option} checked={by === option} onChange={() => update((params) => params.set("by", option))} />
              {t(option === "channel" ? "costs.byChannel" : "costs.byCampaign")}
            </label>
          ))}
        </div>
      </div>
      <QueryState query={query} isEmpty={(data) => data.rows.length === 0}>
        {(data) => {
          const money = (amount: number) => format.money({ amount, currency: data.currency });
          const row = (name: string, figures: Omit<CostsRow, "key">, key: string) => (
            <tr key={key} data-key={key}>
              <th scope="row">{name}</th>
              <td data-metric="spend">{format.money(figures.spend)}</td>
              <td data-metric="leads">{format.integer(figures.leads)}</td>
              <td data-metric="orders">{format.integer(figures.orders)}</td>
              <td data-metric="revenue">{format.money(figures.revenue)}</td>
              <td data-metric="cpl">{format.money(figures.cpl)}</td>
              <td data-metric="cpo">{format.money(figures.cpo)}</td>
              <td data-metric="roas">{format.ratio(figures.roas)}</td>
            </tr>
          );
          return (
            <>
              <div className="table-wrap">
                <table className="data" data-testid="costs-table">
                  <caption>{t(by === "channel" ? "costs.byChannel" : "costs.byCampaign")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t(by === "channel" ? "channels.channel" : "filters.campaign")}</th>
                      <th scope="col">{t("metric.spend")}</th>
                      <th scope="col">{t("metric.leads")}</th>
                      <th scope="col">{t("metric.orders")}</th>
                      <th scope="col">{t("metric.revenue")}</th>
                      <th scope="col">{t("metric.cpl")}</th>
                      <th scope="col">{t("metric.cpo")}</th>
                      <th scope="col">{t("metric.roas")}</th>
                    </tr>
                  </thead>
                  <tbody>{data.rows.map((r) => row(keyName(r.key), r, r.key ?? "(none)"))}</tbody>
                  <tfoot>{row("Σ", data.total, "(total)")}</tfoot>
                </table>
              </div>
              <OtherCurrencies list={data.otherCurrencies} />
              <ChartFigure
                title={`${t("costs.chart")} — ${t(by === "channel" ? "costs.byChannel" : "costs.byCampaign")}`}
                kind="bar"
                testId="costs-chart"
                data={data.rows.map((r) => ({ name: keyName(r.key), cpl: r.cpl?.amount ?? null, cpo: r.cpo?.amount ?? null }))}
                xKey="name"
                xLabel={t(by === "channel" ? "channels.channel" : "filters.campaign")}
                series={[
                  { key: "cpl", label: t("metric.cpl"), color: PALETTE[3]! },
                  { key: "cpo", label: t("metric.cpo"), color: PALETTE[4]! },
                ]}
                format={money}
                formatAxis={(amount) => format.moneyCompact({ amount, currency: data.currency })}
              />
            </>
          );
        }}
      </QueryState>
      <SpendImport />
    </>
  );
}
