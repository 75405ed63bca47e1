import { parseArgs } from "node:util";
import { z } from "zod";

export const SimulateArgsSchema = z.object({
  days: z.coerce.number().int().min(1).max(3650).default(30),
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(42),
  events: z.coerce.number().int().min(1).max(1_000_000_000).default(100_000),
  url: z.url().default("http://127.0.0.1:8080"),
  writeKey: z.string().min(1, "is required (--write-key or CHATFUNNEL_WRITE_KEY)"),
  manageKey: z.string().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(64).default(4),
});
export type SimulateArgs = z.infer<typeof SimulateArgsSchema>;

export const USAGE = `usage: npm run simulate -- [--days 30] [--seed 42] [--events 100000] [--url http://127.0.0.1:8080]
                         --write-key <key> [--manage-key <key>] [--concurrency 4]
Keys default to CHATFUNNEL_WRITE_KEY / CHATFUNNEL_MANAGE_KEY. Spend import is an editor action: without a manage key, spend is not imported.`;

/** Parses argv (flags after `--`), with keys falling back to the ones from the environment. */
export function parseSimulateArgs(argv: string[], keys: { writeKey?: string; manageKey?: string }): SimulateArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      days: { type: "string" },
      seed: { type: "string" },
      events: { type: "string" },
      url: { type: "string" },
      "write-key": { type: "string" },
      "manage-key": { type: "string" },
      concurrency: { type: "string" },
    },
    strict: true,
  });
  const parsed = SimulateArgsSchema.safeParse({
    days: values.days,
    seed: values.seed,
    events: values.events,
    url: values.url,
    writeKey: values["write-key"] ?? keys.writeKey,
    manageKey: values["manage-key"] ?? keys.manageKey,
    concurrency: values.concurrency,
  });
  if (!parsed.success) {
    throw new Error(`${parsed.error.issues.map((i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join("\n")}\n${USAGE}`);
  }
  return parsed.data;
}
