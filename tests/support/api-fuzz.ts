/**
 * Hostile requests for the API, shared by the fuzz test (tests/integration/api-fuzz.test.ts, a few
 * thousand in `npm test`) and the 10,000-request bench (bench/fuzz.bench.ts). Each GET starts from a
 * valid query of its endpoint (so the fuzz reaches the engine, not only the validators) and then gets a
 * few mutations: a parameter set to a hostile value, repeated, nested (`tz[a]=`), dropped, or an unknown
 * one added. The endpoints and their parameters come from openapi.json, so a new route is fuzzed as
 * soon as it is documented.
 */
import fc from "fast-check";

/** One GET endpoint as openapi.json documents it. */
export interface FuzzEndpoint {
  path: string;
  /** Query parameters. */
  parameters: string[];
  required: string[];
  /** `{id}`-style parameters of the path: a 400 about one of them names it too. */
  pathParameters: string[];
}

interface OpenApiLike {
  paths: Record<string, Record<string, { parameters?: { name: string; in?: string; required?: boolean }[] }>>;
}

/** Every GET of the document (openapi.json itself excluded); `{id}`-style path parameters are fuzzed too. */
export function fuzzEndpoints(doc: OpenApiLike): FuzzEndpoint[] {
  return Object.entries(doc.paths)
    .filter(([path, ops]) => ops.get !== undefined && !path.endsWith("openapi.json"))
    .map(([path, ops]) => {
      const all = ops.get!.parameters ?? [];
      const parameters = all.filter((p) => p.in === undefined || p.in === "query");
      return {
        path,
        parameters: parameters.map((p) => p.name),
        required: parameters.filter((p) => p.required).map((p) => p.name),
        pathParameters: all.filter((p) => p.in === "path").map((p) => p.name),
      };
    });
}

/** Percent-encodes any string, lone surrogates included (as the 3-byte sequence a lax encoder would send). */
export function encodeAny(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    else out += encodeURIComponent(char);
  }
  return out;
}

/** Values a caller could mean: the fuzz starts from these so most requests pass validation. */
const VALID: Record<string, fc.Arbitrary<string>> = {
  from: fc.constantFrom("2026-05-01", "2026-04-30", "2026-05-01T00:00:00Z", "2026-05-01T03:07:00+03:00", "2000-01-01"),
  to: fc.constantFrom("2026-05-02", "2026-05-08", "2026-05-01T12:00:00Z", "2026-06-01", "2100-01-01"),
  tz: fc.constantFrom("UTC", "Europe/Moscow", "America/New_York", "Asia/Kolkata", "utc", "europe/berlin", "Pacific/Kiritimati", "Etc/GMT+12"),
  channel: fc.constantFrom("telegram", "whatsapp", "vk", "max", "viber", "web", "other"),
  botId: fc.constantFrom("bot-1", "shop_bot", "x".repeat(128)),
  campaign: fc.constantFrom("spring", "big", "", "c".repeat(256)),
  currency: fc.constantFrom("RUB", "USD", "EUR"),
  steps: fc.constantFrom("bot_started", "lead", "order", "lead[plan=pro]", "lead[__proto__=x]", "order[n=1][vip=true]", '{"type":"order","filters":{"n":1,"constructor":"y"}}'),
  window: fc.constantFrom("30m", "12h", "7d", "90d"),
  mode: fc.constantFrom("ordered", "strict", "any"),
  breakdown: fc.constantFrom("channel", "campaign", "source", "botId"),
  interval: fc.constantFrom("day", "week", "month"),
  metric: fc.constantFrom("users", "new_users", "sessions", "leads", "orders", "revenue", "spend", "resolution_rate"),
  by: fc.constantFrom("channel", "campaign"),
  step: fc.constantFrom("2", "3"),
  limit: fc.constantFrom("1", "100", "1000", "10000"),
  offset: fc.constantFrom("0", "1", "9999"),
  format: fc.constantFrom("json", "csv"),
  type: fc.constantFrom("lead", "order", "bot_started", "custom_type"),
  userId: fc.constantFrom("u0", "user-1"),
  broadcastId: fc.constantFrom("b1", "spring-sale"),
  id: fc.constantFrom("00000000-0000-0000-0000-000000000000", "abc"),
};

const huge = (length: number) => fc.constantFrom("a", "😀", "%", "[", "\u0000").map((char) => char.repeat(length));

/** Text no parameter should choke on. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "null",
    "undefined",
    "[]",
    "{}",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "'; DROP TABLE events; --",
    "{from:String}",
    "\\",
    "`",
    "\u0000",
    "\uFEFF",
    "\u202E",
    "\uD83D",
    "\uDFFF",
    "low\uDFFF",
    "😀",
    "\u{10FFFF}",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "-0",
    "0x10",
    "1.5",
    "9007199254740993",
    "99999999999999999999999",
    "0001-01-01",
    "1901-01-01",
    "1969-12-31T23:59:59Z",
    "2026-02-30",
    "9999-12-31T23:59:59Z",
    "2026-05-01T10:00:00+14:00",
    "2026-05-01T10:00:00.123456789Z",
    "2026-05-01T24:00:00Z",
    "+275760-09-13",
    "SystemV/AST4",
    "US/Pacific-New",
    "Factory",
    "Etc/GMT+13",
    "localtime",
    "../../etc/passwd",
    "lead[",
    "lead[]",
    "lead[=x]",
    "lead[a=]",
    "lead[a=b][a=c]",
    "Lead",
    '{"type":"lead","filters":{"__proto__":{"a":1}}}',
    '{"type":"lead","filters":[]}',
    '{"type":"lead","__proto__":{}}',
    '{"type":',
    "lead|order",
    "?subscribed",
    "0d",
    "91d",
    "999999d",
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer().map(String),
  fc.double().map(String),
  huge(1000),
  huge(5000),
);

/** A name=value pair as it goes on the wire, already encoded (the raw bytes are what is fuzzed). */
type Pair = [string, string];

/** Raw percent sequences that are not valid UTF-8 or not valid percent-encoding at all. */
const rawValue = fc.constantFrom("%", "%G1", "%FF", "%C0%AF", "%ED%A0%80", "%E2%82", "%00", "%2", "a%", "%%", "+", "%2B03:00");

const encodedHostile: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: hostileText.map(encodeAny) }, { weight: 1, arbitrary: rawValue });

type Mutation =
  | { kind: "set"; name: string; value: string }
  | { kind: "repeat"; name: string; value: string }
  | { kind: "nest"; name: string; key: string; value: string }
  | { kind: "drop"; name: string }
  | { kind: "unknown"; name: string; value: string };

const nestKey = fc.constantFrom("", "0", "1", "21", "a", "__proto__", "constructor", "toString", "][", "[x]");

function mutationArb(names: string[]): fc.Arbitrary<Mutation> {
  const name = fc.constantFrom(...names);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("set" as const), name, value: encodedHostile }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("repeat" as const), name, value: fc.oneof(encodedHostile, fc.constant("")) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("nest" as const), name, key: nestKey, value: encodedHostile }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), name }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("unknown" as const), name: hostileText.map(encodeAny), value: encodedHostile }) },
  );
}

/** Parameters every endpoint is fuzzed with besides its own: a hostile caller does not read the docs. */
export const EXTRA_PARAMETERS = ["from", "to", "tz", "channel", "botId", "campaign", "currency", "steps", "window", "mode", "breakdown", "interval", "metric", "by", "step", "limit", "offset", "format"];

export interface FuzzRequest {
  endpoint: FuzzEndpoint;
  /** Path and query string, ready for GET (ASCII only, so any HTTP client sends it as is). */
  url: string;
}

/** A valid query of the endpoint, then 0–3 mutations (a quarter of the requests stay valid). */
export function apiRequestArb(endpoints: FuzzEndpoint[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...endpoints).chain((endpoint) => {
    const names = [...new Set([...endpoint.parameters, ...EXTRA_PARAMETERS])];
    const base: fc.Arbitrary<Pair[]> = fc
      .tuple(
        ...endpoint.parameters.map((name) => {
          const valid = VALID[name] ?? fc.constant("x");
          const required = endpoint.required.includes(name) || name === "from" || name === "to";
          // steps is repeated: 2 to 5 of them; other parameters once, optional ones only sometimes.
          if (name === "steps") return fc.array(valid, { minLength: 2, maxLength: 5 }).map((values) => values.map((value): Pair => [name, encodeAny(value)]));
          const value = required ? valid : fc.option(valid, { nil: undefined, freq: 2 });
          return value.map((text): Pair[] => (text === undefined ? [] : [[name, encodeAny(text)]]));
        }),
      )
      .map((lists) => lists.flat());
    const pathParams = fc.oneof(VALID.id!, hostileText).map(encodeAny);
    return fc.record({ base, mutations: fc.array(mutationArb(names), { minLength: 0, maxLength: 3 }), pathParam: pathParams }).map(({ base, mutations, pathParam }) => {
      let pairs = base;
      for (const m of mutations) {
        if (m.kind === "set") pairs = [...pairs.filter(([n]) => n !== m.name), [m.name, m.value]];
        else if (m.kind === "repeat") pairs = [...pairs, [m.name, m.value]];
        else if (m.kind === "nest") pairs = [...pairs.filter(([n]) => n !== m.name), [`${m.name}[${m.key}]`, m.value]];
        else if (m.kind === "drop") pairs = pairs.filter(([n]) => n !== m.name);
        else pairs = [...pairs, [m.name, m.value]];
      }
      const path = endpoint.path.replace(/\{[^}]+\}/g, () => pathParam);
      return { endpoint, url: `${path}?${pairs.map(([n, v]) => `${n}=${v}`).join("&")}` };
    });
  });
}

/** An answer's body as the fuzz sees it. */
export interface FuzzAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * What is wrong with an answer, or undefined: never a 5xx, and every 400 is the error body naming one
 * of the endpoint's parameters (or one the fuzz sent, for an undocumented one) in its message.
 */
export function apiAnswerProblem(request: FuzzRequest, answer: FuzzAnswer): string | undefined {
  if (answer.status >= 500) return `${answer.status}`;
  if (answer.status !== 400) return undefined;
  if (!answer.contentType.includes("application/json")) return `400 without a JSON body (${answer.contentType})`;
  const error = (answer.body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (!error || typeof error.code !== "string" || typeof error.message !== "string") return `400 body is not {"error":{"code","message"}}: ${JSON.stringify(answer.body).slice(0, 200)}`;
  const names = [...new Set([...request.endpoint.parameters, ...request.endpoint.pathParameters, ...EXTRA_PARAMETERS])];
  if (!names.some((name) => (error.message as string).includes(`'${name}'`))) return `400 names no parameter: ${error.message}`;
  return undefined;
}

/** Hostile spend imports: JSON of any shape, rows with hostile fields, CSV of hostile cells. */
export interface SpendFuzzRequest {
  contentType: string | undefined;
  body: string | Buffer;
}

const spendField = fc.oneof(
  fc.constantFrom("2026-05-01", "0001-01-01", "2150-01-01", "2026-02-30", "telegram", "icq", "RUB", "rub", "", "__proto__"),
  fc.constantFrom(0, 1, -1, 1e14, 99_999_999_999_999.98, 1e300, 0.00001, Number.MAX_SAFE_INTEGER, 1.23456),
  hostileText,
  fc.constantFrom(null, true, [], {}),
);

const spendRow = fc.dictionary(fc.constantFrom("date", "channel", "campaign", "amount", "currency", "__proto__", "extra", "constructor"), spendField, { maxKeys: 6 });
const validRow = fc.record({
  date: fc.constantFrom("2026-05-01", "2026-05-02"),
  channel: fc.constantFrom("telegram", "vk"),
  campaign: fc.constantFrom("spring", "big"),
  amount: fc.constantFrom(0, 10.5, 99_999_999_999_999.98),
  currency: fc.constantFrom("RUB", "USD"),
});
const csvCell = fc.oneof(hostileText, spendField.map((value) => (typeof value === "string" ? value : JSON.stringify(value) ?? "")), fc.constantFrom('"', '""', '"a,b"', "\r", "\n", ","));

export const spendRequestArb: fc.Arbitrary<SpendFuzzRequest> = fc.oneof(
  fc.record({
    contentType: fc.constantFrom("application/json", "application/json; charset=utf-8", undefined),
    body: fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value) ?? "null"),
      fc.array(fc.oneof(spendRow, validRow), { maxLength: 5 }).map((rows) => JSON.stringify({ rows })),
      fc.array(validRow, { minLength: 1, maxLength: 3 }).map((rows) => JSON.stringify({ rows, extra: 1 })),
      fc.constantFrom('{"rows":', '{"rows":[{"__proto__":{"amount":1}}]}', '{"__proto__":{"rows":[]}}', "\uFEFF{}", '{"rows":[1,2]}', "[]", ""),
    ),
  }),
  fc.record({
    contentType: fc.constantFrom("text/csv", "text/plain", "application/csv", "text/csv; charset=latin1"),
    body: fc.oneof(
      fc
        .tuple(fc.array(fc.array(csvCell, { maxLength: 6 }), { maxLength: 5 }), fc.constantFrom("\n", "\r\n", "\r"))
        .map(([rows, newline]) => ["date,channel,campaign,amount,currency", ...rows.map((cells) => cells.join(","))].join(newline)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom("", "\uFEFF", "date,amount\n", 'date,channel,campaign,amount,currency\n"2026-05-01,vk,,1,RUB\n', "DATE,CHANNEL,AMOUNT,CURRENCY,DATE\n"),
    ),
  }),
  fc.record({
    contentType: fc.constantFrom("application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "image/png"),
    body: fc.string({ maxLength: 50 }),
  }),
  // Compressed bodies: garbage, truncated gzip.
  fc.record({ contentType: fc.constant("application/json"), body: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from([0x1f, 0x8b, ...bytes])) }),
);

/** Spend answers: never 5xx; a 400 is the error body and, when it lists lines, each names a line and a field. */
export function spendAnswerProblem(answer: FuzzAnswer): string | undefined {
  if (answer.status >= 500) return `${answer.status}`;
  if (answer.status === 200) {
    const imported = (answer.body as { imported?: unknown } | null)?.imported;
    return typeof imported === "number" ? undefined : `200 without imported: ${JSON.stringify(answer.body).slice(0, 200)}`;
  }
  if (answer.status < 400) return `unexpected ${answer.status}`;
  if (!answer.contentType.includes("application/json")) return `${answer.status} without a JSON body`;
  const error = (answer.body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (!error || typeof error.code !== "string" || typeof error.message !== "string") return `${answer.status} body is not {"error":{"code","message"}}`;
  if (error.details !== undefined) {
    if (!Array.isArray(error.details)) return "details is not a list";
    for (const detail of error.details as { line?: unknown; field?: unknown; message?: unknown }[]) {
      if (typeof detail.line !== "number" || typeof detail.field !== "string" || detail.field === "" || typeof detail.message !== "string") return `detail without line/field/message: ${JSON.stringify(detail)}`;
    }
  }
  return undefined;
}
