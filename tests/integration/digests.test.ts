/**
 * Digests against the real engine and a local Bot API stand-in (TELEGRAM_API_URL): the daily and weekly
 * figures are the overview's and the channels report's for the same periods (both languages), the chart
 * arrives as a valid PNG of the stated size, a long text is sent after the photo, a refusal is answered and
 * recorded, the scheduler sends each period once across restarts, and the API refuses bad input and read keys.
 */
import request from "supertest";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, type Storage } from "@chatfunnel/core";
import {
  DIGEST_CHART_HEIGHT,
  DIGEST_CHART_WIDTH,
  DigestScheduler,
  addDays,
  deliverDigest,
  localDateOf,
  localTimeMs,
  nextSendTimeMs,
  sendDigest,
} from "@chatfunnel/api";
import { DigestSendResultSchema, DigestsResponseSchema, type Event, type OverviewResponse, type ChannelsResponse } from "@chatfunnel/schemas";
import { findDigest, recordDigestSend, toEventRow } from "@chatfunnel/warehouse";
import { createProject, freshDatabase, testConfig } from "../support/engine.js";
import { createTestApp, type TestApp } from "../support/test-app.js";
import { makeEvent } from "../support/events.js";
import { checkPng } from "../support/png.js";
import { TelegramBotApiStandIn } from "../support/telegram-bot-api-stand-in.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";

const TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra";
const TZ = "Europe/Moscow";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const telegram = await new TelegramBotApiStandIn().start();
  const overrides = { TELEGRAM_API_URL: telegram.url, TELEGRAM_TIMEOUT_MS: "2000", WEBHOOK_TIMEOUT_MS: "2000" };
  const storage = await freshDatabase();
  const testApp: TestApp = createTestApp(storage, overrides);
  const config = testConfig(overrides);
  const project = await createProject(storage);
  cleanups.push(async () => {
    await testApp.close();
    await telegram.stop();
  });
  const as = (key: string) => ({
    get: (path: string) => request(testApp.app).get(path).set("Authorization", `Bearer ${key}`),
    post: (path: string, body: object = {}) => request(testApp.app).post(path).set("Authorization", `Bearer ${key}`).send(body),
    patch: (path: string, body: object) => request(testApp.app).patch(path).set("Authorization", `Bearer ${key}`).send(body),
    delete: (path: string) => request(testApp.app).delete(path).set("Authorization", `Bearer ${key}`),
  });
  const manage = as(project.manageKey);
  expect((await manage.patch("/api/v1/project", { timezone: TZ })).status).toBe(200);
  return { storage, config, project, telegram, testApp, as, manage };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function createDigest(s: Setup, body: object): Promise<string> {
  const res = await s.manage.post("/api/v1/digests", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const telegramTarget = { telegram: { botToken: TOKEN, chatId: -1001234567890 } };
const at = (date: string, time = "12:00:00") => `${date}T${time}+03:00`;
const lead = (channel: Event["channel"], userId: string, date: string) => makeEvent({ type: "lead", channel, userId, timestamp: at(date) });
const visit = (channel: Event["channel"], userId: string, date: string) => makeEvent({ type: "message_received", channel, userId, timestamp: at(date, "11:00:00") });

/** Whitespace as Intl writes it (no-break and narrow no-break spaces) as plain spaces; multipart's CRLF as LF. */
const plain = (text: string) => text.replace(/[\u00a0\u2009\u202f]/g, " ").replace(/\r\n/g, "\n");

/**
 * Monday 2026-05-04 (the daily period) against Sunday 2026-05-03; the week 2026-04-27..05-03 against the one
 * before. Telegram: 3 leads for 300 RUB (CPL 100), VK 1 lead for 200 (CPL 200), WhatsApp 100 spent and no
 * lead, MAX a lead and no spend (not ranked).
 */
async function loadPeriods(s: Setup): Promise<void> {
  const events: Event[] = [
    ...["u1", "u2", "u3"].flatMap((user) => [visit("telegram", user, "2026-05-04"), lead("telegram", user, "2026-05-04")]),
    visit("telegram", "u4", "2026-05-04"),
    visit("vk", "v1", "2026-05-04"),
    lead("vk", "v1", "2026-05-04"),
    visit("vk", "v2", "2026-05-04"),
    visit("whatsapp", "w1", "2026-05-04"),
    lead("max", "m1", "2026-05-04"),
    visit("telegram", "u5", "2026-05-03"),
    lead("telegram", "u5", "2026-05-03"),
    lead("telegram", "u6", "2026-04-28"),
    lead("vk", "v3", "2026-04-29"),
    lead("telegram", "u7", "2026-04-22"),
    lead("telegram", "u8", "2026-04-22"),
  ];
  await s.storage.insertRows("events", events.map((event) => toEventRow(s.project.projectId, event, Date.now())));
  const spend = await s.manage.post("/api/v1/spend", {
    rows: [
      { date: "2026-05-04", channel: "telegram", amount: 300, currency: "RUB" },
      { date: "2026-05-04", channel: "vk", amount: 200, currency: "RUB" },
      { date: "2026-05-04", channel: "whatsapp", amount: 100, currency: "RUB" },
      { date: "2026-05-03", channel: "telegram", amount: 100, currency: "RUB" },
      { date: "2026-04-29", channel: "vk", amount: 30, currency: "RUB" },
      { date: "2026-04-22", channel: "telegram", amount: 80, currency: "RUB" },
    ],
  });
  expect(spend.status, JSON.stringify(spend.body)).toBe(200);
}

async function reports(s: Setup, from: string, to: string) {
  const range = `from=${from}&to=${to}`;
  const [overview, channels, previousOverview, timeseries] = await Promise.all([
    s.manage.get(`/api/v1/overview?${range}`),
    s.manage.get(`/api/v1/channels?${range}`),
    s.manage.get(`/api/v1/overview?from=${addDays(from, -(Date.parse(to) - Date.parse(from)) / 86_400_000)}&to=${from}`),
    s.manage.get(`/api/v1/timeseries?from=${addDays(to, -14)}&to=${to}&metric=leads&interval=day`),
  ]);
  for (const res of [overview, channels, previousOverview, timeseries]) expect(res.status, JSON.stringify(res.body)).toBe(200);
  return {
    overview: overview.body as OverviewResponse,
    channels: channels.body as ChannelsResponse,
    previous: (previousOverview.body as OverviewResponse).current,
    leadsPerDay: (timeseries.body.points as Array<{ value: number }>).map((point) => point.value),
  };
}

async function send(s: Setup, id: string, period: { from: string; to: string }) {
  const digest = await findDigest(s.storage, s.project.projectId, id);
  if (!digest) throw new Error("digest not stored");
  return sendDigest(s.storage, s.config, digest, { trigger: "manual", period });
}

describe("digest content", () => {
  it("daily: the overview's and channels' figures for the day and the day before, in English and Russian, with the chart", async () => {
    const s = await setup();
    await loadPeriods(s);
    const id = await createDigest(s, { name: "Shop <daily>", schedule: "daily", deliver: telegramTarget });
    const expected = await reports(s, "2026-05-04", "2026-05-05");

    const result = await send(s, id, { from: "2026-05-04", to: "2026-05-05" });
    expect(DigestSendResultSchema.parse(result).ok).toBe(true);
    const { content } = result;
    expect(content.period).toEqual({ from: "2026-05-04", to: "2026-05-05", tz: TZ, fromUtc: "2026-05-03T21:00:00.000Z", toUtc: "2026-05-04T21:00:00.000Z" });
    expect(content.current).toEqual(expected.overview.current);
    expect(content.previous).toEqual(expected.previous);
    expect(content.current.leads).toBe(5);
    expect(content.previous.leads).toBe(1);
    expect(content.changes.leads).toBe(4);
    expect(content.changes.spend).toBe(5);
    const cplOf = (channel: string) => expected.channels.channels.find((row) => row.channel === channel)?.cpl;
    expect(content.bestChannel).toEqual({ channel: "telegram", cpl: cplOf("telegram"), spend: { amount: 300, currency: "RUB" }, leads: 3 });
    expect(content.bestChannel?.cpl).toEqual({ amount: 100, currency: "RUB" });
    expect(content.worstChannel).toEqual({ channel: "vk", cpl: cplOf("vk"), spend: { amount: 200, currency: "RUB" }, leads: 1 });
    expect(content.spendWithoutLeads).toEqual([{ channel: "whatsapp", spend: { amount: 100, currency: "RUB" } }]);
    expect(content.chart.days).toEqual(["2026-04-28", "2026-04-29", "2026-04-30", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"]);
    expect(content.chart.leads).toEqual(expected.leadsPerDay.slice(7));
    expect(content.chart.previousLeads).toEqual(expected.leadsPerDay.slice(0, 7));
    expect(content.chart.leads).toEqual([1, 1, 0, 0, 0, 1, 5]);

    // English (the default): one sendPhoto, the text as its caption, the PNG as the file.
    const [photo] = s.telegram.callsOf("sendPhoto");
    expect(s.telegram.calls).toHaveLength(1);
    expect(photo?.token).toBe(TOKEN);
    expect(photo?.fields.chat_id).toBe("-1001234567890");
    expect(photo?.fields.parse_mode).toBe("HTML");
    const en = plain(String(photo?.fields.caption));
    expect(en).toBe(plain(result.text));
    expect(en).toContain("<b>Shop &lt;daily&gt;</b>");
    expect(en).toContain("Mon, May 4, 2026 · Europe/Moscow");
    expect(en).toContain("Users: 8 (");
    expect(en).toContain("Leads: 5 (+400%)");
    expect(en).toContain("Spend: RUB 600.00 (+500%)");
    expect(en).toContain("Cost per lead (CPL): RUB 120.00 (+20%)");
    expect(en).toContain("Best CPL: Telegram — RUB 100.00 (leads: 3)");
    expect(en).toContain("Worst CPL: VK — RUB 200.00 (leads: 1)");
    expect(en).toContain("Spend without leads: WhatsApp RUB 100.00");
    const file = photo?.files.photo;
    expect(file?.type).toBe("image/png");
    expect(checkPng(file?.bytes ?? Buffer.alloc(0))).toMatchObject({ width: DIGEST_CHART_WIDTH, height: DIGEST_CHART_HEIGHT });
    expect(result.image).toEqual({ mediaType: "image/png", width: DIGEST_CHART_WIDTH, height: DIGEST_CHART_HEIGHT, bytes: file?.bytes.length });

    // Russian: the project's language setting, the same figures.
    expect((await s.manage.patch("/api/v1/project", { language: "ru" })).body.language).toBe("ru");
    const russian = await send(s, id, { from: "2026-05-04", to: "2026-05-05" });
    expect(russian.content.current).toEqual(expected.overview.current);
    const ru = plain(String(s.telegram.callsOf("sendPhoto")[1]?.fields.caption));
    expect(ru).toContain("пн, 4 мая 2026");
    expect(ru).toContain("Заявки: 5 (+400 %)");
    expect(ru).toContain("Пользователи: 8 (");
    expect(ru).toContain("Расходы: 600,00 ₽ (+500 %)");
    expect(ru).toContain("Стоимость заявки (CPL): 120,00 ₽ (+20 %)");
    expect(ru).toContain("Лучший CPL: Telegram — 100,00 ₽ (заявок: 3)");
    expect(ru).toContain("Худший CPL: ВКонтакте — 200,00 ₽ (заявок: 1)");
    expect(ru).toContain("Расходы без заявок: WhatsApp 100,00 ₽");
    expect(ru).toContain("изменение к предыдущему дню");
  });

  it("weekly: Monday to Sunday against the week before, numbers equal to the overview's", async () => {
    const s = await setup();
    await loadPeriods(s);
    expect((await s.manage.patch("/api/v1/project", { language: "ru" })).status).toBe(200);
    const id = await createDigest(s, { schedule: "weekly", deliver: telegramTarget });
    const expected = await reports(s, "2026-04-27", "2026-05-04");
    const result = await send(s, id, { from: "2026-04-27", to: "2026-05-04" });
    expect(result.content.name).toBe("Еженедельная сводка");
    expect(result.content.previousPeriod).toMatchObject({ from: "2026-04-20", to: "2026-04-27" });
    expect(result.content.current).toEqual(expected.overview.current);
    expect(result.content.previous).toEqual(expected.previous);
    expect(result.content.current.leads).toBe(3);
    expect(result.content.previous.leads).toBe(2);
    // Telegram 2 leads for 100 (CPL 50), VK 1 lead for 30 (CPL 30).
    expect(result.content.bestChannel).toMatchObject({ channel: "vk", cpl: { amount: 30, currency: "RUB" } });
    expect(result.content.worstChannel).toMatchObject({ channel: "telegram", cpl: { amount: 50, currency: "RUB" }, leads: 2 });
    expect(result.content.chart.leads).toEqual(expected.leadsPerDay.slice(7));
    expect(result.content.chart.leads).toEqual([0, 1, 1, 0, 0, 0, 1]);
    const ru = plain(result.text);
    expect(ru).toContain("Заявки: 3 (+50 %)");
    expect(ru).toContain("изменение к предыдущей неделе");

    expect((await s.manage.patch("/api/v1/project", { language: "en" })).status).toBe(200);
    const english = plain((await send(s, id, { from: "2026-04-27", to: "2026-05-04" })).text);
    expect(english).toContain("Apr 27 – May 3, 2026");
    expect(english).toContain("Leads: 3 (+50%)");
    expect(english).toContain("Best CPL: VK — RUB 30.00 (leads: 1)");
    expect(english).toContain("Worst CPL: Telegram — RUB 50.00 (leads: 2)");
  });

  it("across a DST change the period before is the calendar day, not the overview's equal-length window", async () => {
    const s = await setup();
    expect((await s.manage.patch("/api/v1/project", { timezone: "Europe/Berlin" })).status).toBe(200);
    // Monday 2026-03-30 lasts 24 hours; the day before, 29 March, 23 (clocks forward). The overview's own
    // previous window is the 24 hours before Monday: it starts at 23:00 on 28 March, where this lead is.
    const late = makeEvent({ type: "lead", userId: "late", timestamp: "2026-03-28T23:30:00+01:00" });
    const sunday = makeEvent({ type: "lead", userId: "sunday", timestamp: "2026-03-29T12:00:00+02:00" });
    await s.storage.insertRows("events", [late, sunday].map((event) => toEventRow(s.project.projectId, event, Date.now())));
    const id = await createDigest(s, { schedule: "daily", deliver: telegramTarget });
    const own = (await s.manage.get("/api/v1/overview?from=2026-03-30&to=2026-03-31")).body as OverviewResponse;
    expect(own.previous?.leads).toBe(2);
    const calendar = (await s.manage.get("/api/v1/overview?from=2026-03-29&to=2026-03-30")).body as OverviewResponse;
    expect(calendar.current.leads).toBe(1);
    const result = await send(s, id, { from: "2026-03-30", to: "2026-03-31" });
    expect(result.content.previousPeriod).toEqual({ from: "2026-03-29", to: "2026-03-30", tz: "Europe/Berlin", fromUtc: "2026-03-28T23:00:00.000Z", toUtc: "2026-03-29T22:00:00.000Z" });
    expect(result.content.previous).toEqual(calendar.current);
  });

  it("no channel with spend and leads: says so; one such channel: best only", async () => {
    const s = await setup();
    await s.storage.insertRows("events", [lead("telegram", "a", "2026-05-04")].map((event) => toEventRow(s.project.projectId, event, Date.now())));
    const id = await createDigest(s, { schedule: "daily", deliver: telegramTarget });
    const none = await send(s, id, { from: "2026-05-04", to: "2026-05-05" });
    expect(none.content.bestChannel).toBeNull();
    expect(none.content.worstChannel).toBeNull();
    expect(none.text).toContain("CPL by channel: no channel had both spend and leads");
    expect((await s.manage.post("/api/v1/spend", { rows: [{ date: "2026-05-04", channel: "telegram", amount: 70, currency: "RUB" }] })).status).toBe(200);
    const one = await send(s, id, { from: "2026-05-04", to: "2026-05-05" });
    expect(one.content.bestChannel).toMatchObject({ channel: "telegram", cpl: { amount: 70, currency: "RUB" } });
    expect(one.content.worstChannel).toBeNull();
    expect(one.text).not.toContain("Worst CPL");
  });
});

describe("digest delivery", () => {
  it("a text longer than the caption limit goes as the photo, then a message; a short one as the caption", async () => {
    const s = await setup();
    const target = { botToken: TOKEN, chatId: 42 };
    const png = new Uint8Array([1, 2, 3]);
    const long = `<b>Digest</b>\n${"Leads: 1 (+5%)\n".repeat(80)}`;
    const split = await deliverDigest(s.config, { telegram: target }, { html: long, png, fileName: "d.png", webhookBody: {} });
    expect(split.map((call) => [call.method, call.ok])).toEqual([
      ["sendPhoto", true],
      ["sendMessage", true],
    ]);
    expect(s.telegram.calls.map((call) => call.method)).toEqual(["sendPhoto", "sendMessage"]);
    expect(s.telegram.calls[0]?.fields.caption).toBeUndefined();
    expect(s.telegram.calls[1]?.fields.text).toBe(long);
    // 1024 characters (a line break counts twice: CRLF in the form) fit as a caption; one more does not.
    const fits = `<b>${"x".repeat(1015)}</b>\n`;
    expect([...fits].length + 1).toBe(1024);
    await deliverDigest(s.config, { telegram: target }, { html: fits, png, fileName: "d.png", webhookBody: {} });
    expect(s.telegram.calls.slice(2).map((call) => call.method)).toEqual(["sendPhoto"]);
    expect(plain(String(s.telegram.calls[2]?.fields.caption))).toBe(fits);
    await deliverDigest(s.config, { telegram: target }, { html: `${fits}y`, png, fileName: "d.png", webhookBody: {} });
    expect(s.telegram.calls.slice(3).map((call) => call.method)).toEqual(["sendPhoto", "sendMessage"]);
  });

  it("a Telegram refusal is answered and recorded, not thrown; the list shows it", async () => {
    const s = await setup();
    const id = await createDigest(s, { schedule: "daily", deliver: telegramTarget });
    s.telegram.respond = () => ({ status: 400, body: { ok: false, error_code: 400, description: "Bad Request: chat not found" } });
    const res = await s.manage.post(`/api/v1/digests/${id}/send`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const result = DigestSendResultSchema.parse(res.body);
    expect(result.ok).toBe(false);
    expect(result.error).toBe("Bad Request: chat not found");
    expect(result.deliveries).toEqual([{ method: "sendPhoto", ok: false, statusCode: 400, error: "Bad Request: chat not found", durationMs: expect.any(Number) }]);
    // Send now reports the last full day in the project's zone.
    const today = localDateOf(Date.now(), TZ);
    expect(result.content.period).toMatchObject({ from: addDays(today, -1), to: today, tz: TZ });
    const list = DigestsResponseSchema.parse((await s.manage.get("/api/v1/digests")).body);
    expect(list.digests[0]?.lastSend).toMatchObject({ trigger: "manual", state: "failed", error: "Bad Request: chat not found", periodFrom: addDays(today, -1) });

    // Telegram back: the same call succeeds and the list says so.
    s.telegram.respond = (index) => ({ status: 200, body: { ok: true, result: { message_id: index } } });
    expect((await s.manage.post(`/api/v1/digests/${id}/send`)).body.ok).toBe(true);
    expect(DigestsResponseSchema.parse((await s.manage.get("/api/v1/digests")).body).digests[0]?.lastSend).toMatchObject({ state: "sent", error: null });
  });

  it("a webhook target gets the text, the figures and the PNG as JSON", async () => {
    const s = await setup();
    const receiver = await new WebhookReceiver().start();
    cleanups.push(() => receiver.stop());
    const id = await createDigest(s, { schedule: "weekly", deliver: { webhook: { url: receiver.url } } });
    const res = await s.manage.post(`/api/v1/digests/${id}/send`);
    expect(res.body.ok, JSON.stringify(res.body)).toBe(true);
    expect(res.body.deliveries).toEqual([{ method: "webhook", ok: true, statusCode: 200, error: null, durationMs: expect.any(Number) }]);
    expect(receiver.received).toHaveLength(1);
    const body = JSON.parse(receiver.received[0]!.raw.toString()) as { type: string; text: string; content: { current: unknown }; image: { base64: string; width: number } };
    expect(body.type).toBe("digest");
    expect(body.text).toContain("Leads: 0");
    expect(body.text).not.toContain("<b>");
    expect(body.content.current).toEqual(res.body.content.current);
    expect(checkPng(Buffer.from(body.image.base64, "base64"))).toMatchObject({ width: DIGEST_CHART_WIDTH, height: DIGEST_CHART_HEIGHT });
  });
});

describe("digest scheduler", () => {
  const logger = createLogger("silent", "test");

  it("sends each period once at 09:00 local, across restarts; a missed send time is made up once; a claim is never resent", async () => {
    const s = await setup();
    const id = await createDigest(s, { schedule: "daily", deliver: telegramTarget });
    let clock = Date.now();
    const scheduler = (storage: Storage = s.storage) => new DigestScheduler(storage, s.config, logger, { now: () => clock });
    const sentPeriods = async (instance: DigestScheduler) => (await instance.tick()).map((result) => result.content.period.from);

    // Created after the last send time: the period sent then is not sent late.
    expect(await sentPeriods(scheduler())).toEqual([]);
    // The first send time after creation (09:00 local, today or tomorrow): a minute before, nothing; then the
    // day before it, once.
    const firstSendMs = nextSendTimeMs("daily", Date.now(), TZ);
    const sendDay = localDateOf(firstSendMs, TZ);
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit" }).format(firstSendMs)).toBe("09:00");
    clock = firstSendMs - 60_000;
    expect(await sentPeriods(scheduler())).toEqual([]);
    clock = firstSendMs;
    const first = scheduler();
    expect(await sentPeriods(first)).toEqual([addDays(sendDay, -1)]);
    expect(await sentPeriods(first)).toEqual([]);
    // A restart (a new scheduler on the same storage) does not send it again.
    clock += 3_600_000;
    expect(await sentPeriods(scheduler())).toEqual([]);
    expect(s.telegram.callsOf("sendPhoto")).toHaveLength(1);

    // Down from before the next two send times until 15:00 after them: the latest period is sent, once.
    clock = localTimeMs(addDays(sendDay, 2), TZ, 15);
    expect(await sentPeriods(scheduler())).toEqual([addDays(sendDay, 1)]);
    expect(await sentPeriods(scheduler())).toEqual([]);

    // A process that claimed a period and died before the outcome: that period is not sent again.
    clock = localTimeMs(addDays(sendDay, 3), TZ, 9) + 1000;
    await recordDigestSend(s.storage, {
      projectId: s.project.projectId,
      digestId: id,
      trigger: "schedule",
      periodFrom: addDays(sendDay, 2),
      periodTo: addDays(sendDay, 3),
      state: "claimed",
      at: new Date().toISOString(),
      error: null,
      deliveries: "",
    });
    expect(await sentPeriods(scheduler())).toEqual([]);
    expect(DigestsResponseSchema.parse((await s.manage.get("/api/v1/digests")).body).digests[0]?.lastSend).toMatchObject({ state: "claimed", periodFrom: addDays(sendDay, 2) });
    expect(s.telegram.callsOf("sendPhoto")).toHaveLength(2);

    // A send now is not the scheduler's send: the next scheduled period still goes out.
    expect((await s.manage.post(`/api/v1/digests/${id}/send`)).body.ok).toBe(true);
    clock = localTimeMs(addDays(sendDay, 4), TZ, 9);
    expect(await sentPeriods(scheduler())).toEqual([addDays(sendDay, 3)]);
  });

  it("a stop waits for the send in flight only; the digests not reached go out at the next start", async () => {
    const s = await setup();
    await createDigest(s, { name: "one", schedule: "daily", deliver: telegramTarget });
    await createDigest(s, { name: "two", schedule: "daily", deliver: telegramTarget });
    const clock = nextSendTimeMs("daily", Date.now(), TZ);
    s.telegram.respond = (index) => ({ status: 200, body: { ok: true, result: { message_id: index } }, delayMs: 1500 });
    const first = new DigestScheduler(s.storage, s.config, logger, { now: () => clock });
    first.start();
    const deadline = Date.now() + 20_000;
    while (s.telegram.calls.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await first.stop();
    expect(s.telegram.calls).toHaveLength(1);
    const list = DigestsResponseSchema.parse((await s.manage.get("/api/v1/digests")).body).digests;
    expect(list.filter((digest) => digest.lastSend?.state === "sent")).toHaveLength(1);
    expect(list.filter((digest) => digest.lastSend === null)).toHaveLength(1);
    s.telegram.respond = (index) => ({ status: 200, body: { ok: true, result: { message_id: index } } });
    const sent = await new DigestScheduler(s.storage, s.config, logger, { now: () => clock }).tick();
    expect(sent.map((result) => result.content.name)).toEqual(list.filter((digest) => digest.lastSend === null).map((digest) => digest.name));
    expect(s.telegram.calls).toHaveLength(2);
  });

  it("weekly: sent on the Monday after the ISO week, once; start and stop run it in the background", async () => {
    const s = await setup();
    await createDigest(s, { schedule: "weekly", deliver: telegramTarget });
    const today = localDateOf(Date.now(), TZ);
    const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
    const nextMonday = addDays(today, 7 - weekday);
    const clock = localTimeMs(nextMonday, TZ, 9) + 5 * 60_000;
    const scheduler = new DigestScheduler(s.storage, s.config, logger, { now: () => clock }, 50);
    scheduler.start();
    const deadline = Date.now() + 20_000;
    while (s.telegram.callsOf("sendPhoto").length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await scheduler.stop();
    expect(s.telegram.callsOf("sendPhoto")).toHaveLength(1);
    const list = DigestsResponseSchema.parse((await s.manage.get("/api/v1/digests")).body);
    expect(list.digests[0]?.lastSend).toMatchObject({ trigger: "schedule", state: "sent", periodFrom: addDays(nextMonday, -7), periodTo: nextMonday });
  });
});

describe("digest API", () => {
  it("creates, lists without the token's secret, deletes; next send at 09:00 local", async () => {
    const s = await setup();
    const created = await s.manage.post("/api/v1/digests", { name: "Morning", schedule: "daily", deliver: telegramTarget, filters: { channel: ["telegram"] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: "Morning", schedule: "daily", deliver: { telegram: { botId: "123456789", chatId: -1001234567890 } }, filters: { channel: ["telegram"] }, lastSend: null });
    const nextSend = new Date(created.body.nextSendAt as string);
    expect(new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit" }).format(nextSend)).toBe("09:00");
    expect(nextSend.getTime()).toBeGreaterThan(Date.now());
    expect(nextSend.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    const list = await s.as(s.project.readKey).get("/api/v1/digests");
    expect(list.status).toBe(200);
    expect(list.body.digests).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(TOKEN.split(":")[1]);
    expect((await s.manage.delete(`/api/v1/digests/${created.body.id}`)).status).toBe(204);
    expect((await s.manage.delete(`/api/v1/digests/${created.body.id}`)).status).toBe(404);
    expect((await s.manage.get("/api/v1/digests")).body.digests).toEqual([]);
  });

  it("bad input is a 400 naming the field", async () => {
    const s = await setup();
    const cases: Array<[object, string]> = [
      [{ schedule: "monthly", deliver: telegramTarget }, "schedule"],
      [{ deliver: telegramTarget }, "schedule"],
      [{ schedule: "daily", deliver: { telegram: { botToken: "not-a-token", chatId: 1 } } }, "deliver.telegram.botToken"],
      [{ schedule: "daily", deliver: { telegram: { botToken: TOKEN, chatId: "chat" } } }, "deliver.telegram.chatId"],
      [{ schedule: "daily", deliver: { webhook: { url: "ftp://crm.example.com/hook" } } }, "deliver.webhook.url"],
      [{ schedule: "daily", deliver: { webhook: { url: "https://crm.example.com" }, ...telegramTarget } }, "deliver"],
      [{ schedule: "daily" }, "deliver"],
      [{ schedule: "daily", deliver: telegramTarget, filters: { channel: ["icq"] } }, "filters.channel.0"],
      [{ schedule: "daily", deliver: telegramTarget, name: "" }, "name"],
      [{ schedule: "daily", deliver: telegramTarget, colour: "red" }, "colour"],
    ];
    for (const [body, field] of cases) {
      const res = await s.manage.post("/api/v1/digests", body);
      expect(res.status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.details.map((detail: { path: string }) => detail.path), JSON.stringify(body)).toContain(field);
      expect(res.body.error.message).toContain(`'${field}'`);
    }
    const notJson = await request(s.testApp.app).post("/api/v1/digests").set("Authorization", `Bearer ${s.project.manageKey}`).set("Content-Type", "application/json").send("{");
    expect(notJson.status).toBe(400);
  });

  it("a private webhook address is refused at creation when WEBHOOK_ALLOW_PRIVATE=false", async () => {
    const storage = await freshDatabase();
    const project = await createProject(storage);
    const testApp = createTestApp(storage, { WEBHOOK_ALLOW_PRIVATE: "false" });
    cleanups.push(() => testApp.close());
    const res = await request(testApp.app).post("/api/v1/digests").set("Authorization", `Bearer ${project.manageKey}`).send({ schedule: "daily", deliver: { webhook: { url: "http://127.0.0.1:9/x" } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("deliver.webhook.url");
  });

  it("a read key may list but not create, send or delete; projects are isolated", async () => {
    const s = await setup();
    const id = await createDigest(s, { schedule: "daily", deliver: telegramTarget });
    const read = s.as(s.project.readKey);
    expect((await read.post("/api/v1/digests", { schedule: "daily", deliver: telegramTarget })).status).toBe(403);
    expect((await read.post(`/api/v1/digests/${id}/send`)).status).toBe(403);
    expect((await read.delete(`/api/v1/digests/${id}`)).status).toBe(403);
    expect((await read.get("/api/v1/digests")).status).toBe(200);
    expect(s.telegram.calls).toHaveLength(0);

    const other = await createProject(s.storage);
    const them = s.as(other.manageKey);
    expect((await them.get("/api/v1/digests")).body.digests).toEqual([]);
    expect((await them.post(`/api/v1/digests/${id}/send`)).status).toBe(404);
    expect((await them.delete(`/api/v1/digests/${id}`)).status).toBe(404);
    expect(s.telegram.calls).toHaveLength(0);
    // Their own digest reports their own figures: a lead of ours is not in it.
    await s.storage.insertRows("events", [lead("telegram", "ours", addDays(localDateOf(Date.now(), TZ), -1))].map((event) => toEventRow(s.project.projectId, event, Date.now())));
    const theirs = (await them.post("/api/v1/digests", { schedule: "daily", deliver: telegramTarget })).body.id as string;
    const ours = (await s.manage.post(`/api/v1/digests/${id}/send`)).body;
    expect(ours.content.current.leads).toBe(1);
    expect(ours.content.period.tz).toBe(TZ);
    const theirAnswer = (await them.post(`/api/v1/digests/${theirs}/send`)).body;
    expect(theirAnswer.content.current.leads).toBe(0);
    expect(theirAnswer.content.period.tz).toBe("UTC");
    expect((await s.manage.get("/api/v1/digests")).body.digests.map((digest: { id: string }) => digest.id)).toEqual([id]);
  });
});
