import type { ClickHouseSettings } from "@clickhouse/client";
import type { Storage } from "@chatfunnel/core";
import { CHANNEL_MODELS } from "@chatfunnel/simulator";

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
 * - the other events are chatter that never advances the funnel: bot messages before the first message, then
 *   messages both ways and extra button clicks after the first one, walking the bot's script (properties.node
 *   menu → catalog → product → cart, a button press per step once the user has pressed one; checkout on leads,
 *   orders and payments; support after a handoff), and handoff/resolved at the end of sessions;
 * - after a handoff an operator answers (message_sent, sender=operator) minutes later (median ~3 min by day,
 *   ~12 at night, Moscow time), the user and the operator exchange a message, and most such sessions end
 *   resolved; about a third of resolved requests get a CSAT answer (survey_answered, question=csat, 1–5);
 * - 14% of the users who wrote answer a short audience survey (age, heard_from — matching their source —,
 *   buying_for) right after their first message;
 * - broadcasts: a few per channel per month (every 5–10 days, ~09:00 UTC, sends spread over 10 minutes) to the
 *   channel's subscribers who had arrived by then (CHANNEL_MODELS' share): sent → delivered → read (WhatsApp
 *   only) → clicked (broadcast_clicked only: a button_clicked would move the funnel's button step), or failed
 *   with the messenger's reason; within 48 h of a delivery some unsubscribe (no more sends) or block the bot
 *   (every later send fails as blocked). These events come out of the user's event budget E (their
 *   conversation gets E − broadcast events, never fewer than its milestones), so the total, the events per
 *   user, the funnel and the revenue are what they were before broadcasts existed; the sessions are not:
 *   delivery statuses carry no sessionId and mostly fall outside visits, so they make sessions of their own;
 * - first-touch attribution (source, medium, campaign, payload) on the first event, 35% organic, and a
 *   retargeting campaign on some later visits;
 * - revenue in RUB on orders; properties plan=pro|basic on the first button click and orders, form=phone|email on leads.
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
  const schedule = broadcastSchedule(opts.seed, fromMs, toMs);
  for (let first = 0; first < users; first += usersPerChunk) {
    const params = {
      projectId: opts.projectId,
      seed: opts.seed,
      totalEvents: opts.events,
      totalUsers: users,
      first,
      count: Math.min(usersPerChunk, users - first),
      startSec: fromMs / 1000,
      endSec: toMs / 1000,
    };
    // Both statements derive the same users (same seed and chunk): one writes their conversations, the other
    // their broadcast events, which the conversations leave room for.
    for (const query of [eventsInsertSql(db, schedule), broadcastEventsInsertSql(db, schedule)]) {
      await storage.client.command({ query, query_params: params, clickhouse_settings: settings });
    }
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
const DATASET_CHANNELS = ["telegram", "whatsapp", "vk"] as const;
type DatasetChannel = (typeof DATASET_CHANNELS)[number];
const CHANNEL_PREFIX: Record<DatasetChannel, string> = { telegram: "tg", whatsapp: "wa", vk: "vk" };

// The script, the themes, the survey and the CSAT weights as the simulator has them (simulator/src/model.ts,
// which exports only CHANNEL_MODELS): the bench and the demo data then read alike.
const NODES = ["menu", "catalog", "product", "cart"];
const NODE_BUTTONS = ["main_menu", "catalog", "product_card", "add_to_cart"];
const BROADCAST_THEMES = ["spring_sale", "new_arrivals", "weekend_promo", "back_in_stock", "free_delivery", "loyalty_bonus"];
const HANDOFF_REASONS = ["complex_question", "complaint", "asked_for_human", "payment_problem"];
const CSAT_WEIGHTS = {
  bot: [0.06, 0.06, 0.14, 0.32, 0.42],
  operatorFast: [0.03, 0.04, 0.1, 0.3, 0.53],
  operatorSlow: [0.12, 0.13, 0.22, 0.29, 0.24],
};
const AGE = { answers: ["18-24", "25-34", "35-44", "45+"], weights: [2, 4, 3, 1.5] };
const BUYING_FOR = { answers: ["myself", "gift", "work"], weights: [5, 3, 1] };

const DAY_MS = 86_400_000;

const sqlString = (text: string): string => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const sqlStrings = (texts: readonly string[]): string => `[${texts.map(sqlString).join(", ")}]`;

/** One of `answers` by `weights` for a uniform `r` in [0, 1): the first whose cumulative share exceeds r. */
function weightedPick(answers: readonly string[], weights: readonly number[], r: string): string {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let cumulative = 0;
  const bounds = weights.slice(0, -1).map((w) => (cumulative += w / total).toFixed(4));
  return `${sqlStrings(answers)}[1 + arrayCount(t -> t <= ${r}, [${bounds.join(", ")}])]`;
}

function channelModel(channel: DatasetChannel): (typeof CHANNEL_MODELS)[number] {
  const model = CHANNEL_MODELS.find((candidate) => candidate.channel === channel);
  if (!model) throw new Error(`the simulator has no model for ${channel}`);
  return model;
}

/** A per-channel value as SQL, from the simulator's channel model. */
const byChannel = (value: (model: (typeof CHANNEL_MODELS)[number]) => string): string =>
  `multiIf(${DATASET_CHANNELS.slice(0, -1)
    .map((channel) => `channel = '${channel}', ${value(channelModel(channel))}`)
    .join(", ")}, ${value(channelModel(DATASET_CHANNELS[DATASET_CHANNELS.length - 1]!))})`;

interface ScheduledBroadcast {
  channel: DatasetChannel;
  id: string;
  sendSec: number;
}

/**
 * A few broadcasts a month per channel (as the simulator plans them): every 5–10 days from the range's
 * second to sixth day, at 09:00–09:30 UTC (noon in Moscow); ids are channel, date and theme
 * (`tg-2026-05-12-spring_sale`). Fixed by the seed and the range, so every BENCH_SCALE has the same ones.
 */
export function broadcastSchedule(seed: number, fromMs: number, toMs: number): ScheduledBroadcast[] {
  const out: ScheduledBroadcast[] = [];
  DATASET_CHANNELS.forEach((channel, index) => {
    let state = (seed * 7919 + index + 1) >>> 0;
    const next = (n: number): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state >>> 16) % n;
    };
    for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS + (1 + next(5)) * DAY_MS; day < toMs; day += (5 + next(6)) * DAY_MS) {
      const sendMs = day + 9 * 3_600_000 + next(31) * 60_000;
      const theme = BROADCAST_THEMES[next(BROADCAST_THEMES.length)]!;
      if (sendMs < toMs) out.push({ channel, id: `${CHANNEL_PREFIX[channel]}-${new Date(day).toISOString().slice(0, 10)}-${theme}`, sendSec: sendMs / 1000 });
    }
  });
  return out;
}

const scheduleSql = (schedule: readonly ScheduledBroadcast[]): string =>
  `CAST([${schedule.map((b) => `(${sqlString(b.channel)}, ${sqlString(b.id)}, ${b.sendSec})`).join(", ")}], 'Array(Tuple(String, String, Int64))')`;

/** A uniform number in [0, 1) from the seed, the user and a salt naming the decision. */
const rnd = (salt: number, key = "u") => `(cityHash64({seed:UInt64}, ${key}, ${salt}) / 18446744073709551616.0)`;
const hash = (salt: number, key = "u") => `cityHash64({seed:UInt64}, ${key}, ${salt})`;

/**
 * One row per user of the chunk with everything both inserts derive from it: channel, bot, event budget
 * `total_events`, funnel stage, visits, and the broadcasts they receive. `decisions` holds per candidate
 * broadcast (id, send second, delivered, failure reported, read, clicked, opt-out draw); the first `kept`
 * of them are sent, using `broadcast_events` of the budget; `events` is what is left for the conversation,
 * never less than the funnel's milestones, so the funnel is the same as without broadcasts.
 */
function usersSql(schedule: readonly ScheduledBroadcast[]): string {
  const reads = byChannel((m) => String(m.broadcast.read ?? 0));
  return `
SELECT *, total_events - broadcast_events AS events
FROM (
  SELECT *,
    arrayFirstIndex(d -> d.3 AND d.7 < 0.04, decisions) AS opt_out_at,
    opt_out_at > 0 AND decisions[opt_out_at].7 >= 0.03 AS opt_out_blocks,
    -- events per broadcast: after an unsubscribe none; after a block a send that fails
    arrayCumSum(arrayMap((d, j) -> toUInt64(multiIf(
      opt_out_at > 0 AND j > opt_out_at, if(opt_out_blocks, 2, 0),
      d.3, 2 + d.5 + d.6 + (j = opt_out_at),
      1 + d.4)), decisions, arrayEnumerate(decisions))) AS used,
    arrayCount(n -> n <= total_events - milestones, used) AS kept,
    if(kept = 0, 0, used[kept]) AS broadcast_events
  FROM (
    SELECT *,
      least(stage + 1, total_events) AS milestones,
      1 + toUInt64(floor(-log(1 - ${rnd(4)}) * 1.3)) AS sessions_wanted,
      7200 + toUInt64(${rnd(5)} * 259200) AS visit_gap_sec,
      {startSec:Int64} + toInt64(${rnd(6)} * greatest(1, total_sec - toInt64((least(total_events, sessions_wanted) - 1) * visit_gap_sec + total_events * 90))) AS first_sec,
      ${rnd(14)} < ${byChannel((m) => String(m.subscribe))} AS subscriber,
      if(subscriber, arrayFilter(b -> b.1 = channel AND b.3 > first_sec, ${scheduleSql(schedule)}), []) AS candidates,
      arrayMap(b -> (b.2, b.3,
        ${rnd(31, "u, b.2")} < ${byChannel((m) => String(m.broadcast.delivered))},
        ${rnd(32, "u, b.2")} < 0.7,
        ${rnd(33, "u, b.2")} < ${reads},
        ${rnd(33, "u, b.2")} < ${reads} OR ${reads} = 0,
        ${rnd(35, "u, b.2")}), candidates) AS drafts,
      -- a click needs a delivery and, where reads are reported, a read
      arrayMap(d -> (d.1, d.2, d.3, d.4, d.3 AND d.5, d.3 AND d.6 AND ${rnd(34, "u, d.1")} < ${byChannel((m) => String(m.broadcast.clicked))}, d.7), drafts) AS decisions
    FROM (
      SELECT
        number AS u,
        ${rnd(1)} AS r_channel,
        multiIf(r_channel < 0.5, 'telegram', r_channel < 0.8, 'whatsapp', 'vk') AS channel,
        concat(channel, '_bot_', toString(cityHash64({seed:UInt64}, u, 2) % 2 + 1)) AS bot_id,
        concat(multiIf(channel = 'telegram', 'tg', channel = 'whatsapp', '7900', 'id'), toString(u)) AS user_id,
        -- pairs (2i, 2i+1) get +d and −d around the mean so the total is exact
        if(u % 2 = 1 OR u + 1 < {totalUsers:UInt64}, cityHash64({seed:UInt64}, intDiv(u, 2), 3) % greatest(1, toUInt64(base * 0.9)), 0) AS spread,
        toUInt64(toInt64(base) + if(u < remainder, 1, 0) + if(u % 2 = 0, 1, -1) * toInt64(spread)) AS total_events,
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
    WHERE total_events > 0
  )
)`;
}

const HEAD = `
WITH
  intDiv({totalEvents:UInt64}, {totalUsers:UInt64}) AS base,
  {totalEvents:UInt64} % {totalUsers:UInt64} AS remainder,
  {endSec:Int64} - {startSec:Int64} AS total_sec`;

/** The users' conversations: `events` rows per user (their budget less their broadcast events). */
function eventsInsertSql(db: string, schedule: readonly ScheduledBroadcast[]): string {
  const csat = (weights: readonly number[], r: string) => weightedPick(["1", "2", "3", "4", "5"], weights, r);
  return `
INSERT INTO ${db}.events
  (project_id, event_id, type, channel, bot_id, user_id, session_id, ts, source_source, source_medium,
   source_campaign, source_content, source_term, source_payload, revenue, currency, properties, received_at)
${HEAD}
SELECT
  {projectId:String} AS project_id,
  reinterpretAsUUID(reinterpretAsFixedString(cityHash64({seed:UInt64}, u, k, 100)) || reinterpretAsFixedString(cityHash64({seed:UInt64}, u, k, 101))) AS event_id,
  event_type AS type,
  channel,
  bot_id,
  user_id,
  if(has_session_id, concat('s-', toString(u), '-', toString(sess)), '') AS session_id,
  fromUnixTimestamp64Milli(least(ts_ms, {endSec:Int64} * 1000 - 1), 'UTC') AS ts,
  multiIf(NOT with_source, '', k = 0, source_name, multiIf(channel = 'telegram', 'telegram_ads', channel = 'whatsapp', 'facebook_ads', 'vk_ads')) AS source_source,
  multiIf(source_source = '', '', source_source = 'search', 'organic', 'cpc') AS source_medium,
  multiIf(NOT with_source, '', k = 0, campaign, 'retarget') AS source_campaign,
  '' AS source_content,
  '' AS source_term,
  if(with_source AND channel = 'telegram' AND campaign != '', concat('c_', campaign), '') AS source_payload,
  -- keyed by the slot the order had before broadcasts took part of the budget, so revenue is as it was
  if(event_type = 'order', toDecimal64(490 + (cityHash64({seed:UInt64}, u, intDiv(milestone_at_k * total_events, milestones), 102) % 2000) * 10, 4), toDecimal64(0, 4)) AS revenue,
  if(event_type = 'order', 'RUB', '') AS currency,
  mapFromArrays(prop_keys, prop_values) AS properties,
  ts AS received_at
FROM (
  SELECT *,
    intDiv(k * sessions, events) AS sess,
    intDiv(sess * events + sessions - 1, sessions) AS sess_first_k,
    intDiv((sess + 1) * events + sessions - 1, sessions) - 1 AS sess_last_k,
    k - sess_first_k AS pos,
    sess_last_k - sess_first_k + 1 AS sess_len,
    sess_last_k - k AS back,
    intDiv(k * milestones + events - 1, events) AS milestone_at_k,
    milestone_at_k < milestones AND intDiv(milestone_at_k * events, milestones) = k AS is_milestone,
    least(milestones, intDiv(k * milestones, events) + 1) - 1 AS stage_so_far,
    ${rnd(20, "u, k")} AS r_event,
    -- how the session ends: the same draw on its last event as before operators and CSAT existed
    least(milestones, intDiv(sess_last_k * milestones, events) + 1) - 1 AS stage_at_end,
    ${rnd(20, "u, sess_last_k")} AS r_end,
    stage_at_end >= 1 AND r_end < 0.6 AS bot_resolves,
    stage_at_end >= 1 AND r_end >= 0.6 AND r_end < 0.85 AS hands_off,
    -- the operator's first answer: log-normal around 3 min by day, 12 at night (Moscow), below the session timeout
    (first_sec + sess * visit_gap_sec + (sess_len - 1) * 45 + cityHash64({seed:UInt64}, u, sess_last_k, 22) % 40) * 1000
      + cityHash64({seed:UInt64}, u, sess_last_k, 23) % 1000 AS end_ms,
    (intDiv(end_ms, 3600000) % 24 + 3) % 24 AS moscow_hour,
    -- (only computed where needed: most rows are no tail, and the short-circuit skips the rest)
    if(NOT hands_off, 0, least(1500, greatest(20, toInt64(if(moscow_hour >= 22 OR moscow_hour < 8, 720, 180)
      * exp(0.7 * sqrt(-2 * log(1 - ${rnd(50, "u, sess")})) * cos(2 * pi() * ${rnd(51, "u, sess")})))))) AS operator_wait_sec,
    ${rnd(52, "u, sess")} < 0.75 AS operator_resolves,
    ${rnd(53, "u, sess")} < 0.33 AS rates,
    -- after a handoff: operator, user, operator, resolved, CSAT; after the bot's resolved: CSAT
    multiIf(
      hands_off AND back = 0, 'handoff',
      hands_off AND back IN (1, 3), 'message_sent',
      hands_off AND back = 2, 'message_received',
      hands_off AND back = 4 AND operator_resolves, 'resolved',
      hands_off AND back = 5 AND operator_resolves AND rates, 'survey_answered',
      bot_resolves AND back = 0, 'resolved',
      bot_resolves AND back = 1 AND rates, 'survey_answered',
      '') AS tail_type,
    -- seconds after the session's last regular instant; the tail takes the last slots but happens after them
    multiIf(tail_type = '', 0, hands_off,
      arrayCumSum([0, operator_wait_sec, 20 + ${hash(54, "u, sess")} % 221, 30 + ${hash(55, "u, sess")} % 271, 30 + ${hash(56, "u, sess")} % 271, 10 + ${hash(57, "u, sess")} % 591])[back + 1],
      back = 0, 0, 10 + ${hash(57, "u, sess")} % 591) AS tail_sec,
    multiIf(tail_type != 'survey_answered', '', hands_off, if(operator_wait_sec > 600, ${csat(CSAT_WEIGHTS.operatorSlow, rnd(58, "u, sess"))}, ${csat(CSAT_WEIGHTS.operatorFast, rnd(58, "u, sess"))}),
      ${csat(CSAT_WEIGHTS.bot, rnd(58, "u, sess"))}) AS rating,
    -- the script: each session walks menu → … as deep as it gets, in equal stretches; before the first
    -- message the user is at the menu
    multiIf(${rnd(25, "u, sess")} < 0.3, 0, ${rnd(25, "u, sess")} < 0.55, 1, ${rnd(25, "u, sess")} < 0.8, 2, 3) AS depth,
    if(stage_so_far = 0, 0, least(depth, intDiv(pos * (depth + 1), sess_len))) AS node_index,
    least(milestones, intDiv((greatest(k, 1) - 1) * milestones, events) + 1) - 1 AS stage_before,
    pos > 0 AND node_index != if(stage_before = 0, 0, least(depth, intDiv((pos - 1) * (depth + 1), sess_len))) AS enters_node,
    ${sqlStrings(NODES)}[node_index + 1] AS node,
    -- the audience survey right after the first message: 1–3 questions, each answered by 80% of the previous
    milestones >= 2 AND ${rnd(26)} < 0.14 AS surveyed,
    toInt64(k) - toInt64(intDiv(events, milestones)) AS question_no,
    1 + (${rnd(27)} < 0.8) + (${rnd(27)} < 0.8 AND ${rnd(28)} < 0.8) AS questions,
    surveyed AND question_no >= 1 AND question_no <= questions AS is_survey,
    ['age', 'heard_from', 'buying_for'][greatest(1, least(3, question_no))] AS question,
    multiIf(
      NOT is_survey, '',
      question = 'age', ${weightedPick(AGE.answers, AGE.weights, rnd(29))},
      question = 'buying_for', ${weightedPick(BUYING_FOR.answers, BUYING_FOR.weights, rnd(30))},
      campaign = 'blogger_anna', 'blogger',
      campaign != '', 'ads',
      source_name = 'search', 'search',
      ${rnd(30)} < 0.7, 'friends', 'marketplace') AS survey_answer,
    multiIf(
      is_milestone, ['bot_started', 'message_received', 'button_clicked', 'lead', 'order', 'payment'][milestone_at_k + 1],
      tail_type != '', tail_type,
      is_survey, 'survey_answered',
      stage_so_far = 0, 'message_sent',
      enters_node, if(stage_so_far >= 2, 'button_clicked', 'message_received'),
      stage_so_far >= 2 AND r_event < 0.1, 'button_clicked',
      r_event < 0.55, 'message_received',
      'message_sent') AS event_type,
    NOT is_milestone AND tail_type != '' AS in_tail,
    multiIf(
      event_type = 'bot_started', CAST([], 'Array(String)'),
      event_type = 'button_clicked' AND is_milestone, ['plan', 'button', 'node'],
      event_type = 'order', ['plan', 'node'],
      event_type = 'lead', ['form', 'node'],
      event_type = 'payment', ['node'],
      in_tail AND event_type = 'handoff', ['reason', 'node'],
      in_tail AND event_type = 'message_sent', ['sender', 'node'],
      in_tail AND event_type = 'resolved' AND hands_off, ['by', 'node'],
      event_type = 'resolved', ['by'],
      event_type = 'survey_answered' AND in_tail, ['question', 'answer'],
      event_type = 'survey_answered', ['question', 'answer', 'node'],
      event_type = 'button_clicked', ['button', 'node'],
      ['node']) AS prop_keys,
    multiIf(
      event_type = 'bot_started', CAST([], 'Array(String)'),
      event_type = 'button_clicked' AND is_milestone, [plan, 'pricing', node],
      event_type = 'order', [plan, 'checkout'],
      event_type = 'lead', [if(${rnd(21)} < 0.7, 'phone', 'email'), 'checkout'],
      event_type = 'payment', ['checkout'],
      in_tail AND event_type = 'handoff', [${sqlStrings(HANDOFF_REASONS)}[${hash(59, "u, sess")} % ${HANDOFF_REASONS.length} + 1], 'support'],
      in_tail AND event_type = 'message_sent', ['operator', 'support'],
      in_tail AND event_type = 'resolved' AND hands_off, ['operator', 'support'],
      event_type = 'resolved', ['bot'],
      event_type = 'survey_answered' AND in_tail, ['csat', rating],
      event_type = 'survey_answered', [question, survey_answer, 'survey'],
      event_type = 'button_clicked' AND enters_node, [${sqlStrings(NODE_BUTTONS)}[node_index + 1], node],
      event_type = 'button_clicked', ['faq', node],
      in_tail, ['support'],
      [node]) AS prop_values,
    if(in_tail, end_ms + tail_sec * 1000,
      (first_sec + sess * visit_gap_sec + pos * 45 + cityHash64({seed:UInt64}, u, k, 22) % 40) * 1000
        + cityHash64({seed:UInt64}, u, k, 23) % 1000) AS ts_ms,
    k = 0 OR (k = sess_first_k AND ${rnd(24, "u, sess")} < 0.2) AS with_source
  FROM (
    SELECT *, arrayJoin(range(events)) AS k, least(events, sessions_wanted) AS sessions
    FROM (${usersSql(schedule)})
  )
)`;
}

/**
 * The users' broadcast events, `broadcast_events` per user: per kept broadcast a send (spread over 10 minutes),
 * then a delivery 1–120 s later, a read hours later (exponential, mean 2 h; WhatsApp only), a click 2–600 s
 * after it, and maybe the opt-out (no broadcastId: the messengers' opt-out updates name none); or a failure
 * with the messenger's reason (70% of undelivered sends; every send after a block). No sessionId: delivery
 * statuses are not a conversation. A click is broadcast_clicked alone (the adapters add a button_clicked with
 * the broadcastId): a button_clicked here would move the funnel's button step.
 */
function broadcastEventsInsertSql(db: string, schedule: readonly ScheduledBroadcast[]): string {
  const reasons = byChannel((m) => sqlStrings(m.failReasons));
  const blockedReason = byChannel((m) => sqlString(m.failReasons[0]));
  const key = (salt: number) => hash(salt, "u, broadcast_id");
  return `
INSERT INTO ${db}.events
  (project_id, event_id, type, channel, bot_id, user_id, session_id, broadcast_id, ts, source_source, source_medium,
   source_campaign, source_content, source_term, source_payload, revenue, currency, properties, received_at)
${HEAD}
SELECT
  {projectId:String} AS project_id,
  reinterpretAsUUID(reinterpretAsFixedString(cityHash64({seed:UInt64}, u, broadcast_id, e.1, 110)) || reinterpretAsFixedString(cityHash64({seed:UInt64}, u, broadcast_id, e.1, 111))) AS event_id,
  e.1 AS type,
  channel,
  bot_id,
  user_id,
  '' AS session_id,
  if(e.1 IN ('unsubscribed', 'blocked'), '', broadcast_id) AS broadcast_id,
  fromUnixTimestamp64Milli(least(e.2, {endSec:Int64} * 1000 - 1), 'UTC') AS ts,
  '', '', '', '', '', '',
  toDecimal64(0, 4),
  '',
  if(e.3 = '', map(), map('reason', e.3)) AS properties,
  ts AS received_at
FROM (
  SELECT *,
    (d.2 + ${key(40)} % 600) * 1000 + ${key(41)} % 1000 AS sent_ms,
    sent_ms + (1 + ${key(42)} % 120) * 1000 AS delivered_ms,
    if(d.5, delivered_ms + toInt64(-log(1 - ${rnd(43, "u, broadcast_id")}) * 7200000), delivered_ms) AS seen_ms,
    opt_out_at > 0 AND j > opt_out_at AS after_opt_out,
    arrayJoin(if(after_opt_out AND NOT opt_out_blocks, [],
      arrayConcat(
        [('broadcast_sent', sent_ms, '')],
        multiIf(
          after_opt_out, [('broadcast_failed', sent_ms + (1 + ${key(44)} % 20) * 1000, ${blockedReason})],
          NOT d.3, if(d.4, [('broadcast_failed', sent_ms + (1 + ${key(44)} % 60) * 1000, arrayElement(${reasons}, ${key(45)} % length(${reasons}) + 1))], []),
          arrayConcat(
            [('broadcast_delivered', delivered_ms, '')],
            if(d.5, [('broadcast_read', seen_ms, '')], []),
            if(d.6, [('broadcast_clicked', seen_ms + (2 + ${key(46)} % 599) * 1000, '')], []),
            if(j = opt_out_at, [(if(d.7 < 0.03, 'unsubscribed', 'blocked'), delivered_ms + (300 + ${key(47)} % 172500) * 1000, '')], [])))))) AS e
  FROM (
    SELECT *, dj.1 AS d, dj.2 AS j, d.1 AS broadcast_id
    FROM (
      SELECT *, arrayJoin(arraySlice(arrayZip(decisions, arrayEnumerate(decisions)), 1, kept)) AS dj
      FROM (${usersSql(schedule)})
      WHERE kept > 0
    )
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
