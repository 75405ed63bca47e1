/**
 * The raw-event export (GET /api/v1/export/events) over the whole bench data set: events per second from the
 * request to the last byte, as an HTTP client on this machine reads it, and the process's peak RSS beside its
 * RSS before the export (the export must not grow with its size). The engine is in this process (chDB), so
 * its sort buffers count too.
 *
 *   npx tsx bench/export.bench.ts                       10M events (the figure quoted); BENCH_DATA_DIR reuses a data set
 *   BENCH_SCALE=0.01 npx tsx bench/export.bench.ts      a smoke run on 100k events
 *   BENCH_FORMATS=ndjson                                only one format
 */
import os from "node:os";
import { openBenchData, serveBenchApi } from "./support/bench-data.js";

const { storage, range, events, close } = await openBenchData("export", process.env);
const api = await serveBenchApi(storage);
const formats = (process.env.BENCH_FORMATS ?? "ndjson,csv").split(",").filter(Boolean);

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** One export read to its end, counting rows by their line ends outside quotes (the CSV may quote newlines). */
async function exportOnce(format: string): Promise<{ rows: number; bytes: number; seconds: number; firstByteMs: number; rssBefore: number; rssPeak: number; heapPeak: number; buffersPeak: number }> {
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let heapPeak = 0;
  let buffersPeak = 0;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    rssPeak = Math.max(rssPeak, usage.rss);
    heapPeak = Math.max(heapPeak, usage.heapTotal);
    buffersPeak = Math.max(buffersPeak, usage.arrayBuffers);
  }, 50);
  const started = performance.now();
  const res = await fetch(`${api.url}/api/v1/export/events?from=${range.from}&to=${range.to}&format=${format}`, { headers: { Authorization: `Bearer ${api.readKey}` } });
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
  let firstByteMs = 0;
  let rows = 0;
  let bytes = 0;
  let quoted = false;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += chunk.length;
    if (format === "csv") {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (byte === 34) quoted = !quoted;
        else if (byte === 10 && !quoted) rows++;
      }
    } else {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  return { rows: format === "csv" ? rows - 1 : rows, bytes, seconds, firstByteMs, rssBefore, rssPeak, heapPeak, buffersPeak };
}

console.log(`export: ${events.toLocaleString("en")} events, range ${range.from} → ${range.to}`);
const results: string[] = [];
for (const format of formats) {
  const run = await exportOnce(format);
  const perSecond = run.rows / run.seconds;
  const line =
    `${format}: ${run.rows.toLocaleString("en")} events, ${mib(run.bytes)} MiB in ${run.seconds.toFixed(1)} s = ${Math.round(perSecond).toLocaleString("en")} events/s ` +
    `(first byte after ${(run.firstByteMs / 1000).toFixed(1)} s); RSS ${mib(run.rssBefore)} MiB before, peak ${mib(run.rssPeak)} MiB (+${mib(run.rssPeak - run.rssBefore)}; ` +
    `of it at most ${mib(run.heapPeak)} MiB JS heap and ${mib(run.buffersPeak)} MiB Node buffers, collected or not; the rest is the engine's)`;
  console.log(`  ${line}`);
  results.push(line);
}
console.log(`\nload average while measuring: ${os.loadavg().map((load) => load.toFixed(1)).join(" ")} on ${os.cpus().length} cores (other processes share this machine)`);
for (const line of results) console.log(line);

await api.close();
await close();
