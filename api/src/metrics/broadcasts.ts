import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import {
  CHANNELS,
  CHANNELS_WITHOUT_READS,
  MAX_BROADCAST_FAILURE_REASONS,
  type BroadcastDetailResponse,
  type BroadcastFigures,
  type BroadcastsResponse,
  type Money,
} from "@chatfunnel/schemas";
import { UnitsSchema, runQuery, eventScope, type Units, type ResolvedFilters } from "@chatfunnel/warehouse";
import { broadcastsSql } from "./broadcasts/sql.js";
import { FALLBACK_CURRENCY, ratio, unitsMoney } from "./money.js";
import { rangeEcho } from "./range-echo.js";

/** Broadcasts (schemas/src/api/broadcasts.ts BROADCASTS_SEMANTICS); the SQL is in broadcasts/sql.ts. */

const num = z.coerce.number();
/** sumMap's answer: keys, then one array of sums per value argument. */
const countsByKey = <K extends z.ZodType>(key: K) => z.tuple([z.array(key), z.array(num)]);
const RowSchema = z.object({
  broadcast_id: z.string(),
  first_sent_ms: num,
  channels: z.array(z.string()),
  sent: num,
  delivered: num,
  read: num,
  delivered_reporting: num,
  clicked: num,
  failed: num,
  reasons: countsByKey(z.string()),
  opt_out_users: num,
  lead_users: num,
  order_users: num,
  revenue: z.tuple([z.array(z.string()), z.array(UnitsSchema), z.array(num)]),
  delivered_hours: countsByKey(num),
  read_hours: countsByKey(num),
  clicked_hours: countsByKey(num),
});
type Row = z.infer<typeof RowSchema>;

const reportsReads = (channel: string): boolean => !(CHANNELS_WITHOUT_READS as readonly string[]).includes(channel);
/** Text order as the engine sorts String (UTF-8 bytes), as the list's ties are defined. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
const byteOrderNullLast = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : byteOrder(a, b));

/** Attributed revenue per currency; a currency whose events sum to 0 is kept: it can still be the answer's. */
const revenueOf = (row: Row): Map<string, Units> => {
  const [codes, units, events] = row.revenue;
  return new Map(codes.flatMap((code, i) => ((events[i] ?? 0) > 0 ? [[code, units[i] ?? 0n] as const] : [])));
};

/** Every broadcast starting in range (with `broadcastId`'s hours), before the answer's currency is chosen. */
async function readRows(storage: Storage, filters: ResolvedFilters, windowSeconds: number, broadcastId = ""): Promise<Row[]> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  return runQuery(storage, broadcastsSql(scope.sql, db), { ...scope.params, windowSeconds, broadcastId }, RowSchema);
}

/** `currency` when asked, else the one with most attributed revenue over the listed broadcasts (ties by code), else RUB. */
function chooseCurrency(rows: Row[], filters: ResolvedFilters): string {
  if (filters.currency) return filters.currency;
  const totals = new Map<string, Units>();
  for (const row of rows) for (const [currency, units] of revenueOf(row)) totals.set(currency, (totals.get(currency) ?? 0n) + units);
  const best = [...totals].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0];
  return best?.[0] ?? FALLBACK_CURRENCY;
}

function figures(s: Row, currency: string): BroadcastFigures {
  const revenue = revenueOf(s);
  // The engine's Map cannot tell a missing reason from "": both are "no reason".
  const reasons = s.reasons[0].map((reason, i) => ({ reason: reason === "" ? null : reason, users: s.reasons[1][i] ?? 0 }));
  const channels = CHANNELS.filter((channel) => s.channels.includes(channel));
  const read = channels.some(reportsReads) ? s.read : null;
  const otherRevenue: Money[] = [...revenue]
    .filter(([code, units]) => code !== currency && units !== 0n)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([code, units]) => unitsMoney(units, code));
  return {
    broadcastId: s.broadcast_id,
    channels,
    firstSentAt: new Date(s.first_sent_ms).toISOString(),
    sent: s.sent,
    delivered: s.delivered,
    read,
    clicked: s.clicked,
    failed: s.failed,
    failureReasons: reasons.sort((a, b) => b.users - a.users || byteOrderNullLast(a.reason, b.reason)).slice(0, MAX_BROADCAST_FAILURE_REASONS),
    unsubscribedOrBlocked: s.opt_out_users,
    leads: s.lead_users,
    orders: s.order_users,
    revenue: unitsMoney(revenue.get(currency) ?? 0n, currency),
    otherRevenue,
    deliveryRate: ratio(s.delivered, s.sent),
    readRate: read === null ? null : ratio(read, s.delivered_reporting),
    clickRate: ratio(s.clicked, s.delivered),
    unsubscribeRate: ratio(s.opt_out_users, s.delivered),
    leadRate: ratio(s.lead_users, s.delivered),
    orderRate: ratio(s.order_users, s.delivered),
  };
}

const newestFirst = (a: BroadcastFigures, b: BroadcastFigures): number =>
  a.firstSentAt > b.firstSentAt ? -1 : a.firstSentAt < b.firstSentAt ? 1 : byteOrder(a.broadcastId, b.broadcastId);

export async function broadcastsReport(storage: Storage, filters: ResolvedFilters, windowSeconds: number): Promise<BroadcastsResponse> {
  const rows = await readRows(storage, filters, windowSeconds);
  const currency = chooseCurrency(rows, filters);
  return { range: rangeEcho(filters), windowSeconds, currency, broadcasts: rows.map((row) => figures(row, currency)).sort(newestFirst) };
}

/** The list's row for one broadcast plus its hourly timeline; undefined when the list would not contain it. */
export async function broadcastDetail(storage: Storage, filters: ResolvedFilters, windowSeconds: number, broadcastId: string): Promise<BroadcastDetailResponse | undefined> {
  // The answer's currency depends on every listed broadcast, so the one query reads them all.
  const rows = await readRows(storage, filters, windowSeconds, broadcastId);
  const row = rows.find((r) => r.broadcast_id === broadcastId);
  if (!row) return undefined;
  const currency = chooseCurrency(rows, filters);
  const broadcast = figures(row, currency);
  const hours = new Map<number, { delivered: number; read: number; clicked: number }>();
  const add = ([starts, users]: [number[], number[]], stage: "delivered" | "read" | "clicked") =>
    starts.forEach((hour, i) => {
      const entry = hours.get(hour) ?? { delivered: 0, read: 0, clicked: 0 };
      entry[stage] += users[i] ?? 0;
      hours.set(hour, entry);
    });
  add(row.delivered_hours, "delivered");
  add(row.read_hours, "read");
  add(row.clicked_hours, "clicked");
  return {
    range: rangeEcho(filters),
    windowSeconds,
    currency,
    broadcast,
    hours: [...hours]
      .sort((a, b) => a[0] - b[0])
      .map(([hour, counts]) => ({ hour: new Date(hour).toISOString(), delivered: counts.delivered, read: broadcast.read === null ? null : counts.read, clicked: counts.clicked })),
  };
}
