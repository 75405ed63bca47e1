import { describe, expect, it } from "vitest";
import { EventSchema } from "@chatfunnel/schemas";
import { toEventRow } from "@chatfunnel/warehouse";

const base = { id: "0b7c2a8e-1f3d-4c5b-9a6e-2d4f6a8b0c1e", type: "lead", channel: "telegram", botId: "bot", userId: "u1" };

describe("toEventRow timestamps", () => {
  it.each([
    ["2026-05-01T07:00:00.000Z", "2026-05-01 07:00:00.000"],
    ["2026-05-01T07:00:00.123Z", "2026-05-01 07:00:00.123"],
    ["2025-12-31T23:59:59.999Z", "2025-12-31 23:59:59.999"],
    ["2026-05-01T10:00:00+03:00", "2026-05-01 07:00:00.000"],
    ["2026-05-01T00:30:00.250-05:30", "2026-05-01 06:00:00.250"],
    ["2026-05-01T07:00:00Z", "2026-05-01 07:00:00.000"],
    ["2026-03-01T00:00:00.000+00:00", "2026-03-01 00:00:00.000"],
  ])("stores %s as UTC %s", (timestamp, stored) => {
    const event = EventSchema.parse({ ...base, timestamp });
    expect(toEventRow("p", event, Date.UTC(2026, 4, 1)).ts).toBe(stored);
  });
});

describe("toEventRow broadcast id", () => {
  it("keeps the broadcast an event belongs to, and stores none as empty text", () => {
    const timestamp = "2026-05-01T07:00:00.000Z";
    const sent = EventSchema.parse({ ...base, type: "broadcast_failed", broadcastId: "bf-2026", timestamp, properties: { reason: "131026" } });
    expect(toEventRow("p", sent, Date.UTC(2026, 4, 1)).broadcast_id).toBe("bf-2026");
    expect(toEventRow("p", EventSchema.parse({ ...base, timestamp }), Date.UTC(2026, 4, 1)).broadcast_id).toBe("");
  });

  it("refuses an empty or over-long broadcast id by name", () => {
    const timestamp = "2026-05-01T07:00:00.000Z";
    for (const broadcastId of ["", "b".repeat(129)]) {
      const parsed = EventSchema.safeParse({ ...base, broadcastId, timestamp });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(["broadcastId"]);
    }
  });
});
