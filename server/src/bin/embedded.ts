import { loadConfigFromEnvironment } from "@chatfunnel/schemas";
import { nodeProgram } from "@chatfunnel/core";
import { DEFAULT_DASHBOARD_DIR, startEmbedded } from "../embedded.js";
import { parseDemoArgs, runDemo } from "@chatfunnel/simulator";

const config = loadConfigFromEnvironment();
const demo = parseDemoArgs(process.argv.slice(2));
const embedded = await startEmbedded(config, DEFAULT_DASHBOARD_DIR, { host: nodeProgram });
process.stdout.write(
  [
    "",
    `Chatfunnel is running (embedded, data in ${config.DATA_DIR})`,
    `  Dashboard:  ${embedded.url}/#key=${embedded.keys.readKey}`,
    `  Write key:  ${embedded.keys.writeKey}`,
    `  Read key:   ${embedded.keys.readKey}`,
    `  Send events: curl -X POST ${embedded.url}/v1/events -H 'Authorization: Bearer ${embedded.keys.writeKey}' -H 'Content-Type: application/json' -d @events.json`,
    "",
  ].join("\n"),
);
// `npm start -- --demo [--demo-events N]`: fill the product with simulated traffic through the SDK.
if (demo.demo) {
  await runDemo({ url: embedded.url, ...embedded.keys }, demo, process.stderr);
  process.stdout.write(`\nDemo data is in. Dashboard: ${embedded.url}/#key=${embedded.keys.readKey}\n`);
}
