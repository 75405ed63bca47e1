import { MAX_FUNNEL_STEPS, MAX_FUNNEL_WINDOW_SECONDS } from "@chatfunnel/schemas";
import { MAX_RANGE_DAYS } from "../../http/params.js";
import type { FunnelDefinition } from "./definition.js";

/**
 * The sort key of one event in a user's funnel array, packed into one integer so that one arraySort orders
 * the user's events exactly as schemas/src/api/funnel.ts says, and arrayCompact drops a resend:
 *
 *   ts − from (TIME_BITS) | first step matched (FIRST_STEP_BITS; NO_STEP = none) | steps matched (MASK_BITS)
 *   [ | cityHash64(event id) (ID_BITS) ]
 *
 * Sorting orders by time, then ties by the first step they match (earlier steps first, non-matching events
 * last), then by the set of steps; identical keys are the same event stored twice. Deduplicating there
 * instead of reading with FINAL halves the cost of the scan (measured on 10M events); a resend carries the
 * same id and content.
 *
 * Without the id the key is a UInt64 and the widths fill it exactly, so they are tied to three constants
 * defined elsewhere: the longest range (MAX_RANGE_DAYS), the longest window (MAX_FUNNEL_WINDOW_SECONDS) and
 * the most steps (MAX_FUNNEL_STEPS). Raising one past what fits would overflow a field into its neighbour and
 * show only as a wrong number on some stream; checkKeyBudget refuses that when this module loads instead.
 */
export const TIME_BITS = 39;
export const FIRST_STEP_BITS = 5;
export const MASK_BITS = 20;
export const ID_BITS = 64;
/** The first-step value of an event that matches no step: the largest the field holds, so it sorts last. */
export const NO_STEP = 2 ** FIRST_STEP_BITS - 1;

export interface KeyLayout {
  /** The ClickHouse integer type of the key. */
  type: "UInt64" | "UInt128";
  /** Bit positions (of the lowest bit) of each field. */
  ts: number;
  firstStep: number;
  mask: number;
  /** Whether the low ID_BITS hold the event id's hash. */
  withId: boolean;
}

function layout(type: KeyLayout["type"], idBits: number): KeyLayout {
  const mask = idBits;
  const firstStep = mask + MASK_BITS;
  return { type, mask, firstStep, ts: firstStep + FIRST_STEP_BITS, withId: idBits > 0 };
}

/** With the event id's hash (UInt128) or without it (UInt64). */
export const KEY_LAYOUTS = {
  withId: layout("UInt128", ID_BITS),
  withoutId: layout("UInt64", 0),
} as const;

export const TYPE_BITS: Record<KeyLayout["type"], number> = { UInt64: 64, UInt128: 128 };

export interface KeyLimits {
  maxRangeDays: number;
  maxWindowSeconds: number;
  maxSteps: number;
}

/** The limits the API enforces today: the ones the key must hold. */
export const KEY_LIMITS: KeyLimits = { maxRangeDays: MAX_RANGE_DAYS, maxWindowSeconds: MAX_FUNNEL_WINDOW_SECONDS, maxSteps: MAX_FUNNEL_STEPS };

/**
 * Throws, naming the constant, when the limits do not fit the key: a time offset is below range + window
 * (events are read in [from, to + window)), a step index and NO_STEP must differ, the mask has a bit per
 * step, and every layout's fields fit its integer type.
 */
export function checkKeyBudget(limits: KeyLimits): void {
  const maxOffsetMs = limits.maxRangeDays * 86_400_000 + limits.maxWindowSeconds * 1000;
  if (maxOffsetMs >= 2 ** TIME_BITS) {
    throw new Error(
      `funnel key: a range of MAX_RANGE_DAYS = ${limits.maxRangeDays} days plus a window of MAX_FUNNEL_WINDOW_SECONDS = ${limits.maxWindowSeconds} s ` +
        `is ${maxOffsetMs} ms, which does not fit the key's ${TIME_BITS}-bit time field (< ${2 ** TIME_BITS}); widen TIME_BITS in api/src/metrics/funnel/keys.ts`,
    );
  }
  if (limits.maxSteps > MASK_BITS || limits.maxSteps > NO_STEP) {
    throw new Error(
      `funnel key: MAX_FUNNEL_STEPS = ${limits.maxSteps} needs ${limits.maxSteps} mask bits and step numbers below ${NO_STEP}, ` +
        `but the key has MASK_BITS = ${MASK_BITS} and FIRST_STEP_BITS = ${FIRST_STEP_BITS}; widen them in api/src/metrics/funnel/keys.ts`,
    );
  }
  for (const [name, { type, ts }] of Object.entries(KEY_LAYOUTS)) {
    if (ts + TIME_BITS > TYPE_BITS[type]) throw new Error(`funnel key: layout ${name} needs ${ts + TIME_BITS} bits but is a ${type}`);
  }
  // The attempt SQL reads the mask and the first step as one UInt32 from the mask's position on.
  if (MASK_BITS + FIRST_STEP_BITS > 32) throw new Error(`funnel key: MASK_BITS + FIRST_STEP_BITS must fit a UInt32`);
  // A step:k breakdown finds the step's event by (time, mask) packed into a UInt64 (user-funnels-sql.ts).
  if (TIME_BITS + MASK_BITS > 64) throw new Error(`funnel key: the step-event key needs TIME_BITS + MASK_BITS = ${TIME_BITS + MASK_BITS} bits, more than a UInt64`);
}

checkKeyBudget(KEY_LIMITS);

/**
 * When no two steps share an event type (counting every alternative of an any-of step: `lead|order` then
 * `order` share `order`; alternatives of one step may repeat a type), and the mode does not need them (see
 * the modes), an event matches at most one step, and then events equal in time and steps are interchangeable copies whatever their ids: a
 * chain uses at most one of them and starts at any of them are the same attempt. The key then drops the id:
 * the scan skips the UUID column, the widest it reads, and sorts 8-byte keys (default funnel on 10M events:
 * ~545 → ~430 ms for this query).
 */
export function keyLayoutFor(definition: Pick<FunnelDefinition, "steps">, modeNeedsId: boolean): KeyLayout {
  const stepTypes = definition.steps.map((step) => new Set(step.anyOf.map((alternative) => alternative.type)));
  const typesRepeat = new Set(stepTypes.flatMap((types) => [...types])).size < stepTypes.reduce((sum, types) => sum + types.size, 0);
  return modeNeedsId || typesRepeat ? KEY_LAYOUTS.withId : KEY_LAYOUTS.withoutId;
}

/**
 * The key of a row from its `mask` (steps matched, see step-conditions.ts), `ts` and `event_id`; `{fromMs}`
 * is the range's start. Offsets before it (rows only first-touch values read) are clamped to 0: such rows
 * never enter the arrays.
 */
export function keySql(layout: KeyLayout, mask = "mask"): string {
  return [
    `bitShiftLeft(to${layout.type}(greatest(0, toUnixTimestamp64Milli(ts) - {fromMs:Int64})), ${layout.ts})`,
    `bitShiftLeft(to${layout.type}(if(${mask} = 0, ${NO_STEP}, bitCount(bitAnd(${mask}, -${mask}) - 1))), ${layout.firstStep})`,
    `bitShiftLeft(to${layout.type}(${mask}), ${layout.mask})`,
    ...(layout.withId ? ["toUInt128(cityHash64(event_id))"] : []),
  ].reduce((left, right) => `bitOr(${left},\n          ${right})`);
}

/** A key's time, in ms from `from`. */
export const keyTimeSql = (layout: KeyLayout, key: string): string => `toInt64(bitShiftRight(${key}, ${layout.ts}))`;

/** A key's set of steps matched (bit k = step k+1). */
export const keyMaskSql = (layout: KeyLayout, key: string): string => `toUInt32(bitAnd(bitShiftRight(${key}, ${layout.mask}), ${2 ** MASK_BITS - 1}))`;

/** Whether the key's event matches step k+1. bitTest has no UInt128 version: test the low 32 bits from the mask on. */
export const keyMatchesSql = (layout: KeyLayout, key: string, k: number): string => `bitTest(toUInt32(bitShiftRight(${key}, ${layout.mask})), ${k})`;
