import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import type { Storage } from "@chatfunnel/core";
import { createProject, freshDatabase } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";

/** Issue 10, defect 4: every way a body can fail to decode is the sender's, a 4xx that says what. */
describe("POST /v1/events body decoding", () => {
  let storage: Storage;
  let testApp: TestApp;
  let project: Awaited<ReturnType<typeof createProject>>;

  beforeAll(async () => {
    storage = await freshDatabase();
    project = await createProject(storage);
    testApp = createTestApp(storage);
  });
  afterAll(async () => testApp.close());

  const postRaw = (bytes: Buffer, headers: Record<string, string>) =>
    request(testApp.app)
      .post("/v1/events")
      .set("Authorization", `Bearer ${project.writeKey}`)
      .set(headers)
      .serialize((body: unknown) => body as string)
      .send(bytes);

  const valid = () => Buffer.from(JSON.stringify({ events: [makeEvent({ userId: "decode" })] }));

  it("accepts gzip, deflate and br bodies", async () => {
    for (const [encoding, compress] of [
      ["gzip", zlib.gzipSync],
      ["deflate", zlib.deflateSync],
      ["br", zlib.brotliCompressSync],
    ] as const) {
      const res = await postRaw(compress(valid()), { "Content-Type": "application/json", "Content-Encoding": encoding });
      expect([encoding, res.status, res.body.accepted]).toEqual([encoding, 200, 1]);
    }
  });

  const cases: Array<[string, Buffer, Record<string, string>, number, RegExp]> = [
    ["truncated gzip", zlib.gzipSync(valid()).subarray(0, 40), { "Content-Encoding": "gzip" }, 400, /decompress.*gzip/],
    ["garbage labelled gzip", Buffer.from("this is not gzip at all"), { "Content-Encoding": "gzip" }, 400, /decompress/],
    ["garbage labelled deflate", Buffer.from("nope"), { "Content-Encoding": "deflate" }, 400, /decompress/],
    ["garbage labelled br", Buffer.from("\xff\xff\xff\xffnot brotli"), { "Content-Encoding": "br" }, 400, /decompress/],
    ["gzip of garbage", zlib.gzipSync(Buffer.from("{not json")), { "Content-Encoding": "gzip" }, 400, /not valid JSON/],
    ["an unknown encoding", valid(), { "Content-Encoding": "snappy" }, 415, /snappy/],
    ["malformed JSON", Buffer.from('{"events": [{"id": '), {}, 400, /not valid JSON/],
    ["an empty body", Buffer.alloc(0), {}, 400, /not valid JSON/],
    ["JSON that is not an envelope", Buffer.from("[1,2,3]"), {}, 400, /events/],
    ["a UTF-16 charset", valid(), { "Content-Type": "application/json; charset=utf-16" }, 415, /charset/],
    ["a body over 1 MiB once inflated", zlib.gzipSync(Buffer.alloc(3 * 1024 * 1024, 32)), { "Content-Encoding": "gzip" }, 413, /larger than 1 MiB/],
  ];
  for (const [name, body, headers, status, message] of cases) {
    it(`answers ${status} for ${name}, never 500`, async () => {
      const res = await postRaw(body, { "Content-Type": "application/json", ...headers });
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
    });
  }

  it("still serves the next request after every broken one", async () => {
    const res = await postRaw(valid(), { "Content-Type": "application/json" });
    expect(res.status).toBe(200);
  });
});
