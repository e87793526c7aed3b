import { afterAll, describe, expect, test } from "@jest/globals";
import { resolve } from "node:path";
import { loadConfigFromFile } from "@prisma/config";
import { SERVICES, servicePaths, type ServiceName } from "../services.js";

/**
 * Each service's prisma.config.ts is what the standard Prisma CLI reads (`prisma migrate deploy`,
 * `prisma migrate status`, `prisma generate`): it must point at the same schema and migrations
 * as infra/db, and take the connection URL from DATABASE_URL (docs/adr/0001). Loaded here with
 * Prisma's own loader.
 */
const URL_FOR_TEST = "postgresql://postgres@127.0.0.1:5432/prisma_config_check";
const previous = process.env.DATABASE_URL;
process.env.DATABASE_URL = URL_FOR_TEST;

afterAll(() => {
  if (previous === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = previous;
});

describe("prisma.config.ts of every service", () => {
  test.each([...SERVICES])("%s: schema, migrations and DATABASE_URL", async (service: ServiceName) => {
    const paths = servicePaths(service);
    const loaded = await loadConfigFromFile({ configRoot: paths.dir });
    expect(loaded.error).toBeUndefined();
    expect(loaded.resolvedPath).toBe(resolve(paths.dir, "prisma.config.ts"));
    const config = loaded.config;
    expect(resolve(paths.dir, config?.schema ?? "")).toBe(paths.schema);
    expect(resolve(paths.dir, config?.migrations?.path ?? "")).toBe(paths.migrations);
    expect(config?.datasource?.url).toBe(URL_FOR_TEST);
  });
});
