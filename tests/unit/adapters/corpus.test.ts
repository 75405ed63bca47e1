import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventSchema } from "@chatfunnel/schemas";
import { telegramUpdateToEvents, vkUpdateToEvents, whatsappWebhookToEvents, type AdapterResult } from "@chatfunnel/sdk";

/**
 * Every real payload in tests/fixtures through its adapter, compared with the expectation judged
 * against the messenger's documentation (tests/fixtures/<channel>/expected.json).
 */
const root = path.resolve(import.meta.dirname, "../../fixtures");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const adapters = {
  telegram: (body: unknown) => telegramUpdateToEvents(body, { botId: "fixture_bot" }),
  whatsapp: (body: unknown) => whatsappWebhookToEvents(body),
  vk: (body: unknown) => vkUpdateToEvents(body),
} satisfies Record<string, (body: unknown) => AdapterResult>;

type Expected = { error: string } | { events: Record<string, unknown>[]; skipped: string[] };

const cases = Object.entries(adapters).flatMap(([channel, adapt]) => {
  const expected = JSON.parse(fs.readFileSync(path.join(root, channel, "expected.json"), "utf8")) as Record<string, Expected>;
  const files = fs
    .readdirSync(path.join(root, channel), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) => fs.readdirSync(path.join(root, channel, dir.name)).map((file) => `${dir.name}/${file}`));
  return files.sort().map((file) => ({ channel, file, adapt, expected: expected[file], expectedKeys: Object.keys(expected) }));
});

describe("adapters over the corpus of real payloads", () => {
  it("has at least 150 payloads, each with an expectation and a source named in the README", () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    for (const { channel, file, expected, expectedKeys } of cases) {
      expect(expected, `${channel}/${file} has no expectation`).toBeDefined();
      expect(readme, `${channel}/${file} is not in tests/fixtures/README.md`).toContain(`\`${path.basename(file)}\``);
      void expectedKeys;
    }
    // And no expectation is left without its payload.
    for (const channel of Object.keys(adapters)) {
      const files = new Set(cases.filter((c) => c.channel === channel).map((c) => c.file));
      for (const key of cases.find((c) => c.channel === channel)!.expectedKeys) expect(files.has(key), `${channel}/expected.json names ${key}, which does not exist`).toBe(true);
    }
  });

  it.each(cases)("$channel/$file", ({ channel, file, adapt, expected }) => {
    const body: unknown = JSON.parse(fs.readFileSync(path.join(root, channel, file), "utf8"));
    const result = adapt(body);
    if (expected === undefined) throw new Error("no expectation");
    if ("error" in expected) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toContain(expected.error);
      return;
    }
    if (!result.ok) throw new Error(result.error);
    // Ids are derived from the update's identity: v5 UUIDs, the same on a second mapping. Only a
    // VK event without event_id (nor a message id) has none: the SDK then draws a random one.
    const ids = result.events.map((event) => event.id);
    for (const id of ids) {
      if (id === undefined) expect(channel === "vk" && JSON.stringify(body).includes('"event_id"')).toBe(false);
      else expect(id).toMatch(UUID_V5);
    }
    // (Two events may share an id only when the body repeats a message id, as netflie's
    // multiple-text placeholder body does with "wamid.ID": the collector then keeps one.)
    const again = adapt(structuredClone(body));
    expect(again.ok && again.events.map((event) => event.id)).toEqual(ids);
    const events = JSON.parse(JSON.stringify(result.events.map(({ id: _id, ...event }) => event))) as unknown;
    expect(events).toEqual(expected.events);
    expect(result.skipped).toEqual(expected.skipped);
    // An empty result always says why: nothing is dropped without a reason.
    if (result.events.length === 0) expect(result.skipped.length).toBeGreaterThan(0);
    // Every event is a valid contract event once the SDK (or the server) fills botId and time.
    for (const event of result.events) {
      const parsed = EventSchema.safeParse({ ...event, id: event.id ?? randomUUID(), botId: event.botId ?? "fixture_bot", timestamp: event.timestamp ?? new Date().toISOString() });
      expect(parsed.error?.issues ?? [], JSON.stringify(event)).toEqual([]);
    }
  });

  it("never throws on a real payload with any field removed or replaced, and always explains an empty result", () => {
    const bodies = cases.map(({ channel, file, adapt }) => ({ adapt, body: JSON.parse(fs.readFileSync(path.join(root, channel, file), "utf8")) as unknown }));
    // Every path into a body, so a mutation can hit any field at any depth.
    const paths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] =>
      value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([key, child]) => [[...prefix, Array.isArray(value) ? Number(key) : key], ...paths(child, [...prefix, Array.isArray(value) ? Number(key) : key])])
        : [];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bodies.length - 1 }), fc.nat(), fc.oneof(fc.constant(undefined), fc.jsonValue()), (which, at, replacement) => {
        const { adapt, body } = bodies[which]!;
        const copy = structuredClone(body) as Record<string, unknown>;
        const all = paths(copy);
        if (all.length > 0) {
          const target = all[at % all.length]!;
          let parent: Record<string | number, unknown> = copy;
          for (const key of target.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
          if (replacement === undefined) delete parent[target.at(-1)!];
          else parent[target.at(-1)!] = replacement;
        }
        const result = adapt(copy);
        if (!result.ok) return typeof result.error === "string" && result.error.length > 0;
        return result.events.length > 0 || result.skipped.length > 0;
      }),
      { numRuns: 3000 },
    );
  });
});
