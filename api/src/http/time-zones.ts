import { z } from "zod";
import type { Storage } from "@chatfunnel/core";
import { isValidTimeZone } from "@chatfunnel/schemas";
import { runQuery } from "@chatfunnel/warehouse";

/**
 * The time zones a query may use: the names the storage engine lists in system.time_zones (every query
 * passes `tz` to it) that this runtime's Intl also computes with (range bounds and bucket labels are
 * computed here). Intl alone accepts `utc`, `europe/moscow` or `SystemV/AST4`, which the engine cannot
 * load; the engine alone lists `Factory`, which Intl refuses. Lookup ignores letter case, and answers carry
 * the engine's spelling, so `europe/moscow` is `Europe/Moscow` everywhere after parsing. Aliases the engine
 * lists (`US/Pacific`, `Asia/Calcutta`) stay as given: they compute exactly like their targets.
 */
export class TimeZones {
  private readonly byLowerCase: Map<string, string>;

  constructor(engineNames: Iterable<string>) {
    this.byLowerCase = new Map();
    for (const name of engineNames) if (isValidTimeZone(name)) this.byLowerCase.set(name.toLowerCase(), name);
  }

  /** The canonical spelling of `name`, or undefined when the engine or the runtime cannot use it. */
  resolve(name: string): string | undefined {
    return this.byLowerCase.get(name.toLowerCase());
  }

  get size(): number {
    return this.byLowerCase.size;
  }
}

const ZoneRowSchema = z.object({ time_zone: z.string() });

/** One list per engine (a client serves every database on it), read once; a failed read is retried next time. */
const loaded = new WeakMap<object, Promise<TimeZones>>();
/** The list of the engine this process queries, once read: range resolution checks `tz` against it synchronously. */
let processZones: TimeZones | undefined;

/** The engine's zones if they have been read (every API handler reads them before it runs; see handle.ts). */
export const loadedTimeZones = (): TimeZones | undefined => processZones;

export function engineTimeZones(storage: Storage): Promise<TimeZones> {
  let zones = loaded.get(storage.client);
  if (!zones) {
    zones = runQuery(storage, "SELECT time_zone FROM system.time_zones", {}, ZoneRowSchema).then((rows) => {
      processZones = new TimeZones(rows.map((row) => row.time_zone));
      return processZones;
    });
    const attempt = zones;
    attempt.catch(() => {
      if (loaded.get(storage.client) === attempt) loaded.delete(storage.client);
    });
    loaded.set(storage.client, zones);
  }
  return zones;
}

