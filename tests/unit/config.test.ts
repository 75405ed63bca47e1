import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@chatfunnel/schemas";

describe("loadConfig", () => {
  it("defaults to the embedded mode on 127.0.0.1:8080 with data under ./data", () => {
    const config = loadConfig({});
    expect(config.HOST).toBe("127.0.0.1");
    expect(config.PORT).toBe(8080);
    expect(config.DATA_DIR).toBe("./data");
    expect(config.KAFKA_BROKERS).toBeUndefined();
    expect(config.CLICKHOUSE_URL).toBeUndefined();
  });

  it("parses numbers and comma lists", () => {
    const config = loadConfig({ PORT: "9000", KAFKA_BROKERS: "127.0.0.1:9092, 127.0.0.1:9094", BATCH_MAX_ROWS: "500" });
    expect(config.PORT).toBe(9000);
    expect(config.KAFKA_BROKERS).toEqual(["127.0.0.1:9092", "127.0.0.1:9094"]);
    expect(config.BATCH_MAX_ROWS).toBe(500);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", CLICKHOUSE_URL: "" }).PORT).toBe(8080);
  });

  it.each([
    ["PORT", { PORT: "eighty" }],
    ["PORT", { PORT: "70000" }],
    ["CLICKHOUSE_URL", { CLICKHOUSE_URL: "not a url" }],
    ["CLICKHOUSE_DATABASE", { CLICKHOUSE_DATABASE: "drop table" }],
    ["CHATFUNNEL_WRITE_KEY", { CHATFUNNEL_WRITE_KEY: "short" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["KAFKA_BROKERS", { KAFKA_BROKERS: " , " }],
  ])("names the bad variable %s", (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
