import type { ClickHouseSettings } from "@clickhouse/client";
import type { Storage } from "@chatfunnel/core";

export interface DatasetOptions {
  projectId: string;
  /** Exact number of event rows inserted. */
  events: number;
  users: number;
  /** Length of the range in days; the range ends at today's UTC midnight. */
  days: number;
  seed: number;
  /** Merge parts after loading (default true): a long-running install has merged parts too, and FINAL is cheaper on them. */
  optimize?: boolean;
}

/**
 * Fills `storage.database`'s events and spend tables with a deterministic, realistic data set,
 * entirely inside ClickHouse (INSERT … SELECT from numbers()), so 10M events load in about a minute.
 *
 * Shape of the data, per user (channel, userId):
 * - channel telegram 50% / whatsapp 30% / vk 20%, one of two bots per channel;
 * - a number of events E (exactly `events` in total: users are paired, one gets +d and its partner −d
 *   around the mean, so the sum is exact while E varies from ~0.1× to ~1.9× the mean);
 * - 1+ visits (sessions), hours to days apart; whatsapp and half of vk users carry a sessionId, the rest
 *   are split by the 30-minute gap rule;
 * - a funnel bot_started → message_received → button_clicked → lead → order → payment with channel-dependent
 *   pass rates; milestones are spread over the user's history, so conversions take minutes to days and some
 *   fall outside a 7-day window;
 * - the other events are chatter that never advances the funnel: bot messages and broadcasts before the first
 *   message, then messages both ways, extra button clicks after the first one, and handoff/resolved at the end
 *   of sessions;
 * - first-touch attribution (source, medium, campaign, payload) on the first event, 35% organic, and a
 *   retargeting campaign on some later visits;
 * - revenue in RUB on orders; properties plan=pro|basic on button clicks and orders, form=phone|email on leads.
 * Spend: one row per day, channel and campaign.
 */
export async function generateDataset(storage: Storage, opts: DatasetOptions): Promise<{ from: string; to: string }> {
  if (!(opts.events >= 1 && opts.users >= 1 && opts.days >= 1)) throw new Error("events, users and days must be positive");
  const users = Math.min(opts.users, opts.events);
  const toMs = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const fromMs = toMs - opts.days * 86_400_000;
  const db = storage.database;
  // Inserting ~1M events per statement keeps memory bounded and the parts few.
  const usersPerChunk = Math.max(1, Math.ceil((users * 1_000_000) / opts.events));
  const settings: ClickHouseSettings = { ...storage.querySettings, max_execution_time: 0, max_insert_threads: "2" };
  for (let first = 0; first < users; first += usersPerChunk) {
    await storage.client.command({
      query: eventsInsertSql(db),
      query_params: {
        projectId: opts.projectId,
        seed: opts.seed,
        totalEvents: opts.events,
        totalUsers: users,
        first,
        count: Math.min(usersPerChunk, users - first),
        startSec: fromMs / 1000,
        endSec: toMs / 1000,
      },
      clickhouse_settings: settings,
    });
  }
  await storage.client.command({
    query: spendInsertSql(db),
    query_params: { projectId: opts.projectId, seed: opts.seed, startSec: fromMs / 1000, days: opts.days },
    clickhouse_settings: settings,
  });
  if (opts.optimize ?? true) {
    await storage.client.command({ query: `OPTIMIZE TABLE ${db}.events FINAL`, clickhouse_settings: settings });
  }
  return { from: new Date(fromMs).toISOString().slice(0, 10), to: new Date(toMs).toISOString().slice(0, 10) };
}

const CAMPAIGNS = "['spring_sale', 'blogger_anna', 'lookalike_q2', 'promo_code']";

/** A uniform number in [0, 1) from the seed, the user and a salt naming the decision. */
const rnd = (salt: number, key = "u") => `(cityHash64({seed:UInt64}, ${key}, ${salt}) / 18446744073709551616.0)`;

function eventsInsertSql(db: string): string {
  return `
INSERT INTO ${db}.events
  (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, source_source, source_medium,
   source_campaign, source_content, source_term, source_payload, revenue, currency, properties, received_at)
WITH
  intDiv({totalEvents:UInt64}, {totalUsers:UInt64}) AS base,
  {totalEvents:UInt64} % {totalUsers:UInt64} AS remainder,
  {endSec:Int64} - {startSec:Int64} AS total_sec
SELECT
  {projectId:String} AS project_id,
  reinterpretAsUUID(reinterpretAsFixedString(cityHash64({seed:UInt64}, u, k, 100)) || reinterpretAsFixedString(cityHash64({seed:UInt64}, u, k, 101))) AS event_id,
  event_type AS type,
  channel,
  bot_id,
  concat(multiIf(channel = 'telegram', 'tg', channel = 'whatsapp', '7900', 'id'), toString(u)) AS user_id,
  if(has_session_id, concat('s-', toString(u), '-', toString(sess)), '') AS session_id,
  fromUnixTimestamp64Milli(least(ts_ms, {endSec:Int64} * 1000 - 1), 'UTC') AS ts,
  multiIf(NOT with_source, '', k = 0, source_name, multiIf(channel = 'telegram', 'telegram_ads', channel = 'whatsapp', 'facebook_ads', 'vk_ads')) AS source_source,
  multiIf(source_source = '', '', source_source = 'search', 'organic', 'cpc') AS source_medium,
  multiIf(NOT with_source, '', k = 0, campaign, 'retarget') AS source_campaign,
  '' AS source_content,
  '' AS source_term,
  if(with_source AND channel = 'telegram' AND campaign != '', concat('c_', campaign), '') AS source_payload,
  if(event_type = 'order', toDecimal64(490 + (cityHash64({seed:UInt64}, u, k, 102) % 2000) * 10, 4), toDecimal64(0, 4)) AS revenue,
  if(event_type = 'order', 'RUB', '') AS currency,
  mapFromArrays(prop_keys, prop_values) AS properties,
  ts AS received_at
FROM (
  SELECT *,
    intDiv(k * sessions, events) AS sess,
    intDiv(sess * events + sessions - 1, sessions) AS sess_first_k,
    intDiv((sess + 1) * events + sessions - 1, sessions) - 1 AS sess_last_k,
    intDiv(k * milestones + events - 1, events) AS milestone_at_k,
    milestone_at_k < milestones AND intDiv(milestone_at_k * events, milestones) = k AS is_milestone,
    least(milestones, intDiv(k * milestones, events) + 1) - 1 AS stage_so_far,
    ${rnd(20, "u, k")} AS r_event,
    multiIf(
      is_milestone, ['bot_started', 'message_received', 'button_clicked', 'lead', 'order', 'payment'][milestone_at_k + 1],
      k = sess_last_k AND stage_so_far >= 1 AND r_event < 0.6, 'resolved',
      k = sess_last_k AND stage_so_far >= 1 AND r_event < 0.85, 'handoff',
      stage_so_far = 0, multiIf(r_event < 0.5, 'message_sent', r_event < 0.8, 'broadcast_delivered', 'broadcast_read'),
      stage_so_far >= 2 AND r_event < 0.1, 'button_clicked',
      r_event < 0.55, 'message_received',
      'message_sent') AS event_type,
    multiIf(
      event_type = 'button_clicked' AND is_milestone, ['plan', 'button'],
      event_type = 'button_clicked', ['button'],
      event_type = 'order', ['plan'],
      event_type = 'lead', ['form'],
      CAST([], 'Array(String)')) AS prop_keys,
    multiIf(
      event_type = 'button_clicked' AND is_milestone, [plan, 'pricing'],
      event_type = 'button_clicked', ['faq'],
      event_type = 'order', [plan],
      event_type = 'lead', [if(${rnd(21)} < 0.7, 'phone', 'email')],
      CAST([], 'Array(String)')) AS prop_values,
    (first_sec + sess * visit_gap_sec + (k - sess_first_k) * 45 + cityHash64({seed:UInt64}, u, k, 22) % 40) * 1000
      + cityHash64({seed:UInt64}, u, k, 23) % 1000 AS ts_ms,
    k = 0 OR (k = sess_first_k AND ${rnd(24, "u, sess")} < 0.2) AS with_source
  FROM (
    SELECT *,
      arrayJoin(range(events)) AS k,
      least(stage + 1, events) AS milestones,
      least(events, 1 + toUInt64(floor(-log(1 - ${rnd(4)}) * 1.3))) AS sessions,
      7200 + toUInt64(${rnd(5)} * 259200) AS visit_gap_sec,
      {startSec:Int64} + toInt64(${rnd(6)} * greatest(1, total_sec - toInt64((sessions - 1) * visit_gap_sec + events * 90))) AS first_sec
    FROM (
      SELECT
        number AS u,
        ${rnd(1)} AS r_channel,
        multiIf(r_channel < 0.5, 'telegram', r_channel < 0.8, 'whatsapp', 'vk') AS channel,
        concat(channel, '_bot_', toString(cityHash64({seed:UInt64}, u, 2) % 2 + 1)) AS bot_id,
        -- pairs (2i, 2i+1) get +d and −d around the mean so the total is exact
        if(u % 2 = 1 OR u + 1 < {totalUsers:UInt64}, cityHash64({seed:UInt64}, intDiv(u, 2), 3) % greatest(1, toUInt64(base * 0.9)), 0) AS spread,
        toUInt64(toInt64(base) + if(u < remainder, 1, 0) + if(u % 2 = 0, 1, -1) * toInt64(spread)) AS events,
        -- pass rates of each funnel step after bot_started, by channel
        multiIf(channel = 'telegram', [0.85, 0.6, 0.35, 0.4, 0.8], channel = 'whatsapp', [0.9, 0.5, 0.45, 0.35, 0.85], [0.75, 0.45, 0.25, 0.3, 0.7]) AS pass_rates,
        arrayMap(i -> ${rnd(10, "u, i")} < pass_rates[i], range(1, 6)) AS passes,
        if(arrayAll(x -> x, passes), 5, arrayFirstIndex(x -> NOT x, passes) - 1) AS stage,
        channel = 'whatsapp' OR (channel = 'vk' AND ${rnd(7)} < 0.5) AS has_session_id,
        if(${rnd(8)} < 0.35, '', ${CAMPAIGNS}[cityHash64({seed:UInt64}, u, 9) % 4 + 1]) AS campaign,
        if(campaign = '', if(${rnd(11)} < 0.5, 'search', ''),
          multiIf(channel = 'telegram', ['telegram_ads', 'instagram'], channel = 'whatsapp', ['facebook_ads', 'google'], ['vk_ads', 'instagram'])[cityHash64({seed:UInt64}, u, 12) % 2 + 1]) AS source_name,
        if(${rnd(13)} < 0.3, 'pro', 'basic') AS plan
      FROM numbers({first:UInt64}, {count:UInt64})
    )
    WHERE events > 0
  )
)`;
}

function spendInsertSql(db: string): string {
  return `
INSERT INTO ${db}.spend (project_id, date, channel, campaign, amount, currency, imported_at)
SELECT
  {projectId:String},
  toDate(toDateTime({startSec:Int64}, 'UTC')) + day,
  channel,
  campaign,
  toDecimal64(1000 + cityHash64({seed:UInt64}, day, channel, campaign, 30) % 9000, 4),
  'RUB',
  now64(3, 'UTC')
FROM (SELECT number AS day FROM numbers({days:UInt32}))
ARRAY JOIN ['telegram', 'whatsapp', 'vk'] AS channel
ARRAY JOIN arrayConcat(${CAMPAIGNS}, ['retarget']) AS campaign`;
}
