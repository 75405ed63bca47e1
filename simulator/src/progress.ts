import type { SimulateProgress, SimulateResult } from "./simulate.js";

/** One line, rewritten in place on a terminal: `42.0 % · 41,200 / 100,000 events · 18,300 ev/s`. */
export function progressLine(p: SimulateProgress): string {
  const fmt = (n: number) => n.toLocaleString("en-US");
  return `simulate: ${p.percent.toFixed(1).padStart(5)} % · ${fmt(p.accepted)} / ${fmt(p.total)} events stored · ${fmt(p.eventsPerSecond)} ev/s · ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

export function printProgress(stream: NodeJS.WriteStream, p: SimulateProgress): void {
  if (stream.isTTY) stream.write(`\r${progressLine(p)}\u001b[K`);
  else stream.write(`${progressLine(p)}\n`);
}

export function summary(result: SimulateResult): string {
  const e = result.events;
  const lines = [
    `events: ${e.generated} generated, ${e.accepted} accepted, ${e.rejected} rejected, ${e.dropped} dropped in ${(result.durationMs / 1000).toFixed(1)} s (${result.eventsPerSecond} ev/s)`,
    result.spend.error ? `spend: NOT imported (${result.spend.error})` : `spend: ${result.spend.imported} of ${result.spend.rows} rows imported`,
    ...result.rejectionSamples.map((s) => `  rejected: ${s}`),
  ];
  return lines.join("\n");
}
