/**
 * Builds the publishable package into sdk/dist (publish with `npm publish sdk/dist`):
 * - index.js (ESM) and index.cjs bundled by esbuild, with no imports at all: the schema types
 *   are type-only imports and vanish, so zod never becomes a runtime dependency; @chatfunnel/contract
 *   (plain constants and grammars, no dependencies) is bundled in;
 * - .d.ts files from tsc, where every type taken from @chatfunnel/schemas is replaced by its
 *   resolved structural form in schemas.d.ts (written by the type checker), so the published
 *   types are the collector's own contract without zod; the contract's own .d.ts go to contract/;
 * - package.json without dependencies, and the README.
 * Run: npm run build -w sdk
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ts from "typescript";

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = path.join(sdkDir, "src");
const defaultDistDir = path.join(sdkDir, "dist");
const SCHEMAS = "@chatfunnel/schemas";
/** Bundled in: the collector's plain contract, which has no dependencies of its own. */
const contractDir = path.resolve(sdkDir, "..", "contract", "src");

/** Builds into sdk/dist, or into `distDir` (a test installs it outside the monorepo to prove it stands alone). */
export async function buildSdk(distDir: string = defaultDistDir): Promise<{ distDir: string }> {
  fs.rmSync(distDir, { recursive: true, force: true });
  fs.mkdirSync(distDir, { recursive: true });
  await bundle(distDir);
  emitDeclarations(distDir);
  writeManifest(distDir);
  checkDeclarationsStandalone(distDir);
  return { distDir };
}

async function bundle(distDir: string): Promise<void> {
  const common = {
    absWorkingDir: sdkDir,
    entryPoints: [path.join(srcDir, "index.ts")],
    bundle: true,
    platform: "neutral" as const,
    target: "es2020",
    sourcemap: true,
    legalComments: "none" as const,
    logLevel: "warning" as const,
  };
  for (const [format, file] of [["esm", "index.js"], ["cjs", "index.cjs"]] as const) {
    const result = await build({ ...common, format, outfile: path.join(distDir, file), metafile: true });
    // The proof of "no runtime dependencies": every bundled input is the SDK's own source or the
    // contract's, and the output imports nothing.
    const inside = (input: string) => [srcDir, contractDir].some((dir) => path.resolve(sdkDir, input).startsWith(dir + path.sep));
    const foreign = Object.keys(result.metafile.inputs).filter((input) => !inside(input));
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    if (foreign.length > 0 || imports.length > 0) {
      throw new Error(`${file} depends on something outside the SDK: ${[...foreign, ...imports].join(", ")}`);
    }
  }
}

function compilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    types: [],
  };
}

/** Emits .d.ts for the SDK's own files and the contract's, and inlines the schema types they name. */
function emitDeclarations(distDir: string): void {
  const sdkFiles = listTs(srcDir);
  const contractFiles = listTs(contractDir);
  const program = ts.createProgram([...sdkFiles, ...contractFiles], compilerOptions());
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && (d.file.fileName.startsWith(srcDir) || d.file.fileName.startsWith(contractDir)));
  if (diagnostics.length > 0) throw new Error(ts.formatDiagnostics(diagnostics, formatHost));
  const imported = new Set<string>();
  const files = [...sdkFiles.map((file) => ({ file, out: path.join(distDir, path.relative(srcDir, file)) })), ...contractFiles.map((file) => ({ file, out: path.join(distDir, "contract", path.relative(contractDir, file)) }))];
  for (const { file, out: outTs } of files) {
    const source = program.getSourceFile(file)!;
    program.emit(
      source,
      (fileName, text) => {
        const out = outTs.replace(/\.ts$/, ".d.ts");
        const relativeTo = (target: string) => {
          const to = path.relative(path.dirname(out), path.join(distDir, target)).replace(/\\/g, "/");
          return to.startsWith(".") ? to : `./${to}`;
        };
        const rewritten = text
          .replace(/from "@chatfunnel\/schemas"/g, () => `from "${relativeTo("schemas.js")}"`)
          .replace(/from "@chatfunnel\/contract"/g, () => `from "${relativeTo("contract/index.js")}"`);
        for (const match of text.matchAll(/import type \{([^}]+)\} from "@chatfunnel\/schemas"/g)) {
          for (const name of match[1]!.split(",")) imported.add(name.trim());
        }
        fs.mkdirSync(path.dirname(out), { recursive: true });
        if (fileName.endsWith(".d.ts")) fs.writeFileSync(out, rewritten);
      },
      undefined,
      true,
    );
  }
  fs.writeFileSync(path.join(distDir, "schemas.d.ts"), inlineSchemaTypes(program, [...imported].sort()));
}

/** Each schema type as the checker resolves it: plain object and union types, no zod. */
function inlineSchemaTypes(program: ts.Program, names: string[]): string {
  const checker = program.getTypeChecker();
  const schemasEntry = program.getSourceFiles().find((f) => f.fileName.endsWith(path.join("schemas", "src", "index.ts")));
  if (!schemasEntry) throw new Error(`${SCHEMAS} was not part of the program`);
  const moduleSymbol = checker.getSymbolAtLocation(schemasEntry)!;
  const exports = new Map(checker.getExportsOfModule(moduleSymbol).map((symbol) => [symbol.name, symbol]));
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias | ts.TypeFormatFlags.UseFullyQualifiedType;
  const lines = [
    "// Generated by sdk/scripts/build.ts from @chatfunnel/schemas (the collector's zod schemas):",
    "// the same contract, resolved to plain types so the SDK needs no zod.",
    "",
  ];
  for (const name of names) {
    let symbol = exports.get(name);
    if (!symbol) throw new Error(`${SCHEMAS} does not export ${name}`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const text = checker.typeToString(type, undefined, flags);
    if (/\bz\.|zod|\$|ZodType|import\(/.test(text)) throw new Error(`could not inline ${name}: ${text}`);
    lines.push(`export type ${name} = ${text};`, "");
  }
  return lines.join("\n");
}

function writeManifest(distDir: string): void {
  const source = JSON.parse(fs.readFileSync(path.join(sdkDir, "package.json"), "utf8")) as Record<string, unknown>;
  const manifest = {
    name: source["name"],
    version: source["version"],
    description: source["description"],
    license: source["license"],
    keywords: source["keywords"],
    type: "module",
    sideEffects: false,
    engines: source["engines"],
    main: "./index.cjs",
    module: "./index.js",
    types: "./index.d.ts",
    exports: { ".": { types: "./index.d.ts", import: "./index.js", require: "./index.cjs" } },
  };
  fs.writeFileSync(path.join(distDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const readme = path.join(sdkDir, "README.md");
  if (fs.existsSync(readme)) fs.copyFileSync(readme, path.join(distDir, "README.md"));
}

/** The published types must compile on their own: no path back into the monorepo. */
function checkDeclarationsStandalone(distDir: string): void {
  const entry = path.join(distDir, "index.d.ts");
  const program = ts.createProgram([entry], { ...compilerOptions(), noEmit: true, skipLibCheck: false, emitDeclarationOnly: false, declaration: false });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) throw new Error(`dist/index.d.ts does not compile standalone:\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
  const outside = program.getSourceFiles().filter((f) => !f.fileName.startsWith(distDir) && !f.isDeclarationFile);
  const leaked = program.getSourceFiles().filter((f) => !f.fileName.startsWith(distDir) && !/typescript[\\/]lib/.test(f.fileName));
  if (outside.length > 0 || leaked.length > 0) throw new Error(`dist types reach outside dist: ${[...outside, ...leaked].map((f) => f.fileName).join(", ")}`);
}

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listTs(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => sdkDir,
  getNewLine: () => "\n",
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { distDir: out } = await buildSdk();
  const size = fs.statSync(path.join(out, "index.js")).size;
  process.stdout.write(`built ${path.relative(process.cwd(), out)} (index.js ${(size / 1024).toFixed(1)} KiB, no runtime dependencies)\n`);
}
