import type { BroadcastFigures } from "@chatfunnel/schemas";
import { useWindowText } from "../components/WindowPicker.js";
import { useI18n } from "../i18n/i18n.js";
import type { MessageKey } from "../i18n/messages.js";

/** A stage count, or the words saying the messenger never tells it (read on Telegram/VK): never a 0 for "unknown". */
export function StageCount({ value }: { value: number | null }) {
  const { t, format } = useI18n();
  return value === null ? <span className="muted">{t("broadcasts.readUnknown")}</span> : <>{format.integer(value)}</>;
}

// Messenger error texts are long: folded under the count, they would otherwise make the table twice as wide.
const REASONS_STYLE = { listStyle: "none", margin: "0.2rem 0 0", padding: 0 } as const;

/**
 * Every broadcast starting in the period, newest first; a row's button shows its funnel and timeline below. The
 * conversion columns name the answer's window (`windowSeconds`), the one their figures were counted with.
 */
export function BroadcastsTable({ rows, selected, onSelect, tz, windowSeconds }: { rows: BroadcastFigures[]; selected: string | null; onSelect: (id: string) => void; tz: string; windowSeconds: number }) {
  const { t, format } = useI18n();
  const windowWords = useWindowText()(windowSeconds);
  return (
    <div className="table-wrap">
      <table className="data" data-testid="broadcasts-table">
        <caption>{t("broadcasts.table")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("broadcasts.broadcast")}</th>
            <th scope="col">{t("broadcasts.channels")}</th>
            <th scope="col">{t("broadcasts.firstSentAt")}</th>
            <th scope="col">{t("broadcasts.sent")}</th>
            <th scope="col">{t("broadcasts.delivered")}</th>
            <th scope="col">{t("broadcasts.read")}</th>
            <th scope="col">{t("broadcasts.clicked")}</th>
            <th scope="col">{t("broadcasts.failed")}</th>
            <th scope="col">{t("broadcasts.optOuts")}</th>
            <th scope="col">{t("broadcasts.leadsWithin", { window: windowWords })}</th>
            <th scope="col">{t("broadcasts.ordersWithin", { window: windowWords })}</th>
            <th scope="col">{t("broadcasts.revenueWithin", { window: windowWords })}</th>
            <th scope="col">{t("broadcasts.deliveryRate")}</th>
            <th scope="col">{t("broadcasts.readRate")}</th>
            <th scope="col">{t("broadcasts.clickRate")}</th>
            <th scope="col">{t("broadcasts.unsubscribeRate")}</th>
            <th scope="col">{t("broadcasts.leadRate", { window: windowWords })}</th>
            <th scope="col">{t("broadcasts.orderRate", { window: windowWords })}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.broadcastId} data-broadcast={row.broadcastId} aria-current={row.broadcastId === selected ? "true" : undefined}>
              <th scope="row">
                <button type="button" className="link" aria-pressed={row.broadcastId === selected} onClick={() => onSelect(row.broadcastId)}>
                  {row.broadcastId}
                </button>
              </th>
              <td data-metric="channels">{row.channels.map((channel) => t(`channel.${channel}` as MessageKey)).join(", ")}</td>
              <td data-metric="firstSentAt">{format.dateTime(row.firstSentAt, tz)}</td>
              <td data-metric="sent">{format.integer(row.sent)}</td>
              <td data-metric="delivered">{format.integer(row.delivered)}</td>
              <td data-metric="read">
                <StageCount value={row.read} />
              </td>
              <td data-metric="clicked">{format.integer(row.clicked)}</td>
              <td data-metric="failed">
                {format.integer(row.failed)}
                {row.failureReasons.length > 0 && (
                  <details className="note">
                    <summary>{t("broadcasts.reasons")}</summary>
                    <ul style={REASONS_STYLE}>
                      {row.failureReasons.map((reason) => (
                        <li key={reason.reason ?? ""}>
                          {reason.reason ?? t("broadcasts.noReason")}: {format.integer(reason.users)}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </td>
              <td data-metric="unsubscribedOrBlocked">{format.integer(row.unsubscribedOrBlocked)}</td>
              <td data-metric="leads">{format.integer(row.leads)}</td>
              <td data-metric="orders">{format.integer(row.orders)}</td>
              <td data-metric="revenue">
                {format.money(row.revenue)}
                {row.otherRevenue.map((money) => (
                  <div key={money.currency} className="note">
                    + {format.money(money)}
                  </div>
                ))}
              </td>
              <td data-metric="deliveryRate">{format.percent(row.deliveryRate)}</td>
              <td data-metric="readRate">{row.read === null ? <StageCount value={null} /> : format.percent(row.readRate)}</td>
              <td data-metric="clickRate">{format.percent(row.clickRate)}</td>
              <td data-metric="unsubscribeRate">{format.percent(row.unsubscribeRate)}</td>
              <td data-metric="leadRate">{format.percent(row.leadRate)}</td>
              <td data-metric="orderRate">{format.percent(row.orderRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
