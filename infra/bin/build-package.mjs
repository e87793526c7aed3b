#!/usr/bin/env node
// `npm run build` for one package (turbo runs it in each package's folder): its TypeScript,
// file by file, to JavaScript in dist/ with the same layout, plus every other file there (the SDL
// .graphql files, Kafka's pom.xml…), which the code reads relative to itself. Production then runs
// `node --conditions=built dist/server.js`: no tsx, no compiling at start (docs/adr/0018).
//
// Transpiling alone is enough because every file is already one module (isolatedModules,
// verbatimModuleSyntax); types are checked by `turbo run typecheck`, not here. No bundling:
// each package keeps resolving its own dependencies from its own node_modules (pnpm's strict
// layout), and workspace packages through their `built` export condition.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const packageDir = process.cwd();
// Packages keep their code in src/; infra has its folders at the top.
const sourceDir = existsSync(join(packageDir, "src")) ? join(packageDir, "src") : packageDir;
const outDir = join(packageDir, "dist");
/** Never built: tests, and (for infra) what is not code it runs. */
const SKIPPED_NAMES = new Set(["node_modules", "dist", ".turbo", "bin", "package.json", "tsconfig.json"]);
const isTest = (name) => /\.test\.[cm]?ts$/.test(name);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_NAMES.has(entry.name) || isTest(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

const started = Date.now();
const files = walk(sourceDir);
const sources = files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"));
const assets = files.filter((file) => !file.endsWith(".ts"));

rmSync(outDir, { recursive: true, force: true }); // nothing left over from a file since deleted
await build({
  entryPoints: sources,
  outdir: outDir,
  outbase: sourceDir,
  bundle: false,
  platform: "node",
  format: "esm",
  target: "node20.19",
  // Stack traces name the TypeScript lines under `node --enable-source-maps`.
  sourcemap: true,
  logLevel: "warning",
});
for (const asset of assets) {
  const target = join(outDir, relative(sourceDir, asset));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(asset, target);
}
const { name } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
console.log(`${name}: ${sources.length} files, ${assets.length} other files → dist/ in ${Date.now() - started} ms`);
