import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface SmallDisk {
  dir: string;
  /** Writes a filler file until the disk has no byte left (ENOSPC). */
  fill(): void;
  /** Deletes the filler file. */
  free(): void;
  unmount(): void;
}

/**
 * A real small file system (tmpfs, `mount -t tmpfs -o size=…`) for full-disk tests. CI runs as root;
 * where mounting is not permitted the test fails saying so, it never skips.
 */
export function mountSmallDisk(label: string, sizeMiB = 64): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`full-disk tests need to mount a small tmpfs (as root, like CI): mount -t tmpfs ${dir} failed: ${stderr || (error as Error).message}`);
  }
  const filler = path.join(dir, "filler");
  return {
    dir,
    fill() {
      const chunk = Buffer.alloc(1024 * 1024);
      const fd = fs.openSync(filler, "a");
      try {
        for (let size = chunk.length; size >= 1; ) {
          try {
            fs.writeSync(fd, chunk, 0, size);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
            size = Math.floor(size / 2);
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    unmount() {
      try {
        execFileSync("umount", [dir], { stdio: "pipe" });
      } catch {
        // Something still holds a file open (a child that did not exit): detach now, freed when closed.
        execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      }
      fs.rmdirSync(dir);
    },
  };
}
