import fs from "node:fs";
import path from "node:path";
import { builtinModules } from "node:module";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The packages show the architecture only if each one says what it uses: a package imported but not
// declared works by accident of hoisting, and a relative import out of a workspace hides a dependency.
const root = path.resolve(import.meta.dirname, "../..");

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Workspace {
  dir: string;
  manifest: Manifest;
  /** Every module specifier in src/, with the file that names it. */
  imports: { file: string; specifier: string }[];
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : sourceFiles(full);
    return /\.(ts|tsx|mts)$/.test(entry.name) ? [full] : [];
  });
}

function loadWorkspaces(): Workspace[] {
  const { workspaces } = readJson<{ workspaces: string[] }>(path.join(root, "package.json"));
  return workspaces.map((dir) => ({
    dir,
    manifest: readJson<Manifest>(path.join(root, dir, "package.json")),
    imports: sourceFiles(path.join(root, dir, "src")).flatMap((file) => {
      const text = fs.readFileSync(file, "utf8");
      // preProcessFile sees static imports, re-exports, `import type` and dynamic import(); a package
      // located with require.resolve (the dashboard's built files) is a dependency too.
      const imported = ts.preProcessFile(text, true, true).importedFiles.map((ref) => ref.fileName);
      const resolved = [...text.matchAll(/(?:\brequire|\bcreateRequire\([^)]*\))\.resolve\(\s*"([^".][^"]*)"/g)].map((match) => match[1]!);
      return [...imported, ...resolved].map((specifier) => ({ file, specifier }));
    }),
  }));
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

const builtins = new Set(builtinModules);
const isBuiltin = (specifier: string): boolean => specifier.startsWith("node:") || builtins.has(packageOf(specifier));

const declared = (manifest: Manifest): Set<string> =>
  new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);

const workspaces = loadWorkspaces();
const workspaceNames = new Set(workspaces.map((ws) => ws.manifest.name));

describe("workspace manifests", () => {
  it("finds the workspaces and their sources", () => {
    expect(workspaces.length).toBeGreaterThanOrEqual(10);
    for (const ws of workspaces) expect(ws.imports.length, ws.dir).toBeGreaterThan(0);
  });

  it("every package a workspace's src imports is declared in its package.json", () => {
    const missing: string[] = [];
    for (const ws of workspaces) {
      const deps = declared(ws.manifest);
      for (const { file, specifier } of ws.imports) {
        if (specifier.startsWith(".") || isBuiltin(specifier)) continue;
        if (!deps.has(packageOf(specifier))) missing.push(`${path.relative(root, file)} imports ${specifier}, not declared in ${ws.dir}/package.json`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("no relative import leaves its workspace", () => {
    const escapes: string[] = [];
    for (const ws of workspaces) {
      const home = path.join(root, ws.dir) + path.sep;
      for (const { file, specifier } of ws.imports) {
        if (!specifier.startsWith(".")) continue;
        const target = path.resolve(path.dirname(file), specifier);
        if (!target.startsWith(home)) escapes.push(`${path.relative(root, file)} imports ${specifier} (outside ${ws.dir}/)`);
      }
    }
    expect(escapes).toEqual([]);
  });

  it("runtime dependencies are all used, workspaces as \"*\"", () => {
    const problems: string[] = [];
    for (const ws of workspaces) {
      const used = new Set(ws.imports.filter(({ specifier }) => !specifier.startsWith(".") && !isBuiltin(specifier)).map(({ specifier }) => packageOf(specifier)));
      for (const [name, range] of Object.entries(ws.manifest.dependencies ?? {})) {
        if (!used.has(name)) problems.push(`${ws.dir} declares ${name} but its src never imports it`);
        if (workspaceNames.has(name) && range !== "*") problems.push(`${ws.dir} depends on workspace ${name} as ${range}, not "*"`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("workspace dependencies form no cycle", () => {
    const edges = new Map(workspaces.map((ws) => [ws.manifest.name, Object.keys(ws.manifest.dependencies ?? {}).filter((name) => workspaceNames.has(name))]));
    const cycles: string[] = [];
    const visit = (name: string, trail: string[]): void => {
      if (trail.includes(name)) {
        cycles.push([...trail.slice(trail.indexOf(name)), name].join(" → "));
        return;
      }
      for (const next of edges.get(name) ?? []) visit(next, [...trail, name]);
    };
    for (const name of edges.keys()) visit(name, []);
    expect(cycles).toEqual([]);
  });
});
