import { z } from "zod";
import type { Storage } from "@chatfunnel/ingest";
import { isValidTimeZone } from "@chatfunnel/schemas";
import { runQuery } from "../metrics/run-query.js";
import { InvalidParameterError } from "./params.js";

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

export function engineTimeZones(storage: Storage): Promise<TimeZones> {
  let zones = loaded.get(storage.client);
  if (!zones) {
    zones = runQuery(storage, "SELECT time_zone FROM system.time_zones", {}, ZoneRowSchema).then((rows) => new TimeZones(rows.map((row) => row.time_zone)));
    const attempt = zones;
    attempt.catch(() => {
      if (loaded.get(storage.client) === attempt) loaded.delete(storage.client);
    });
    loaded.set(storage.client, zones);
  }
  return zones;
}

const UNKNOWN_ZONE = "must be an IANA time zone the engine knows, such as Europe/Moscow or UTC (see system.time_zones)";

/**
 * The zone of one request: `tz` when given (a 400 naming `tz` when the engine cannot load it), else the
 * project's setting, else UTC. A stored setting the engine does not know falls back to UTC rather than
 * failing every query of the project.
 */
export function requestTimeZone(zones: TimeZones, asked: string | undefined, projectDefault: string): string {
  if (asked === undefined) return zones.resolve(projectDefault) ?? "UTC";
  const known = zones.resolve(asked);
  if (known === undefined) throw new InvalidParameterError(`invalid parameter 'tz': ${UNKNOWN_ZONE}`, [{ path: "tz", message: UNKNOWN_ZONE }]);
  return known;
}
