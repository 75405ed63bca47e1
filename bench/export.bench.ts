/**
 * The raw-event export (GET /api/v1/export/events) over the whole bench data set: events per second from the
 * request to the last byte, as an HTTP client in another process on this machine reads it, and the process's peak RSS beside its
 * RSS before the export (the export must not grow with its size). The engine is in this process (chDB), so
 * its sort buffers count too.
 *
 *   npx tsx bench/export.bench.ts                       10M events (the figure quoted); BENCH_DATA_DIR reuses a data set
 *   BENCH_SCALE=0.01 npx tsx bench/export.bench.ts      a smoke run on 100k events
 *   BENCH_FORMATS=ndjson                                only one format
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { openBenchData, serveBenchApi } from "./support/bench-data.js";

const { storage, range, events, close } = await openBenchData("export", process.env);
const api = await serveBenchApi(storage);
const formats = (process.env.BENCH_FORMATS ?? "ndjson,csv").split(",").filter(Boolean);

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/**
 * The client, in a process of its own as a real downloader is (so reading and counting do not share the
 * server's event loop): reads the export to its end, counting rows by their line ends outside quotes (the
 * CSV may quote newlines), and prints one JSON line with what it saw.
 */
const CLIENT_SOURCE = `
  const [url, key, format] = process.argv.slice(1);
  (async () => {
    const started = performance.now();
    const res = await fetch(url, { headers: { Authorization: "Bearer " + key } });
    if (res.status !== 200) { console.log(JSON.stringify({ error: res.status + " " + (await res.text()) })); return; }
    let firstByteMs = 0, rows = 0, bytes = 0, quoted = false;
    for await (const chunk of res.body) {
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      if (format === "csv") {
        for (let i = 0; i < chunk.length; i++) {
          const byte = chunk[i];
          if (byte === 34) quoted = !quoted;
          else if (byte === 10 && !quoted) rows++;
        }
      } else {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
      }
    }
    console.log(JSON.stringify({ rows: format === "csv" ? rows - 1 : rows, bytes, seconds: (performance.now() - started) / 1000, firstByteMs }));
  })();
`;

/** One export read to its end by the client process, with this (the server's) process's memory sampled meanwhile. */
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
  const url = `${api.url}/api/v1/export/events?from=${range.from}&to=${range.to}&format=${format}`;
  const client = spawn(process.execPath, ["-e", CLIENT_SOURCE, url, api.readKey, format], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  client.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await once(client, "close");
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const seen = JSON.parse(output) as { error?: string; rows: number; bytes: number; seconds: number; firstByteMs: number };
  if (seen.error) throw new Error(`export answered ${seen.error}`);
  return { ...seen, rssBefore, rssPeak, heapPeak, buffersPeak };
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
