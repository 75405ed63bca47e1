import { describe, expect, it } from "vitest";
import { isPrivateAddress, refusedAddress, retryDelayMs, signWebhookBody, verifyWebhookSignature } from "@chatfunnel/ingest";
import { WebhookCreateBodySchema, checkDistributedConfig, loadConfig } from "@chatfunnel/schemas";

describe("webhook signature", () => {
  const body = '{"deliveryId":"d1","event":{"id":"x"}}';
  it("is sha256=<hex HMAC-SHA256 of the raw body> (checked against openssl dgst -sha256 -hmac)", () => {
    expect(signWebhookBody("whsec_test_secret_123", body)).toBe("sha256=94fb8fa7dd989f900fe292d825ff0c915c2ae0d200df4f21cf97992ee51c5232");
  });
  it("verifies only the exact bytes with the exact secret", () => {
    const header = signWebhookBody("whsec_test_secret_123", body);
    expect(verifyWebhookSignature("whsec_test_secret_123", body, header)).toBe(true);
    expect(verifyWebhookSignature("whsec_test_secret_123", body.replace("d1", "d2"), header)).toBe(false);
    // Re-serialized JSON with other spacing is other bytes: receivers must check the raw body.
    expect(verifyWebhookSignature("whsec_test_secret_123", JSON.stringify(JSON.parse(body), null, 1), header)).toBe(false);
    expect(verifyWebhookSignature("another_secret_12345", body, header)).toBe(false);
    expect(verifyWebhookSignature("whsec_test_secret_123", body, undefined)).toBe(false);
    expect(verifyWebhookSignature("whsec_test_secret_123", body, "sha256=00")).toBe(false);
  });
});

describe("webhook retry backoff", () => {
  const config = { WEBHOOK_RETRY_BASE_MS: 10_000, WEBHOOK_RETRY_MAX_MS: 3_600_000 };
  it("doubles from the base with half of it random, capped", () => {
    expect(retryDelayMs(1, config, () => 0)).toBe(5_000);
    expect(retryDelayMs(1, config, () => 1)).toBe(10_000);
    expect(retryDelayMs(2, config, () => 0)).toBe(10_000);
    expect(retryDelayMs(4, config, () => 1)).toBe(80_000);
    expect(retryDelayMs(12, config, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(500, config, () => 0.5)).toBe(2_700_000);
  });
  it("spends the default 24 h on about 40 attempts (hourly once the cap is reached)", () => {
    let total = 0;
    let attempts = 0;
    while (total <= 86_400_000) total += retryDelayMs(++attempts, config, () => 0.5);
    expect(attempts).toBeGreaterThan(35);
    expect(attempts).toBeLessThan(45);
  });
});

describe("webhook address policy", () => {
  it("knows loopback, private, link-local, CGNAT and unspecified addresses", () => {
    for (const address of ["127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fd00::1", "fe80::1", "::ffff:10.0.0.1"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["8.8.8.8", "172.32.0.1", "93.184.216.34", "2a00:1450:4010:c05::8b", "::ffff:8.8.8.8"]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });
  it("refuses them only with WEBHOOK_ALLOW_PRIVATE=false", async () => {
    expect(await refusedAddress("http://127.0.0.1:8080/hook", true)).toBeUndefined();
    expect(await refusedAddress("http://127.0.0.1:8080/hook", false)).toMatch(/private/);
    expect(await refusedAddress("http://localhost/hook", false)).toMatch(/loopback/);
    expect(await refusedAddress("http://[::1]:80/hook", false)).toMatch(/private/);
    expect(await refusedAddress("https://8.8.8.8/hook", false)).toBeUndefined();
  });
  it("is on by default (a self-hosted CRM on the own network) and read from the environment", () => {
    expect(loadConfig({}).WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: "false" }).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: "nope" })).toThrow(/WEBHOOK_ALLOW_PRIVATE/);
    expect(loadConfig({}).WEBHOOK_RETRY_FOR_MS).toBe(86_400_000);
  });
});

describe("webhook create body", () => {
  it("takes http(s) URLs only and dedups the event types", () => {
    expect(WebhookCreateBodySchema.parse({ url: "https://crm.example.com/hook?x=1", events: ["lead", "lead", "order"] }).events).toEqual(["lead", "order"]);
    for (const url of ["ftp://x.example/", "file:///etc/passwd", "javascript:alert(1)", "mailto:a@b.c", "//x.example/", "http://", ""]) {
      const parsed = WebhookCreateBodySchema.safeParse({ url, events: ["lead"] });
      expect(parsed.success, url).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(["url"]);
    }
  });
});

describe("the distributed worker's configuration", () => {
  it("refuses to start on chDB (it would never see the consumers' outbox) unless allowed for a test", () => {
    expect(() => checkDistributedConfig(loadConfig({}), "worker")).toThrow(/CLICKHOUSE_URL: not set: the worker delivers what the consumers store/);
    expect(() => checkDistributedConfig(loadConfig({ CHATFUNNEL_ALLOW_CHDB_DISTRIBUTED: "1" }), "worker")).not.toThrow();
    expect(() => checkDistributedConfig(loadConfig({ CLICKHOUSE_URL: "http://127.0.0.1:8123" }), "worker")).not.toThrow();
  });
});
