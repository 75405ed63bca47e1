import { parseArgs } from "node:util";
import { z } from "zod";
import { simulate } from "./simulate.js";
import { printProgress, summary } from "./progress.js";

const DemoArgsSchema = z.object({
  demo: z.boolean().default(false),
  events: z.coerce.number().int().min(1).max(100_000_000).default(200_000),
  days: z.coerce.number().int().min(1).max(3650).default(30),
});
export type DemoArgs = z.infer<typeof DemoArgsSchema>;

/** `--demo [--demo-events 200000] [--demo-days 30]`; other flags are the server's business. */
export function parseDemoArgs(argv: string[]): DemoArgs {
  const { values } = parseArgs({
    args: argv,
    options: { demo: { type: "boolean" }, "demo-events": { type: "string" }, "demo-days": { type: "string" } },
    strict: false,
  });
  const parsed = DemoArgsSchema.safeParse({ demo: values.demo === true, events: values["demo-events"], days: values["demo-days"] });
  if (!parsed.success) throw new Error(`invalid demo flags: ${parsed.error.issues.map((i) => `--demo-${String(i.path[0])}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * Fills a freshly started server with a month of believable traffic through the SDK. The seed
 * is fixed, so running the demo again on the same data the same day mostly overwrites itself.
 */
export async function runDemo(target: { url: string; writeKey: string; manageKey: string }, args: DemoArgs, stream: NodeJS.WriteStream): Promise<void> {
  stream.write(`demo: sending ${args.events.toLocaleString("en-US")} simulated events over ${args.days} days through the SDK…\n`);
  const result = await simulate({ ...target, days: args.days, seed: 42, events: args.events, onProgress: (p) => printProgress(stream, p) });
  stream.write(`\n${summary(result)}\n`);
}
