/**
 * Prisma's schema engine compiled to wasm (@prisma/schema-engine-wasm), talking to PostgreSQL through
 * @prisma/adapter-pg. Used for what only the engine knows: the SQL that turns one schema into another.
 *
 * The package's entry point does `import * as wasm from "./schema_engine_bg.wasm"`, which Node 20 only
 * accepts under --experimental-wasm-modules (and jest's vm loader not at all). We import its JS glue
 * (the "./schema_engine_bg" export) instead and instantiate the .wasm file ourselves, exactly as the
 * entry point would, so this works in a plain `tsx`/`node` process on Node 20, 22 and 24 without flags.
 * (Don't also import the package's entry point in the same process: both would install their own wasm
 * instance into the one glue module.)
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaContainer, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

export type { MigrationList, SchemaContainer, SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

/** The part of the WebAssembly JS API used here; the repo's lib ("ES2023") and @types/node 20 don't declare it. */
interface WebAssemblyApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, object>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let wasmLoaded: Promise<void> | undefined;

/** Instantiates the engine once per process; the glue module holds a single wasm instance. */
function loadSchemaEngineWasm(): Promise<void> {
  wasmLoaded ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmBytes = await readFile(join(dirname(gluePath), "schema_engine_bg.wasm"));
    // The module's imports all come from the glue file, under the specifier its entry point uses.
    const { instance } = await webAssembly.instantiate(wasmBytes, { "./schema_engine_bg.js": engineBindings });
    engineBindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  wasmLoaded.catch(() => {
    wasmLoaded = undefined; // let a later call retry
  });
  return wasmLoaded;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

type UntypedQuery = (...args: unknown[]) => unknown;

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

function relabelCharColumnsAsText(result: unknown): unknown {
  for (const single of Array.isArray(result) ? result : [result]) {
    const fields = (single as { fields?: { dataTypeID: number }[] } | null | undefined)?.fields ?? [];
    for (const field of fields) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

/**
 * adapter-pg 7.10 rejects PostgreSQL's internal one-byte `"char"` type (OID 18) as an unsupported column
 * type, but the engine's schema describer selects such columns (e.g. pg_constraint.contype). pg already
 * returns their values as strings, so we relabel those columns as text before adapter-pg sees them.
 */
function relabelCharColumnsOf(client: pg.PoolClient): void {
  // query() has a dozen overloads (promise, callback, submittable); this wrapper only forwards arguments.
  const queryable = client as unknown as { query: UntypedQuery };
  const originalQuery = queryable.query.bind(client);
  queryable.query = (...args) => {
    const callback = args.at(-1);
    if (typeof callback === "function") {
      return originalQuery(...args.slice(0, -1), (error: unknown, result: unknown) =>
        callback(error, relabelCharColumnsAsText(result)),
      );
    }
    const returned = originalQuery(...args);
    return isThenable(returned) ? returned.then(relabelCharColumnsAsText) : returned;
  };
}

function createPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on("connect", relabelCharColumnsOf);
  pool.on("error", () => {}); // idle clients lose their connection when the scratch database is dropped
  return pool;
}

function ignoreEngineLog(): void {
  // The engine reports tracing events as JSON lines; failures arrive as rejected promises instead.
}

/**
 * Runs `use` with a schema engine whose connections — main and shadow alike — go to `databaseUrl`,
 * which must be a scratch database: the engine applies migrations to its "shadow" connection. (We do
 * not use adapter-pg's own connectToShadowDb: given a connection string, it creates a random database
 * but then connects to the main one.) The engine and its connections are released afterwards.
 */
export async function withSchemaEngine<T>(
  options: { databaseUrl: string; schemaFiles: SchemaContainer[] },
  use: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadSchemaEngineWasm();
  const pools: pg.Pool[] = [];
  const connect = async () => {
    const pool = createPool(options.databaseUrl);
    pools.push(pool);
    return new PrismaPg(pool).connect();
  };
  const adapterFactory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect,
    connectToShadowDb: connect,
  };
  let engine: SchemaEngine | undefined;
  try {
    engine = await engineBindings.SchemaEngine.new(
      { datamodels: options.schemaFiles.map((file): [string, string] => [file.path, file.content]) },
      ignoreEngineLog,
      bindMigrationAwareSqlAdapterFactory(adapterFactory),
    );
    return await use(engine);
  } finally {
    engine?.free();
    await Promise.all(pools.map((pool) => pool.end()));
  }
}
