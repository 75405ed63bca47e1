import { useQuery } from "@tanstack/react-query";
import type { BroadcastFigures } from "@chatfunnel/schemas";
import { useApi } from "../api/context.js";
import { broadcastDetailQuery } from "../api/broadcasts-queries.js";
import { ChartFigure, PALETTE } from "../components/ChartFigure.js";
import type { Series } from "../charts/Charts.js";
import { QueryState } from "../components/QueryState.js";
import { useWindowText } from "../components/WindowPicker.js";
import type { ApiFilters } from "../filters/filters.js";
import { useI18n } from "../i18n/i18n.js";

type Stage = "sent" | "delivered" | "read" | "clicked" | "leads" | "orders";

/** The funnel's stages in order; read only where a channel reports it (null is "unknown", not a drop to 0). */
export function funnelStages(b: BroadcastFigures): { stage: Stage; users: number }[] {
  const stages: { stage: Stage; users: number | null }[] = [
    { stage: "sent", users: b.sent },
    { stage: "delivered", users: b.delivered },
    { stage: "read", users: b.read },
    { stage: "clicked", users: b.clicked },
    { stage: "leads", users: b.leads },
    { stage: "orders", users: b.orders },
  ];
  return stages.filter((s): s is { stage: Stage; users: number } => s.users !== null);
}

const STAGE_LABEL = {
  sent: "broadcasts.sent",
  delivered: "broadcasts.delivered",
  read: "broadcasts.read",
  clicked: "broadcasts.clicked",
  leads: "broadcasts.leadsWithin",
  orders: "broadcasts.ordersWithin",
} as const;

/** One broadcast: its funnel sent → delivered → read → clicked → lead / order (within `conversionWindow`), and its users hour by hour. */
export function BroadcastDetail({ filters, conversionWindow, broadcastId }: { filters: ApiFilters; conversionWindow: string; broadcastId: string }) {
  const { t, format } = useI18n();
  const api = useApi();
  const windowText = useWindowText();
  const query = useQuery(broadcastDetailQuery(api, filters, conversionWindow, broadcastId));
  return (
    <section aria-label={broadcastId} data-testid="broadcast-detail" data-broadcast={broadcastId}>
      <QueryState query={query}>
        {(data) => {
          const b = data.broadcast;
          const series: Series[] = [
            { key: "delivered", label: t("broadcasts.delivered"), color: PALETTE[0]! },
            ...(b.read === null ? [] : [{ key: "read", label: t("broadcasts.read"), color: PALETTE[1]! }]),
            { key: "clicked", label: t("broadcasts.clicked"), color: PALETTE[2]! },
          ];
          return (
            <>
              <div className="grid-2">
                <ChartFigure
                  title={t("broadcasts.funnel", { name: b.broadcastId })}
                  kind="bar"
                  testId="broadcast-funnel"
                  data={funnelStages(b).map((s) => ({ stage: t(STAGE_LABEL[s.stage], { window: windowText(data.windowSeconds) }), users: s.users }))}
                  xKey="stage"
                  xLabel={t("broadcasts.stage")}
                  series={[{ key: "users", label: t("metric.users"), color: PALETTE[0]! }]}
                  format={format.integer}
                />
                <ChartFigure
                  title={t("broadcasts.timeline", { name: b.broadcastId })}
                  // Bars: a broadcast often lands within an hour or two, where a line would be a lone dot.
                  kind="bar"
                  testId="broadcast-timeline"
                  data={data.hours.map((h) => ({ hour: h.hour, delivered: h.delivered, read: h.read, clicked: h.clicked }))}
                  xKey="hour"
                  xLabel={t("broadcasts.hour")}
                  series={series}
                  format={format.integer}
                  formatX={(iso) => format.dateTime(iso, data.range.tz)}
                />
              </div>
              {b.read === null && (
                <p className="note" data-testid="broadcast-read-unknown">
                  {t("broadcasts.read")}: {t("broadcasts.readUnknown")}
                </p>
              )}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
