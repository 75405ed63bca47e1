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
    // The dashboard link carries the manage key: it is the owner's, and the dashboard creates and deletes links.
    `  Dashboard:  ${embedded.url}/#key=${embedded.keys.manageKey}`,
    `  View only:  ${embedded.url}/#key=${embedded.keys.readKey}`,
    `  Write key:  ${embedded.keys.writeKey}`,
    `  Read key:   ${embedded.keys.readKey}`,
    `  Manage key: ${embedded.keys.manageKey}  (reads, and imports spend, edits links)`,
    `  Admin token: ${embedded.adminToken}  (/admin/v1: projects and keys)`,
    `  Send events: curl -X POST ${embedded.url}/v1/events -H 'Authorization: Bearer ${embedded.keys.writeKey}' -H 'Content-Type: application/json' -d @events.json`,
    // The dashboard is up at once; the figures grow while the demo's events arrive (progress on stderr).
    ...(demo.demo ? ["  Demo data is loading: the dashboard fills in as it arrives; the link is printed again when it is all in."] : []),
    "",
  ].join("\n"),
);
// `npm start -- --demo [--demo-events N]`: fill the product with simulated traffic through the SDK.
if (demo.demo) {
  // The simulator's "read key" imports spend: an editor action, so it gets the manage key.
  await runDemo({ url: embedded.url, writeKey: embedded.keys.writeKey, manageKey: embedded.keys.manageKey }, demo, process.stderr);
  process.stdout.write(`\nDemo data is in. Dashboard: ${embedded.url}/#key=${embedded.keys.manageKey}\n`);
}
