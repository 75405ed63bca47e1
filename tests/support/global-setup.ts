import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** One scratch directory per run; each test process makes its own chDB data dir inside it. */
export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chatfunnel-tests-"));
  process.env.CHATFUNNEL_TEST_ROOT = root;
  return () => fs.rmSync(root, { recursive: true, force: true });
}
