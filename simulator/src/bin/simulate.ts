/**
 * Realistic multi-channel traffic through the SDK into a running collector:
 *   npm run simulate -- --days 30 --seed 42 --events 100000 --url http://127.0.0.1:8080 --write-key … --manage-key …
 * Progress goes to stderr, the summary to stdout; the exit code is 1 when events were lost.
 */
import { loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { parseSimulateArgs } from "../args.js";
import { simulate } from "../simulate.js";
import { printProgress, summary } from "../progress.js";

const config = loadConfigFromEnvironment();
let args;
try {
  args = parseSimulateArgs(process.argv.slice(2), { writeKey: config.CHATFUNNEL_WRITE_KEY, manageKey: config.CHATFUNNEL_MANAGE_KEY });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
process.stderr.write(`simulate: ${args.events} events over ${args.days} days (seed ${args.seed}) → ${args.url}\n`);
const result = await simulate({ ...args, onProgress: (p) => printProgress(process.stderr, p) });
process.stderr.write("\n");
process.stdout.write(`${summary(result)}\n`);
process.exitCode = result.events.accepted + result.events.rejected === result.events.generated ? 0 : 1;
