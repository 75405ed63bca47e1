import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import {
  CHANNELS,
  CHANNELS_WITHOUT_READS,
  MAX_BROADCAST_FAILURE_REASONS,
  type BroadcastDetailResponse,
  type BroadcastFigures,
  type BroadcastsResponse,
  type Money,
} from "@chatfunnel/schemas";
import { UnitsSchema, type Units } from "../warehouse/money.js";
import { runQuery } from "../warehouse/run-query.js";
import { eventScope, type ResolvedFilters } from "../warehouse/scope.js";
import { afterDeliverySql, hoursSql, reasonsSql, stagesSql } from "./broadcasts/sql.js";
import { FALLBACK_CURRENCY, ratio, unitsMoney } from "./money.js";
import { rangeEcho } from "./range-echo.js";

/** Broadcasts (schemas/src/api/broadcasts.ts BROADCASTS_SEMANTICS); the SQL is in broadcasts/sql.ts. */

const num = z.coerce.number();
const StageRowSchema = z.object({
  broadcast_id: z.string(),
  first_sent_ms: num,
  channels: z.array(z.string()),
  sent: num,
  delivered: num,
  read: num,
  delivered_reporting: num,
  clicked: num,
  failed: num,
});
const ReasonRowSchema = z.object({ broadcast_id: z.string(), reason: z.string(), users: num });
const AfterRowSchema = z.object({
  broadcast_id: z.string(),
  currency: z.string(),
  opt_out_users: num,
  lead_users: num,
  order_users: num,
  units: UnitsSchema,
  revenue_events: num,
});
const HourRowSchema = z.object({ hour_ms: num, stage: z.enum(["delivered", "read", "clicked"]), users: num });

interface Row {
  stages: z.infer<typeof StageRowSchema>;
  reasons: { reason: string | null; users: number }[];
  optedOut: number;
  leads: number;
  orders: number;
  /** Attributed revenue per currency (a currency present with a 0 sum is kept: it can still be the answer's). */
  revenue: Map<string, Units>;
}

const reportsReads = (channel: string): boolean => !(CHANNELS_WITHOUT_READS as readonly string[]).includes(channel);
/** Text order as the engine sorts String (UTF-8 bytes), as the list's ties are defined. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
const byteOrderNullLast = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : byteOrder(a, b));

/** Every broadcast starting in range (or only `broadcastId`), before the answer's currency is chosen. */
async function readRows(storage: Storage, filters: ResolvedFilters, windowSeconds: number, broadcastId?: string): Promise<Row[]> {
  const db = storage.database;
  const scope = eventScope(filters, db);
  const onlyOne = broadcastId !== undefined;
  const params = { ...scope.params, windowSeconds, broadcastId: broadcastId ?? "" };
  const stages = await runQuery(storage, stagesSql(scope.sql, db, onlyOne), params, StageRowSchema);
  if (stages.length === 0) return [];
  const [reasons, after] = await Promise.all([
    runQuery(storage, reasonsSql(scope.sql, db, onlyOne), params, ReasonRowSchema),
    runQuery(storage, afterDeliverySql(scope.sql, db, onlyOne), params, AfterRowSchema),
  ]);
  const rows = new Map<string, Row>(stages.map((s) => [s.broadcast_id, { stages: s, reasons: [], optedOut: 0, leads: 0, orders: 0, revenue: new Map() }]));
  // The engine's Map cannot tell a missing reason from "": both are "no reason".
  for (const r of reasons) rows.get(r.broadcast_id)?.reasons.push({ reason: r.reason === "" ? null : r.reason, users: r.users });
  for (const a of after) {
    const row = rows.get(a.broadcast_id);
    if (!row) continue;
    if (a.currency === "") Object.assign(row, { optedOut: a.opt_out_users, leads: a.lead_users, orders: a.order_users });
    else if (a.revenue_events > 0) row.revenue.set(a.currency, a.units);
  }
  return [...rows.values()];
}

/** `currency` when asked, else the one with most attributed revenue over the listed broadcasts (ties by code), else RUB. */
function chooseCurrency(rows: Row[], filters: ResolvedFilters): string {
  if (filters.currency) return filters.currency;
  const totals = new Map<string, Units>();
  for (const row of rows) for (const [currency, units] of row.revenue) totals.set(currency, (totals.get(currency) ?? 0n) + units);
  const best = [...totals].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0];
  return best?.[0] ?? FALLBACK_CURRENCY;
}

function figures(row: Row, currency: string): BroadcastFigures {
  const s = row.stages;
  const channels = CHANNELS.filter((channel) => s.channels.includes(channel));
  const read = channels.some(reportsReads) ? s.read : null;
  const otherRevenue: Money[] = [...row.revenue]
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
    failureReasons: [...row.reasons].sort((a, b) => b.users - a.users || byteOrderNullLast(a.reason, b.reason)).slice(0, MAX_BROADCAST_FAILURE_REASONS),
    unsubscribedOrBlocked: row.optedOut,
    leads: row.leads,
    orders: row.orders,
    revenue: unitsMoney(row.revenue.get(currency) ?? 0n, currency),
    otherRevenue,
    deliveryRate: ratio(s.delivered, s.sent),
    readRate: read === null ? null : ratio(read, s.delivered_reporting),
    clickRate: ratio(s.clicked, s.delivered),
    unsubscribeRate: ratio(row.optedOut, s.delivered),
    leadRate: ratio(row.leads, s.delivered),
    orderRate: ratio(row.orders, s.delivered),
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
  // Without `currency` the answer's currency depends on every listed broadcast, so all of them are read.
  const rows = await readRows(storage, filters, windowSeconds, filters.currency ? broadcastId : undefined);
  const row = rows.find((r) => r.stages.broadcast_id === broadcastId);
  if (!row) return undefined;
  const currency = chooseCurrency(rows, filters);
  const broadcast = figures(row, currency);
  const db = storage.database;
  const scope = eventScope(filters, db);
  const hourRows = await runQuery(storage, hoursSql(scope.sql, db), { ...scope.params, broadcastId }, HourRowSchema);
  const hours = new Map<number, { delivered: number; read: number; clicked: number }>();
  for (const h of hourRows) {
    const entry = hours.get(h.hour_ms) ?? { delivered: 0, read: 0, clicked: 0 };
    entry[h.stage] += h.users;
    hours.set(h.hour_ms, entry);
  }
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
