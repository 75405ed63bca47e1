import { randomInt, randomUUID } from "node:crypto";
import { z } from "zod";
import { linkCatalogFor } from "@chatfunnel/ingest";
import { toClickHouseTime, type Storage } from "@chatfunnel/core";
import { whatsappPrefilledText, type Link, type LinkChannel, type LinkCreateBody, type LinkReport, type LinksResponse } from "@chatfunnel/schemas";
import { InvalidParameterError } from "../http/params.js";
import { chooseCurrency, money, moneyRatio, moneyTotals } from "./money.js";
import { rangeEcho } from "./range-echo.js";
import { RANGE_HEAD, eventScope, runQuery, spendRowScope, type ResolvedFilters } from "@chatfunnel/warehouse";

/** Generated codes: 10 of A-Za-z0-9 (62^10 ≈ 8·10^17), inside Telegram's start-parameter alphabet. */
const CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const CODE_LENGTH = 10;

export function generateLinkCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i += 1) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** The link a marketer puts into an ad: it opens the bot with the code where its adapter reads it. */
export function linkUrl(channel: LinkChannel, target: string, code: string): string {
  switch (channel) {
    case "telegram":
      return `https://t.me/${target}?start=${code}`;
    case "vk":
      // vk.me takes a screen name; a bare numeric id is the community's club<id> address.
      return `https://vk.me/${/^\d+$/.test(target) ? `club${target}` : target}?ref=${code}`;
    case "whatsapp":
      return `https://wa.me/${target}?text=${encodeURIComponent(whatsappPrefilledText(code))}`;
  }
}

/** "@shop_bot" and "+7999…" as people type them, stored without the decoration. */
function normalTarget(channel: LinkChannel, target: string): string {
  if (channel === "telegram") return target.replace(/^@/, "");
  if (channel === "whatsapp") return target.replace(/^\+/, "");
  return target;
}

const LinkDbRowSchema = z.object({
  id: z.string(),
  code: z.string(),
  channel: z.enum(["telegram", "vk", "whatsapp"]),
  target: z.string(),
  campaign: z.string(),
  source: z.string(),
  medium: z.string(),
  content: z.string(),
  term: z.string(),
  name: z.string(),
  ad_id: z.string(),
  created_at: z.string(),
});
type LinkDbRow = z.infer<typeof LinkDbRowSchema>;

const orNull = (value: string) => (value === "" ? null : value);

function toLink(row: LinkDbRow): Link {
  return {
    id: row.id,
    code: row.code,
    url: linkUrl(row.channel, row.target, row.code),
    channel: row.channel,
    target: row.target,
    campaign: row.campaign,
    source: orNull(row.source),
    medium: orNull(row.medium),
    content: orNull(row.content),
    term: orNull(row.term),
    name: orNull(row.name),
    adId: orNull(row.ad_id),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The project's links that are not deleted, newest first. */
export async function readLinks(storage: Storage, projectId: string): Promise<Link[]> {
  const rows = await runQuery(
    storage,
    `SELECT id, code, channel, target, campaign, source, medium, content, term, name, ad_id, created_at
     FROM ${storage.database}.links FINAL WHERE project_id = {projectId:String} AND deleted = 0
     ORDER BY created_at DESC, id`,
    { projectId },
    LinkDbRowSchema,
  );
  return rows.map(toLink);
}

/**
 * Stores a new link and puts it into this process's link catalog, so the next event carrying its
 * code is attributed at once (other processes' catalogs read it within LINK_CATALOG_REFRESH_MS).
 * Codes are unique per project, deleted links included: old events still carry theirs.
 */
export async function createLink(storage: Storage, projectId: string, body: LinkCreateBody, now = new Date()): Promise<Link> {
  const db = storage.database;
  const taken = await runQuery(
    storage,
    `SELECT code, ad_id, deleted FROM ${db}.links FINAL WHERE project_id = {projectId:String}`,
    { projectId },
    z.object({ code: z.string(), ad_id: z.string(), deleted: z.coerce.number() }),
  );
  if (body.adId !== undefined && taken.some((row) => row.deleted === 0 && row.ad_id === body.adId)) {
    throw new InvalidParameterError("invalid parameter 'adId': another link already has this ad id", [{ path: "adId", message: "another link already has this ad id" }]);
  }
  const codes = new Set(taken.map((row) => row.code));
  let code = generateLinkCode();
  while (codes.has(code)) code = generateLinkCode();
  const row: LinkDbRow = {
    id: randomUUID(),
    code,
    channel: body.channel,
    target: normalTarget(body.channel, body.target),
    campaign: body.campaign,
    source: body.source ?? "",
    medium: body.medium ?? "",
    content: body.content ?? "",
    term: body.term ?? "",
    name: body.name ?? "",
    ad_id: body.adId ?? "",
    created_at: toClickHouseTime(now),
  };
  await storage.insertRows("links", [{ project_id: projectId, ...row, deleted: 0, version: row.created_at }]);
  linkCatalogFor(storage).put({ projectId, id: row.id, code, adId: row.ad_id, campaign: row.campaign, source: row.source, medium: row.medium, content: row.content, term: row.term });
  return toLink(row);
}

/** Marks a link deleted; false when the project has no such link. Events it attributed keep their campaign. */
export async function deleteLink(storage: Storage, projectId: string, id: string, now = new Date()): Promise<boolean> {
  const rows = await runQuery(
    storage,
    `SELECT id, code, channel, target, campaign, source, medium, content, term, name, ad_id, created_at
     FROM ${storage.database}.links FINAL WHERE project_id = {projectId:String} AND id = {id:String} AND deleted = 0`,
    { projectId, id },
    LinkDbRowSchema,
  );
  const row = rows[0];
  if (!row) return false;
  // The version must exceed the stored one even when clocks step back: a millisecond past both.
  const version = toClickHouseTime(Math.max(now.getTime(), Date.parse(row.created_at) + 1));
  await storage.insertRows("links", [{ project_id: projectId, ...row, created_at: toClickHouseTime(row.created_at), deleted: 1, version }]);
  linkCatalogFor(storage).remove(projectId, id);
  return true;
}

const num = z.coerce.number();
const LinkFiguresRowSchema = z.object({ link_id: z.string(), users: num, leads: num, orders: num, revenue: num });
const SpendRowSchema = z.object({ channel: z.string(), campaign: z.string(), spend: num });

/**
 * Per link: users whose event in range carries its code or ad id (source.payload), and the leads,
 * orders and revenue (order + payment) of those users in range; the filters (channel, botId,
 * campaign) apply as on every metric. A user who came through two links counts for each.
 */
function linkFiguresSql(scope: string, db: string): string {
  return `
WITH ${RANGE_HEAD},
link_users AS (
  SELECT transform(source_payload, {payloads:Array(String)}, {payloadLinks:Array(String)}, '') AS link_id, channel, user_id
  FROM ${db}.events
  WHERE ${scope} AND ts >= range_from AND ts < range_to AND source_payload IN {payloads:Array(String)}
  GROUP BY link_id, channel, user_id
),
outcomes AS (
  SELECT channel, user_id,
    countIf(type = 'lead') AS leads,
    countIf(type = 'order') AS orders,
    toFloat64(sumIf(revenue, type IN ('order', 'payment') AND currency = {currency:String})) AS revenue
  FROM ${db}.events FINAL
  WHERE ${scope} AND ts >= range_from AND ts < range_to AND type IN ('lead', 'order', 'payment')
    AND (channel, user_id) IN (SELECT channel, user_id FROM link_users)
  GROUP BY channel, user_id
)
SELECT lu.link_id AS link_id, count() AS users, sum(o.leads) AS leads, sum(o.orders) AS orders, sum(o.revenue) AS revenue
FROM link_users AS lu
LEFT JOIN outcomes AS o ON o.channel = lu.channel AND o.user_id = lu.user_id
GROUP BY link_id
SETTINGS join_use_nulls = 0`;
}

/** Spend of the links' campaigns on their channels, per local day overlapping the range, in one currency. */
function campaignSpendSql(filters: ResolvedFilters, db: string): string {
  return `
WITH ${RANGE_HEAD}
SELECT channel, campaign, toFloat64(sumIf(amount, currency = {currency:String})) AS spend
FROM ${db}.spend FINAL
WHERE ${spendRowScope(filters).sql} AND campaign IN {campaigns:Array(String)}
  AND date >= toDate(toTimeZone(range_from, {tz:String}))
  AND date <= toDate(toTimeZone(range_to - toIntervalMillisecond(1), {tz:String}))
GROUP BY channel, campaign`;
}

/** GET /api/v1/links: every link with its funnel in the range and the spend of its campaign. */
export async function linksReport(storage: Storage, filters: ResolvedFilters): Promise<LinksResponse> {
  const links = await readLinks(storage, filters.projectId);
  // No links, no figures: the currency is then only what was asked for (or the fallback).
  if (links.length === 0) return { range: rangeEcho(filters), currency: chooseCurrency([], filters.currency), links: [] };
  const { sql: scope, params: scopeParams } = eventScope(filters, storage.database);
  const params = { ...scopeParams };
  const totals = await moneyTotals(storage, scope, filters, params);
  const currency = chooseCurrency(totals, filters.currency);

  const payloads: string[] = [];
  const payloadLinks: string[] = [];
  for (const link of links) {
    payloads.push(link.code);
    payloadLinks.push(link.id);
    if (link.adId !== null) {
      payloads.push(link.adId);
      payloadLinks.push(link.id);
    }
  }
  const [figures, spendRows] = await Promise.all([
    runQuery(storage, linkFiguresSql(scope, storage.database), { ...params, currency, payloads, payloadLinks }, LinkFiguresRowSchema),
    runQuery(storage, campaignSpendSql(filters, storage.database), { ...params, currency, campaigns: [...new Set(links.map((link) => link.campaign))] }, SpendRowSchema),
  ]);
  const byLink = new Map(figures.map((row) => [row.link_id, row]));
  const spendOf = new Map(spendRows.map((row) => [`${row.channel}\u0000${row.campaign}`, row.spend]));
  const reports: LinkReport[] = links.map((link) => {
    const row = byLink.get(link.id);
    const spend = spendOf.get(`${link.channel}\u0000${link.campaign}`) ?? 0;
    const leads = row?.leads ?? 0;
    const orders = row?.orders ?? 0;
    return {
      ...link,
      users: row?.users ?? 0,
      leads,
      orders,
      revenue: money(row?.revenue ?? 0, currency),
      spend: money(spend, currency),
      cpl: moneyRatio(spend, leads, currency),
      cpo: moneyRatio(spend, orders, currency),
    };
  });
  return { range: rangeEcho(filters), currency, links: reports };
}
