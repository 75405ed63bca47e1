import { loadConfig } from "@chatfunnel/schemas";
import { startEmbedded } from "../server/embedded.js";

const config = loadConfig(process.env);
const embedded = await startEmbedded(config);
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
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    embedded.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
