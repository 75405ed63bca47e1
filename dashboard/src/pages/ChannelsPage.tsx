import { useQuery } from "@tanstack/react-query";
import type { ChannelFigures } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { channelsQuery } from "../api/queries.js";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import { OtherCurrencies } from "../components/OtherCurrencies.js";
import { QueryState } from "../components/QueryState.js";
import { useFilters } from "../filters/use-filters.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/**
 * Telegram, WhatsApp, VK… side by side: the table has every figure, the charts the ones compared most.
 * One request: the channels answer carries each channel's repeat share too.
 */
export function ChannelsPage() {
  const { t, format } = useI18n();
  const api = useApi();
  const { api: filters } = useFilters();
  const query = useQuery(channelsQuery(api, filters));
  const name = (row: ChannelFigures) => t(`channel.${row.channel}` as MessageKey);

  return (
    <QueryState query={query} isEmpty={(data) => data.channels.length === 0}>
      {(data) => {
        const money = (amount: number) => format.money({ amount, currency: data.currency });
        return (
          <>
            <div className="table-wrap">
              <table className="data" data-testid="channels-table">
                <caption>{t("channels.table")}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t("channels.channel")}</th>
                    <th scope="col">{t("metric.users")}</th>
                    <th scope="col">{t("metric.newUsers")}</th>
                    <th scope="col">{t("metric.sessions")}</th>
                    <th scope="col">{t("metric.leads")}</th>
                    <th scope="col">{t("metric.orders")}</th>
                    <th scope="col">{t("metric.conversion")}</th>
                    <th scope="col">{t("metric.cpl")}</th>
                    <th scope="col">{t("metric.cpo")}</th>
                    <th scope="col">{t("metric.revenue")}</th>
                    <th scope="col">{t("metric.spend")}</th>
                    <th scope="col">{t("metric.repeatShare")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.channels.map((row) => {
                    return (
                      <tr key={row.channel} data-channel={row.channel}>
                        <th scope="row">{name(row)}</th>
                        <td data-metric="users">{format.integer(row.users)}</td>
                        <td data-metric="newUsers">{format.integer(row.newUsers)}</td>
                        <td data-metric="sessions">{format.integer(row.sessions)}</td>
                        <td data-metric="leads">{format.integer(row.leads)}</td>
                        <td data-metric="orders">{format.integer(row.orders)}</td>
                        <td data-metric="leadConversion">{format.percent(row.leadConversion)}</td>
                        <td data-metric="cpl">{format.money(row.cpl)}</td>
                        <td data-metric="cpo">{format.money(row.cpo)}</td>
                        <td data-metric="revenue">{format.money(row.revenue)}</td>
                        <td data-metric="spend">{format.money(row.spend)}</td>
                        <td data-metric="repeatShare">{format.percent(row.returningShare)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <OtherCurrencies list={data.otherCurrencies} />
            <div className="grid-2">
              <ChartFigure
                title={t("channels.usersChart")}
                kind="bar"
                testId="channels-users-chart"
                data={data.channels.map((row) => ({ channel: name(row), users: row.users, leads: row.leads }))}
                xKey="channel"
                xLabel={t("channels.channel")}
                series={[
                  { key: "users", label: t("metric.users"), color: PALETTE[0]! },
                  { key: "leads", label: t("metric.leads"), color: PALETTE[2]! },
                ]}
                format={format.integer}
              />
              <ChartFigure
                title={t("channels.costChart")}
                kind="bar"
                testId="channels-cost-chart"
                data={data.channels.map((row) => ({ channel: name(row), cpl: row.cpl?.amount ?? null, cpo: row.cpo?.amount ?? null }))}
                xKey="channel"
                xLabel={t("channels.channel")}
                series={[
                  { key: "cpl", label: t("metric.cpl"), color: PALETTE[3]! },
                  { key: "cpo", label: t("metric.cpo"), color: PALETTE[4]! },
                ]}
                format={money}
                formatAxis={(amount) => format.moneyCompact({ amount, currency: data.currency })}
              />
            </div>
          </>
        );
      }}
    </QueryState>
  );
}
