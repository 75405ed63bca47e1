/**
 * People deletion and retention on the 10M-event data set (bench/support/dataset.ts; × BENCH_SCALE), against
 * the real app over HTTP: DELETE /api/v1/people/{channel}/{userId} for the BENCH_CALLS users with the most
 * events (the worst case: their rows sit in every part), then, for comparison, one more user deleted with
 * `ALTER TABLE … DELETE` (mutations_sync) instead of lightweight deletes, and one retention run that drops
 * the data set's first day. Target on a 2-core machine: one deletion ≤ 5 s.
 * Every deleted row is saved first and written back at the end (through the rollup views), so a data set
 * kept in BENCH_DATA_DIR for the other benches stays the same size and content.
 *
 *   npx tsx bench/people.bench.ts
 *   BENCH_SCALE=0.01 npx tsx bench/people.bench.ts      smoke
 *   BENCH_DATA_DIR=/tmp/x …                              reuse the data set of api.bench.ts
 */
import os from "node:os";
import { z } from "zod";
import { PEOPLE_TABLES, PERSON_TABLES, applyProjectRetention, personRowCounts, runQuery, type PersonKey } from "@chatfunnel/warehouse";
import { BENCH_PROJECT, openBenchData, serveBenchApi } from "./support/bench-data.js";

const calls = Number(process.env.BENCH_CALLS ?? 5);
const { storage, range, events, users, close } = await openBenchData("people", process.env);
const { url, manageKey, close: closeApi } = await serveBenchApi(storage);
const db = storage.database;
const SAVED = "people_bench_saved_events";

const command = (query: string) => storage.client.command({ query, clickhouse_settings: { ...storage.querySettings, max_execution_time: 0 } });

const heavy = await runQuery(
  storage,
  `SELECT channel, user_id, count() AS n FROM ${db}.events WHERE project_id = {p:String} GROUP BY channel, user_id ORDER BY n DESC, channel, user_id LIMIT {k:UInt32}`,
  { p: BENCH_PROJECT, k: calls + 1 },
  z.object({ channel: z.string(), user_id: z.string(), n: z.coerce.number() }),
);
const people: PersonKey[] = heavy.map((row) => ({ projectId: BENCH_PROJECT, channel: row.channel, userId: row.user_id }));
const quoted = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
const personSql = (person: PersonKey) => `(channel = ${quoted(person.channel)} AND user_id = ${quoted(person.userId)})`;

// Kept aside to be written back: the people deleted below and the first day the retention run drops.
const firstDayEnd = new Date(Date.parse(range.from) + 86_400_000);
const cut = `toDateTime64('${firstDayEnd.toISOString().replace("T", " ").replace("Z", "")}', 3, 'UTC')`;
await command(`DROP TABLE IF EXISTS ${db}.${SAVED}`);
await command(`CREATE TABLE ${db}.${SAVED} AS ${db}.events ENGINE = MergeTree ORDER BY tuple()`);
await command(`INSERT INTO ${db}.${SAVED} SELECT * FROM ${db}.events WHERE project_id = '${BENCH_PROJECT}' AND (${people.map(personSql).join(" OR ")} OR ts < ${cut})`);

const rows: string[][] = [];
try {
  for (const [index, person] of people.entries()) {
    const viaAlter = index === people.length - 1;
    const started = performance.now();
    if (viaAlter) {
      for (const table of PERSON_TABLES) {
        await command(`ALTER TABLE ${db}.${table} DELETE WHERE project_id = '${BENCH_PROJECT}' AND ${personSql(person)} SETTINGS mutations_sync = 2`);
      }
    } else {
      const res = await fetch(`${url}/api/v1/people/${person.channel}/${encodeURIComponent(person.userId)}`, { method: "DELETE", headers: { Authorization: `Bearer ${manageKey}` } });
      if (res.status !== 200) throw new Error(`delete ${person.channel}/${person.userId}: ${res.status} ${await res.text()}`);
    }
    const ms = performance.now() - started;
    const left = Object.values(await personRowCounts(storage, person)).reduce((sum, n) => sum + n, 0);
    if (left !== 0) throw new Error(`${person.channel}/${person.userId}: ${left} rows left after the deletion`);
    const label = viaAlter ? "ALTER TABLE … DELETE, mutations_sync (comparison)" : "DELETE /api/v1/people (lightweight)";
    rows.push([label, `${person.channel}/${person.userId}`, String(heavy[index]!.n), ms.toFixed(0), viaAlter ? "-" : ms <= 5000 ? "5000 met" : "5000 MISSED"]);
    console.log(`  ${label} ${person.channel}/${person.userId} (${heavy[index]!.n} events): ${ms.toFixed(0)} ms`);
  }
  const started = performance.now();
  const run = await applyProjectRetention(storage, BENCH_PROJECT, firstDayEnd.getTime());
  const retentionMs = performance.now() - started;
  rows.push(["retention run dropping the first day", "-", String(run.events), retentionMs.toFixed(0), "-"]);
  console.log(`  retention run: ${run.events} events in ${retentionMs.toFixed(0)} ms`);
} finally {
  // Written back through the views, so every rollup row comes back; the bench's own records go.
  await command(`INSERT INTO ${db}.events SELECT * FROM ${db}.${SAVED}`);
  await command(`DROP TABLE IF EXISTS ${db}.${SAVED}`);
  for (const table of [PEOPLE_TABLES.tombstones, PEOPLE_TABLES.deletions]) await command(`DELETE FROM ${db}.${table} WHERE project_id = '${BENCH_PROJECT}'`);
}

const header = ["operation", "person", "rows", "ms", "target ms"];
const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
const line = (cells: string[]) => cells.map((cell, index) => (index < 2 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join("  ");
console.log(`\nload average while measuring: ${os.loadavg().map((load) => load.toFixed(1)).join(" ")} on ${os.cpus().length} cores (other processes share this machine)`);
console.log(`people: ${events.toLocaleString("en")} events, ${users.toLocaleString("en")} users, range ${range.from} → ${range.to}; the ${calls} users with most events deleted one by one`);
console.log(line(header));
for (const row of rows) console.log(line(row));

await closeApi();
await close();
