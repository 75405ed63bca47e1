import type {
  Event,
  FunnelBreakdown,
  FunnelBreakdownAttribution,
  FunnelBreakdownGroup,
  FunnelBreakdownValues,
  FunnelDropoffUser,
  FunnelExclusion,
  FunnelMode,
  FunnelStep,
  FunnelStepBins,
  FunnelStepResult,
} from "@chatfunnel/schemas";
import { stepWithinSeconds, DEFAULT_FUNNEL_BREAKDOWN_LIMIT, PROPERTY_BREAKDOWN_PREFIX, isPropertyBreakdown, funnelStepEqualityFilters, funnelStepText, funnelStepTypes, propertyNumber, type FunnelFilter } from "@chatfunnel/schemas";

/**
 * The funnel in plain TypeScript over an in-memory event list, written from the definitions in
 * schemas/src/api/funnel.ts and DESIGN.md, for property tests to compare the SQL against. Deliberately
 * naive (every start tried, every event scanned): obviously right beats fast here.
 */

export interface ReferenceScope {
  projectId?: string;
  fromMs: number;
  toMs: number;
  channels?: string[];
  botId?: string;
  campaign?: string;
}

export interface ReferenceDefinition {
  steps: FunnelStep[];
  windowSeconds: number;
  mode: FunnelMode;
  breakdown?: FunnelBreakdown[];
  breakdownAttribution?: FunnelBreakdownAttribution;
  breakdownLimit?: number;
  bins?: number;
  /** toStep resolved (1-based, ≤ number of steps). */
  exclusions?: FunnelExclusion[];
  /** hold=<property>. */
  hold?: string;
}

/** Per exclusion, the times of the user's events (in scope, in the span read) matching it. */
type ExclusionTimes = number[][];

/** Whether an exclusion forbids the pair (step `earlier`, step earlier + 1) (1-based) from times a to b: an event strictly between. */
function excludedBetween(def: ReferenceDefinition, times: ExclusionTimes, earlier: number, a: number, b: number): boolean {
  return (def.exclusions ?? []).some((x, i) => x.fromStep <= earlier && earlier + 1 <= x.toStep && times[i]!.some((at) => a < at && at < b));
}

interface Ev {
  id: string;
  type: string;
  channel: string;
  botId: string;
  userId: string;
  ts: number;
  campaign: string;
  source: string;
  properties: Record<string, string>;
}

export interface UserOutcome {
  channel: string;
  userId: string;
  /** Furthest step reached (1-based); users with no valid start are absent. */
  level: number;
  /** The chosen attempt's start (its chain's first event). */
  startMs: number;
  /** Absolute time (ms) each step 1..level was completed in the chosen attempt; null: an optional step it skipped. */
  completedAtMs: (number | null)[];
  /** Time from the attempt's start to each step's completion (ms); index 0 is step 1; null when skipped. */
  offsetsMs: (number | null)[];
  values: FunnelBreakdownValues;
}

function propertyText(value: string | number | boolean | null): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function toEv(event: Event): Ev {
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.properties ?? {})) properties[key] = propertyText(value);
  return {
    id: event.id.toLowerCase(),
    type: event.type,
    channel: event.channel,
    botId: event.botId,
    userId: event.userId,
    ts: Date.parse(event.timestamp),
    campaign: event.source?.campaign ?? "",
    source: event.source?.source ?? "",
    properties,
  };
}

/** First touch: earliest by time, then by event id as text (as scope.ts's campaign filter). */
const byTimeThenId = (a: Ev, b: Ev) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const userKey = (e: { channel: string; userId: string }) => `${e.channel}\u0000${e.userId}`;

/** One filter, straight from the operator list in schemas/src/api/funnel.ts. */
function filterHolds(properties: Record<string, string>, filter: FunnelFilter): boolean {
  const present = Object.hasOwn(properties, filter.property);
  const text = present ? properties[filter.property]! : undefined;
  switch (filter.op) {
    case "=":
      return text === filter.value;
    case "!=":
      return text !== filter.value;
    case ">":
    case ">=":
    case "<":
    case "<=": {
      const x = text === undefined ? null : propertyNumber(text);
      const v = propertyNumber(filter.value)!;
      if (x === null) return false;
      return filter.op === ">" ? x > v : filter.op === ">=" ? x >= v : filter.op === "<" ? x < v : x <= v;
    }
    case "~":
      return text !== undefined && text.toLowerCase().includes(filter.value.toLowerCase());
    case "?":
      return present;
    case "!?":
      return !present;
  }
}

function matches(event: Ev, step: FunnelStep): boolean {
  return step.anyOf.some((alternative) => event.type === alternative.type && alternative.filters.every((filter) => filterHolds(event.properties, filter)));
}

/** The user's earliest event (by time, then id) with a non-empty value of `pick`. */
function firstTouch(events: Ev[], pick: (e: Ev) => string): string | null {
  for (const e of events) if (pick(e) !== "") return pick(e);
  return null;
}

interface Attempt {
  level: number;
  startMs: number;
  completedAtMs: (number | null)[];
  /** Per step reached, the position (in the user's ordered events) of the event the attempt used for it. */
  used: number[];
}

function orderedAttempt(events: Ev[], start: number, def: ReferenceDefinition, windowMs: number): Attempt {
  const startEvent = events[start]!;
  const completed = [startEvent.ts];
  const used = [start];
  for (let j = start + 1; j < events.length && completed.length < def.steps.length; j++) {
    const e = events[j]!;
    if (e.ts - startEvent.ts > windowMs) break;
    if (matches(e, def.steps[completed.length]!)) completed.push(e.ts), used.push(j);
  }
  return { level: completed.length, startMs: startEvent.ts, completedAtMs: completed, used };
}

/** Each step's per-step window in ms (null: none). */
const withinMs = (def: ReferenceDefinition) => def.steps.map((step) => (stepWithinSeconds(step) === null ? null : stepWithinSeconds(step)! * 1000));

/**
 * Ordered with per-step windows, by the definition: every chain e1 < e2 < … from the start is tried (depth
 * first, in order of position), the longest wins, and of those the first found — the earliest position by
 * position. Exponential on purpose; the streams are small.
 */
function orderedWindowedAttempt(events: Ev[], start: number, def: ReferenceDefinition, windowMs: number, excluded: ExclusionTimes): Attempt {
  const within = withinMs(def);
  let best: number[] = [start];
  const chain = [start];
  const extend = () => {
    if (chain.length > best.length) best = [...chain];
    if (chain.length === def.steps.length) return;
    const step = def.steps[chain.length]!;
    const gap = within[chain.length];
    const last = events[chain.at(-1)!]!;
    for (let p = chain.at(-1)! + 1; p < events.length; p++) {
      const e = events[p]!;
      if (e.ts - events[start]!.ts > windowMs) break;
      if (!matches(e, step) || (gap !== null && gap !== undefined && e.ts - last.ts > gap)) continue;
      if (excludedBetween(def, excluded, chain.length, last.ts, e.ts)) continue;
      chain.push(p);
      extend();
      chain.pop();
    }
  };
  extend();
  return { level: best.length, startMs: events[start]!.ts, completedAtMs: best.map((p) => events[p]!.ts), used: best };
}

/**
 * Ordered with optional steps, by the definition: every chain is tried depth first — its first event any
 * event of step 1 or of a step after only optional ones, before `to`; each next taken step q after the last
 * taken p with only optional steps between, its event later in the order, within the window of the first,
 * within q's per-step window of p's event, no exclusion spanning p..q between them. Children in order of
 * step, then position: the first chain found reaching the furthest step is the one the definition picks
 * (taking a step beats skipping it, then the earlier event, step by step).
 */
function orderedOptionalAttempt(events: Ev[], def: ReferenceDefinition, windowMs: number, excluded: ExclusionTimes, toMs: number): Attempt {
  const within = withinMs(def);
  const n = def.steps.length;
  const chain: { step: number; pos: number }[] = [];
  let best: { step: number; pos: number }[] = [];
  const level = (c: { step: number }[]) => (c.length === 0 ? 0 : c.at(-1)!.step + 1);
  // What a chain can still reach depends only on its first event (the window), its last step and last event
  // (per-step windows, exclusions): the furthest level found below each such state, once searched, so a state
  // met again is skipped. Only a strictly further chain replaces the best, and the best found so far is at least
  // as far as any searched state's, so skipping changes nothing but the time (the plain search was exponential).
  const furthest = new Map<string, number>();
  const extend = (): number => {
    const last = chain.at(-1);
    const key = last === undefined ? "" : `${chain[0]!.pos} ${last.step} ${last.pos}`;
    const known = furthest.get(key);
    if (known !== undefined) return known;
    let reach = level(chain);
    if (reach > level(best)) best = [...chain];
    for (let q = last === undefined ? 0 : last.step + 1; q < n; q++) {
      for (let p = last === undefined ? 0 : last.pos + 1; p < events.length; p++) {
        const e = events[p]!;
        if (!matches(e, def.steps[q]!)) continue;
        if (last === undefined) {
          if (e.ts >= toMs) continue;
        } else {
          const from = events[last.pos]!;
          if (e.ts - events[chain[0]!.pos]!.ts > windowMs) continue;
          const gap = within[q];
          if (gap !== null && gap !== undefined && e.ts - from.ts > gap) continue;
          const spans = (def.exclusions ?? []).some((x, i) => x.fromStep < q + 1 && last.step + 1 < x.toStep && excluded[i]!.some((at) => from.ts < at && at < e.ts));
          if (spans) continue;
        }
        chain.push({ step: q, pos: p });
        reach = Math.max(reach, extend());
        chain.pop();
      }
      if (!def.steps[q]!.optional) break;
    }
    furthest.set(key, reach);
    return reach;
  };
  extend();
  if (best.length === 0) return { level: 0, startMs: 0, completedAtMs: [], used: [] };
  const completedAtMs: (number | null)[] = Array.from({ length: level(best) }, () => null);
  const used: number[] = Array.from({ length: level(best) }, () => -1);
  for (const { step, pos } of best) (completedAtMs[step] = events[pos]!.ts), (used[step] = pos);
  return { level: level(best), startMs: events[best[0]!.pos]!.ts, completedAtMs, used };
}

/**
 * Strict with optional steps, by the definition: every chain is tried — a run of consecutive events (in the
 * strict order: events matching no step are in the list and break it) e1, e2, … taking steps s1 < s2 < …,
 * every step not taken before the last taken one optional; e1 an event of a step with only optional steps
 * before it, before `to`; each next event within the window of e1, within its step's per-step window of the
 * previous event (the previous TAKEN step: every event of the run takes one), with hold carrying e1's value
 * (present); no exclusion spanning the pair between them (never, in a run: nothing lies between). One event
 * may match several steps, so each event of the run tries every step it could take. Of the chains reaching
 * the furthest step, the first compared step by step from step 1: taking the step before skipping it, then
 * the earlier event (position in the order). Plain enumeration: runs are at most 4 steps long here.
 */
function strictOptionalAttempt(events: Ev[], def: ReferenceDefinition, windowMs: number, excluded: ExclusionTimes, toMs: number): Attempt {
  const within = withinMs(def);
  const n = def.steps.length;
  const hold = def.hold;
  type Link = { step: number; pos: number };
  const level = (c: Link[]) => (c.length === 0 ? 0 : c.at(-1)!.step + 1);
  // a before b, both reaching the same step: step by step, taking before skipping, then the earlier event.
  const before = (a: Link[], b: Link[]) => {
    for (let k = 0; k < level(a); k++) {
      const [x, y] = [a.find((l) => l.step === k), b.find((l) => l.step === k)];
      if ((x === undefined) !== (y === undefined)) return x !== undefined;
      if (x !== undefined && y !== undefined && x.pos !== y.pos) return x.pos < y.pos;
    }
    return false;
  };
  let best: Link[] = [];
  const extend = (chain: Link[]) => {
    if (level(chain) > level(best) || (level(chain) === level(best) && before(chain, best))) best = [...chain];
    const first = events[chain[0]!.pos]!;
    const last = chain.at(-1)!;
    const pos = last.pos + 1;
    const e = events[pos];
    if (e === undefined || e.ts - first.ts > windowMs) return;
    if (hold !== undefined && !(Object.hasOwn(first.properties, hold) && Object.hasOwn(e.properties, hold) && e.properties[hold] === first.properties[hold])) return;
    const from = events[last.pos]!;
    for (let q = last.step + 1; q < n; q++) {
      const gap = within[q];
      const spans = (def.exclusions ?? []).some((x, i) => x.fromStep < q + 1 && last.step + 1 < x.toStep && excluded[i]!.some((at) => from.ts < at && at < e.ts));
      if (matches(e, def.steps[q]!) && !(gap !== null && gap !== undefined && e.ts - from.ts > gap) && !spans) extend([...chain, { step: q, pos }]);
      if (!def.steps[q]!.optional) break;
    }
  };
  events.forEach((e, pos) => {
    if (e.ts >= toMs) return;
    for (let s = 0; s < n; s++) {
      if (matches(e, def.steps[s]!)) extend([{ step: s, pos }]);
      if (!def.steps[s]!.optional) break;
    }
  });
  if (best.length === 0) return { level: 0, startMs: 0, completedAtMs: [], used: [] };
  const completedAtMs: (number | null)[] = Array.from({ length: level(best) }, () => null);
  const used: number[] = Array.from({ length: level(best) }, () => -1);
  for (const { step, pos } of best) (completedAtMs[step] = events[pos]!.ts), (used[step] = pos);
  return { level: level(best), startMs: events[best[0]!.pos]!.ts, completedAtMs, used };
}

function strictAttempt(events: Ev[], start: number, def: ReferenceDefinition, windowMs: number, excluded: ExclusionTimes): Attempt {
  const within = withinMs(def);
  const startEvent = events[start]!;
  const hold = def.hold;
  const completed = [startEvent.ts];
  const used = [start];
  for (let j = start + 1; j < events.length && completed.length < def.steps.length; j++) {
    const e = events[j]!;
    const gap = within[completed.length];
    if (e.ts - startEvent.ts > windowMs || !matches(e, def.steps[completed.length]!)) break;
    if (gap !== null && gap !== undefined && e.ts - completed.at(-1)! > gap) break;
    if (excludedBetween(def, excluded, completed.length, completed.at(-1)!, e.ts)) break;
    // hold: the start has the property and this event carries the same text.
    if (hold !== undefined && !(Object.hasOwn(startEvent.properties, hold) && e.properties[hold] === startEvent.properties[hold] && Object.hasOwn(e.properties, hold))) break;
    completed.push(e.ts), used.push(j);
  }
  return { level: completed.length, startMs: startEvent.ts, completedAtMs: completed, used };
}

/**
 * Any order from one start: each step's first event at or after it within the window. A missing required
 * step ends the walk; a missing optional one is skipped (null) and the walk goes on; the level is the last
 * step taken. A step completes when every step taken up to it has occurred.
 */
function anyOrderAttempt(events: Ev[], start: number, def: ReferenceDefinition, windowMs: number): Attempt {
  const startEvent = events[start]!;
  const firstAt: (number | null)[] = [];
  const used: number[] = [];
  for (const step of def.steps) {
    let at: number | undefined;
    for (let j = start; j < events.length; j++) {
      const e = events[j]!;
      if (e.ts - startEvent.ts > windowMs) break;
      if (matches(e, step)) {
        at = e.ts;
        used.push(j);
        break;
      }
    }
    if (at === undefined && !step.optional) break;
    if (at === undefined) used.push(-1);
    firstAt.push(at ?? null);
  }
  // Skipped steps after the last taken one are not reached.
  while (firstAt.length > 0 && firstAt.at(-1) === null) firstAt.pop(), used.pop();
  const firstStepOfStart = def.steps.findIndex((step) => matches(startEvent, step));
  // The start must be one of the steps the attempt completes, else another start covers this set.
  if (firstStepOfStart < 0 || firstStepOfStart >= firstAt.length) return { level: 0, startMs: startEvent.ts, completedAtMs: [], used: [] };
  const completed: (number | null)[] = [];
  let latest = -Infinity;
  for (const at of firstAt) {
    if (at !== null) latest = Math.max(latest, at);
    completed.push(at === null ? null : latest);
  }
  return { level: completed.length, startMs: startEvent.ts, completedAtMs: completed, used };
}

/**
 * Which of two attempts the definition picks: the furthest; then, step by step from step 1, the one taking
 * the step rather than skipping it (only optional steps can differ); the earlier start wins a full tie.
 */
function furtherThan(a: Attempt, b: Attempt): boolean {
  if (a.level !== b.level) return a.level > b.level;
  for (let k = 0; k < a.level; k++) {
    const takesA = a.completedAtMs[k] !== null;
    if (takesA !== (b.completedAtMs[k] !== null)) return takesA;
  }
  return false;
}

/** UTF-8 byte order, as the engine compares strings. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function referenceOutcomes(input: Event[], scope: ReferenceScope, def: ReferenceDefinition): UserOutcome[] {
  // Dedup by (user, id), as the table's sorting key: a resend counts once.
  const unique = new Map<string, Ev>();
  for (const event of input) unique.set(`${userKey(event)}\u0000${event.id.toLowerCase()}`, toEv(event));
  const byUser = new Map<string, Ev[]>();
  for (const e of unique.values()) {
    const list = byUser.get(userKey(e)) ?? [];
    list.push(e);
    byUser.set(userKey(e), list);
  }
  const windowMs = def.windowSeconds * 1000;
  const outcomes: UserOutcome[] = [];
  for (const all of byUser.values()) {
    all.sort(byTimeThenId);
    const { channel, userId } = all[0]!;
    if (scope.channels && !scope.channels.includes(channel)) continue;
    if (scope.campaign !== undefined && firstTouch(all, (e) => e.campaign) !== scope.campaign) continue;
    const inScope = all.filter((e) => scope.botId === undefined || e.botId === scope.botId);
    // Funnel order: time, then ties by the first step matched (none last), then the set of steps matched;
    // in strict mode with hold, then by the held value (events carrying it first, by its text's bytes), since
    // there the next event decides. Events equal in all of that are interchangeable.
    const heldOrder = (e: Ev): string | undefined => (def.mode === "strict" && def.hold !== undefined && Object.hasOwn(e.properties, def.hold) ? e.properties[def.hold] : undefined);
    const byHeld = (a: Ev, b: Ev): number => {
      const [u, v] = [heldOrder(a), heldOrder(b)];
      return u === v ? 0 : u === undefined ? 1 : v === undefined ? -1 : byBytes(u, v);
    };
    const keyed = inScope
      .filter((e) => e.ts >= scope.fromMs && e.ts < scope.toMs + windowMs)
      .map((e) => {
        const hits = def.steps.map((step) => matches(e, step));
        const first = hits.indexOf(true);
        return { e, first: first < 0 ? 31 : first, mask: hits.reduce((acc, hit, k) => acc + (hit ? 2 ** k : 0), 0) };
      })
      .filter((x) => def.mode === "strict" || x.mask !== 0)
      .sort((a, b) => a.e.ts - b.e.ts || a.first - b.first || a.mask - b.mask || byHeld(a.e, b.e));
    const events = keyed.map((x) => x.e);
    const excluded: ExclusionTimes = (def.exclusions ?? []).map((x) =>
      inScope.filter((e) => e.ts >= scope.fromMs && e.ts < scope.toMs + windowMs && matches(e, x.step)).map((e) => e.ts),
    );
    // One attempt choice over a list of events (positions in `events`): as without hold, or within one held value.
    const choose = (positions: number[]): Attempt => {
      const list = positions.map((p) => events[p]!);
      const back = (a: Attempt): Attempt => ({ ...a, used: a.used.map((u) => (u < 0 ? u : positions[u]!)) });
      if (def.mode === "ordered" && def.steps.some((step) => step.optional)) return back(orderedOptionalAttempt(list, def, windowMs, excluded, scope.toMs));
      if (def.mode === "strict" && def.steps.some((step) => step.optional)) return back(strictOptionalAttempt(list, def, windowMs, excluded, scope.toMs));
      let best: Attempt = { level: 0, startMs: 0, completedAtMs: [], used: [] };
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (e.ts >= scope.toMs) break;
        let attempt: Attempt;
        if (def.mode === "any") {
          attempt = anyOrderAttempt(list, i, def, windowMs);
        } else {
          if (!matches(e, def.steps[0]!)) continue;
          // Existential whenever a constraint ties one step to the previous: a per-step window or an exclusion.
          const windowed = def.steps.some((step) => step.within !== undefined) || (def.exclusions ?? []).length > 0;
          attempt =
            def.mode === "ordered"
              ? windowed
                ? orderedWindowedAttempt(list, i, def, windowMs, excluded)
                : orderedAttempt(list, i, def, windowMs)
              : strictAttempt(list, i, def, windowMs, excluded);
        }
        if (furtherThan(attempt, best)) best = attempt;
      }
      return back(best);
    };
    const breakdownValues = (attempt: Attempt): FunnelBreakdownValues => {
      const values: FunnelBreakdownValues = {};
      for (const dimension of def.breakdown ?? []) {
        if (dimension === "channel") values.channel = channel as FunnelBreakdownValues["channel"];
        if (dimension === "campaign") values.campaign = firstTouch(inScope, (e) => e.campaign);
        if (dimension === "source") values.source = firstTouch(inScope, (e) => e.source);
        if (dimension === "botId") values.botId = inScope[0]!.botId;
        if (isPropertyBreakdown(dimension)) {
          const name = dimension.slice(PROPERTY_BREAKDOWN_PREFIX.length);
          const has = (e: Ev) => Object.hasOwn(e.properties, name);
          const attribution = def.breakdownAttribution ?? { kind: "first_touch" };
          if (attribution.kind === "first_touch") {
            const first = inScope.find(has);
            values[dimension] = first === undefined ? null : first.properties[name]!;
          } else if (attempt.level < attribution.step || attempt.used[attribution.step - 1]! < 0) {
            values[dimension] = null;
          } else {
            // The step's event and every event interchangeable with it (same time, same steps matched): the smallest text present.
            const chosen = keyed[attempt.used[attribution.step - 1]!]!;
            const texts = keyed.filter((x) => x.e.ts === chosen.e.ts && x.mask === chosen.mask && has(x.e)).map((x) => x.e.properties[name]!);
            values[dimension] = texts.length === 0 ? null : texts.sort(byBytes)[0]!;
          }
        }
      }
      return values;
    };
    const everyPosition = events.map((_, p) => p);
    let best: Attempt;
    let values: FunnelBreakdownValues = {};
    if (def.hold === undefined || def.mode === "strict") {
      best = choose(everyPosition);
      if (best.level > 0) values = breakdownValues(best);
    } else {
      // hold outside strict mode: the events split by the held value, an event without it alone; per part
      // the attempt as above; then the furthest, the earliest start, the smallest completion times step by
      // step (a skipped step before any time), the step:k values (none first, then the smallest text).
      const hold = def.hold;
      const parts = new Map<string, number[]>();
      everyPosition.forEach((p) => {
        const e = events[p]!;
        const key = Object.hasOwn(e.properties, hold) ? `1${e.properties[hold]}` : `0${p}`;
        parts.set(key, [...(parts.get(key) ?? []), p]);
      });
      const candidates = [...parts.values()].map((positions) => {
        const attempt = choose(positions);
        return { attempt, values: attempt.level > 0 ? breakdownValues(attempt) : {} };
      });
      const rel = (x: number | null) => (x === null ? -Infinity : x);
      const atStep = (def.breakdown ?? []).filter(isPropertyBreakdown);
      candidates.sort((a, b) => {
        const x = a.attempt;
        const y = b.attempt;
        if (x.level !== y.level) return y.level - x.level;
        if (x.startMs !== y.startMs) return x.startMs - y.startMs;
        for (let k = 0; k < x.level; k++) if (rel(x.completedAtMs[k]!) !== rel(y.completedAtMs[k]!)) return rel(x.completedAtMs[k]!) - rel(y.completedAtMs[k]!);
        for (const d of atStep) {
          const u = a.values[d] ?? null;
          const v = b.values[d] ?? null;
          if (u === v) continue;
          if (u === null) return -1;
          if (v === null) return 1;
          return byBytes(u, v);
        }
        return 0;
      });
      best = candidates[0]?.attempt ?? { level: 0, startMs: 0, completedAtMs: [], used: [] };
      values = candidates[0]?.values ?? {};
    }
    if (best.level === 0) continue;
    outcomes.push({ channel, userId, level: best.level, startMs: best.startMs, completedAtMs: best.completedAtMs, offsetsMs: best.completedAtMs.map((at) => (at === null ? null : at - best.startMs)), values });
  }
  return outcomes;
}

/** Per-step figures from outcomes; the API computes its figures from SQL aggregates with the same arithmetic. */
export function stepResults(steps: FunnelStep[], outcomes: UserOutcome[]): FunnelStepResult[] {
  // A user counts at a step their chosen chain took (an optional step skipped is null).
  const took = (o: UserOutcome, k: number) => o.level >= k + 1 && o.completedAtMs[k] !== null;
  const users = steps.map((_, k) => outcomes.filter((o) => took(o, k)).length);
  // Conversion and drop-off are from the nearest earlier required step, else from the users who entered.
  const entered = outcomes.length;
  const previousOf = (k: number) => {
    for (let j = k - 1; j >= 0; j--) if (!steps[j]!.optional) return users[j]!;
    return entered;
  };
  return steps.map((step, k) => {
    const reached = outcomes.filter((o) => took(o, k));
    const offsets = reached.map((o) => o.offsetsMs[k]!).sort((a, b) => a - b);
    // From the previous step: the same attempt's completion of step k minus that of the previous step it took (its start for the first).
    const previousTaken = (o: UserOutcome) => {
      for (let j = k - 1; j >= 0; j--) if (o.completedAtMs[j] !== null) return o.completedAtMs[j]!;
      return o.startMs;
    };
    const fromPrevious = reached.map((o) => o.completedAtMs[k]! - previousTaken(o)).sort((a, b) => a - b);
    const n = offsets.length;
    const timed = k > 0 && n > 0;
    const sum = offsets.reduce((a, b) => a + b, 0);
    const sumPrevious = fromPrevious.reduce((a, b) => a + b, 0);
    const previous = previousOf(k);
    return {
      index: k + 1,
      text: funnelStepText(step),
      type: funnelStepTypes(step),
      filters: funnelStepEqualityFilters(step),
      users: users[k]!,
      conversionFromFirst: entered === 0 ? null : users[k]! / entered,
      conversionFromPrevious: previous === 0 ? null : users[k]! / previous,
      dropOff: previous - users[k]!,
      dropOffRate: previous === 0 ? null : (previous - users[k]!) / previous,
      medianSecondsToConvert: timed ? (offsets[Math.floor((n - 1) / 2)]! + offsets[Math.floor(n / 2)]!) / 2000 : null,
      meanSecondsToConvert: timed ? Math.round(sum / n) / 1000 : null,
      medianSecondsFromPrevious: timed ? (fromPrevious[Math.floor((n - 1) / 2)]! + fromPrevious[Math.floor(n / 2)]!) / 2000 : null,
      meanSecondsFromPrevious: timed ? Math.round(sumPrevious / n) / 1000 : null,
    };
  });
}

export function compareBreakdownValues(dimensions: FunnelBreakdown[], a: FunnelBreakdownValues, b: FunnelBreakdownValues): number {
  for (const dimension of dimensions) {
    const x = a[dimension] ?? null;
    const y = b[dimension] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function referenceFunnel(events: Event[], scope: ReferenceScope, def: ReferenceDefinition) {
  const outcomes = referenceOutcomes(events, scope, def);
  const dimensions = def.breakdown ?? [];
  const groups = new Map<string, { values: FunnelBreakdownValues; outcomes: UserOutcome[] }>();
  if (dimensions.length > 0) {
    for (const outcome of outcomes) {
      const key = JSON.stringify(dimensions.map((d) => outcome.values[d] ?? null));
      const group = groups.get(key) ?? { values: outcome.values, outcomes: [] };
      group.outcomes.push(outcome);
      groups.set(key, group);
    }
  }
  // Most users who entered first (schemas/src/api/funnel.ts): with an optional step 1, not only those who took it.
  const sorted = [...groups.values()].sort((a, b) => b.outcomes.length - a.outcomes.length || compareBreakdownValues(dimensions, a.values, b.values));
  const limit = def.breakdownLimit ?? DEFAULT_FUNNEL_BREAKDOWN_LIMIT;
  const breakdowns: FunnelBreakdownGroup[] = sorted.slice(0, limit).map((group) => ({ values: group.values, steps: stepResults(def.steps, group.outcomes) }));
  // The rest as one group: the figures of all their users together.
  if (sorted.length > limit) breakdowns.push({ values: {}, steps: stepResults(def.steps, sorted.slice(limit).flatMap((group) => group.outcomes)), other: true });
  return {
    steps: stepResults(def.steps, outcomes),
    breakdown: dimensions,
    breakdowns,
    breakdownsTruncated: sorted.length > limit,
    ...(def.bins === undefined ? {} : { timeToConvertBins: referenceBins(def.steps.length, def.bins, outcomes) }),
  };
}

/** Per step from the second: n equal-width bins from 0 to the longest time to convert, as written in the schema. */
export function referenceBins(steps: number, n: number, outcomes: UserOutcome[]): FunnelStepBins[] {
  const result: FunnelStepBins[] = [];
  for (let k = 1; k < steps; k++) {
    const times = outcomes.filter((o) => o.level > k && o.offsetsMs[k] !== null).map((o) => o.offsetsMs[k]!);
    if (times.length === 0) {
      result.push({ step: k + 1, bins: [] });
      continue;
    }
    const longest = Math.max(...times);
    const bins = Array.from({ length: n }, (_, i) => ({ fromSeconds: (i * longest) / n / 1000, toSeconds: ((i + 1) * longest) / n / 1000, users: 0 }));
    for (const x of times) bins[longest === 0 ? 0 : Math.min(n - 1, Math.floor((x * n) / longest))]!.users++;
    result.push({ step: k + 1, bins });
  }
  return result;
}

/**
 * Users counted at the step `step` is counted from (step − 1; with optional steps the nearest earlier required
 * one, or entering) and not at `step`, ordered by (channel, userId) as UTF-8 bytes; reachedAt that step's
 * completion (the start when it is entering).
 */
export function referenceDropoff(events: Event[], scope: ReferenceScope, def: ReferenceDefinition, step: number): FunnelDropoffUser[] {
  let from = -1;
  for (let j = step - 2; j >= 0; j--) if (!def.steps[j]!.optional) (from = j), (j = -1);
  const took = (o: UserOutcome, k: number) => o.level >= k + 1 && o.completedAtMs[k] !== null;
  return referenceOutcomes(events, scope, def)
    .filter((o) => (from < 0 || took(o, from)) && !took(o, step - 1))
    .sort((a, b) => Buffer.compare(Buffer.from(a.channel), Buffer.from(b.channel)) || Buffer.compare(Buffer.from(a.userId), Buffer.from(b.userId)))
    .map((o) => ({ channel: o.channel as FunnelDropoffUser["channel"], userId: o.userId, reachedAt: new Date(from < 0 ? o.startMs : o.completedAtMs[from]!).toISOString() }));
}
