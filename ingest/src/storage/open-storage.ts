import type { Config } from "@chatfunnel/schemas";
import type { Logger } from "../observability/logger.js";
import { createStorage, type Storage } from "./clickhouse.js";
import { migrate } from "./migrations.js";

/** Every process starts the same way: connect (chDB or a server), then bring the schema up to date. */
export async function openStorage(config: Config, logger: Logger): Promise<Storage> {
  const storage = createStorage(config);
  const applied = await migrate(storage);
  if (applied.length > 0) logger.info("migrations applied", { versions: applied });
  return storage;
}
