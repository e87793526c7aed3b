import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

const require = createRequire(import.meta.url);
const jsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
console.log(jsPath);
const wasmPath = new URL("./schema_engine_bg.wasm", "file://" + jsPath);
const bytes = await readFile(wasmPath);
const { instance } = await WebAssembly.instantiate(bytes, { "./schema_engine_bg.js": bg as any });
(bg as any).__wbg_set_wasm(instance.exports);
(instance.exports as any).__wbindgen_start();
console.log("version", bg.version());

const schema = `datasource db {
  provider = "postgresql"
}

model Note {
  id    Int    @id @default(autoincrement())
  title String
}
`;
const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPg("postgresql://postgres@127.0.0.1:5432/postgres"));
const engine = await bg.SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, (log: string) => console.log("LOG", log), factory);
const r = await engine.diff({ from: { tag: "empty" }, to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema }] }, script: true, exitCode: null, filters: { externalTables: [], externalEnums: [] } });
console.log(r);
const mig = { baseDir: "/tmp/nomig", lockfile: { path: "migration_lock.toml", content: "provider = \"postgresql\"\n" }, shadowDbInitScript: "", migrationDirectories: [{ path: "20240101000000_init", migrationFile: { path: "migration.sql", content: { tag: "ok" as const, value: r.stdout! } } }] };
const t0 = Date.now();
const r2 = await engine.diff({ from: { tag: "migrations", ...mig }, to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema.replace("title String", "title String\n body String?") }] }, script: true, exitCode: null, filters: { externalTables: [], externalEnums: [] } });
console.log(r2, Date.now() - t0);
engine.free();
