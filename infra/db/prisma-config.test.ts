import { describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT, SERVICES, servicePaths, type ServiceName } from "../services.js";

/**
 * Each service's prisma.config.ts is what the standard Prisma CLI reads (`prisma migrate deploy`,
 * `prisma migrate status`, `prisma generate`): it must point at the same schema and migrations
 * as infra/db and take the connection URL from DATABASE_URL, and still load without it (for
 * `prisma generate`). Loaded with Prisma's own loader in a child process, which gets exactly the
 * environment given (docs/adr/0001).
 */
const LOAD = `
import { loadConfigFromFile } from "@prisma/config";
const loaded = await loadConfigFromFile({ configRoot: process.argv[1] });
console.log(JSON.stringify({
  resolvedPath: loaded.resolvedPath,
  error: loaded.error ? String(loaded.error.error ?? loaded.error._tag) : null,
  schema: loaded.config?.schema ?? null,
  migrations: loaded.config?.migrations?.path ?? null,
  url: loaded.config?.datasource?.url ?? null,
}));
`;

interface Loaded {
  resolvedPath: string | null;
  error: string | null;
  schema: string | null;
  migrations: string | null;
  url: string | null;
}

async function loadConfig(dir: string, databaseUrl?: string): Promise<Loaded> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", LOAD, dir], {
    cwd: `${REPO_ROOT}/infra`,
    env: { PATH: process.env.PATH ?? "", ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Loaded;
}

describe("prisma.config.ts of every service", () => {
  test.each([...SERVICES])(
    "%s: schema, migrations and DATABASE_URL; loads without it",
    async (service: ServiceName) => {
      const paths = servicePaths(service);
      const url = `postgresql://postgres@127.0.0.1:5432/support_${service}`;
      const loaded = await loadConfig(paths.dir, url);
      expect(loaded).toMatchObject({ resolvedPath: resolve(paths.dir, "prisma.config.ts"), error: null, url });
      expect(resolve(paths.dir, loaded.schema ?? "")).toBe(paths.schema);
      expect(resolve(paths.dir, loaded.migrations ?? "")).toBe(paths.migrations);

      expect(await loadConfig(paths.dir)).toMatchObject({ error: null, url: null });
    },
  );
});
