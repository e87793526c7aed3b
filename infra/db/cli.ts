/**
 * Migrations for the services' databases, without Prisma's native schema engine. From the repo root:
 *
 *   tsx infra/db/cli.ts deploy [service...]      apply pending migrations (default: all services)
 *   tsx infra/db/cli.ts create <service> <name>  write a migration for schema.prisma's changes
 *   tsx infra/db/cli.ts check [service...]       exit 1 when migrations and schema.prisma disagree
 *   tsx infra/db/cli.ts roles [--print] [service...]  create/update each service's owner and runtime roles
 *                                                and grants (docs/adr/0014); --print writes the SQL instead
 *
 * deploy also sets up the roles: it creates the database, prepares its roles, applies the migrations
 * as the owner role and then grants the runtime role its rights.
 * The server is env POSTGRES_URL, else DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres). No Node flags
 * are needed: schema-engine.ts loads the engine's wasm itself.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import {
  databaseNameFor,
  databaseUrlFor,
  isServiceName,
  REPO_ROOT,
  SERVICES,
  servicePaths,
  type ServiceName,
} from "../services.js";
import { applyMigrations, checkMigrations, createMigration, ensureDatabase, MigrationError } from "./migrations.js";
import { rolesFor, rolesScript, withDatabaseRoles } from "./roles.js";

const DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

const USAGE = `Usage: tsx infra/db/cli.ts <command>
  deploy [service...]      apply pending migrations (default: all services)
  create <service> <name>  write a migration for the service's schema.prisma changes
  check [service...]       exit 1 when a service's migrations don't match its schema.prisma
  roles [--print] [service...]
                           create or update each service's roles and grants (docs/adr/0014);
                           --print writes the SQL (for psql) instead of running it
Services: ${SERVICES.join(", ")}. Server: env POSTGRES_URL, else DATABASE_URL (default ${DEFAULT_SERVER_URL}), as an admin.`;

class UsageError extends Error {}

// DATABASE_URL too, as `npm start` reads it: the server (any database of it; each service's replaces it).
const serverUrl = process.env.POSTGRES_URL ?? process.env.DATABASE_URL ?? DEFAULT_SERVER_URL;

function shadowDatabaseUrlFor(service: ServiceName): string {
  const url = new URL(databaseUrlFor(service, serverUrl));
  url.pathname = `/${databaseNameFor(service)}_shadow`;
  return url.toString();
}

function parseServices(names: string[]): ServiceName[] {
  if (names.length === 0) return [...SERVICES];
  return names.map((name) => {
    if (!isServiceName(name)) throw new UsageError(`Unknown service "${name}"`);
    return name;
  });
}

/** The services that have a schema.prisma; the others are reported and skipped. */
function servicesWithSchema(services: ServiceName[]): ServiceName[] {
  return services.filter((service) => {
    const hasSchema = existsSync(servicePaths(service).schema);
    if (!hasSchema) console.log(`${service}: skipped (no prisma/schema.prisma yet)`);
    return hasSchema;
  });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Each service in turn would add up; their databases and roles are independent, so they go side by side. */
async function deploy(services: ServiceName[]): Promise<number> {
  const outcomes = await Promise.all(
    servicesWithSchema(services).map(async (service) => {
      const startedAt = Date.now();
      const databaseUrl = databaseUrlFor(service, serverUrl);
      try {
        if (await ensureDatabase(databaseUrl)) console.log(`${service}: created database ${databaseNameFor(service)}`);
        const { applied } = await withDatabaseRoles(databaseUrl, service, (owner) =>
          applyMigrations({
            databaseUrl,
            role: owner,
            migrationsDir: servicePaths(service).migrations,
            log: (message) => console.log(`${service}: ${message}`),
          }),
        );
        const summary = applied.length === 0 ? "up to date" : `${applied.length} migration(s) applied`;
        console.log(`${service}: ${summary} (${Date.now() - startedAt} ms)`);
        return true;
      } catch (error) {
        const which = error instanceof MigrationError ? ` [${error.migrationName}]` : "";
        console.error(`${service}: deploy failed${which}: ${describeError(error)}`);
        return false;
      }
    }),
  );
  return outcomes.every(Boolean) ? 0 : 1;
}

async function roles(args: string[]): Promise<number> {
  const print = args.includes("--print");
  const services = parseServices(args.filter((arg) => arg !== "--print"));
  if (print) {
    process.stdout.write(rolesScript(services, process.env.DATABASE_SUFFIX ?? ""));
    return 0;
  }
  let failures = 0;
  for (const service of services) {
    const databaseUrl = databaseUrlFor(service, serverUrl);
    const { owner, app } = rolesFor(databaseNameFor(service));
    try {
      if (await ensureDatabase(databaseUrl)) console.log(`${service}: created database ${databaseNameFor(service)}`);
      await withDatabaseRoles(databaseUrl, service, async () => undefined);
      console.log(`${service}: database ${databaseNameFor(service)}, owner ${owner}, runtime login ${app}`);
    } catch (error) {
      failures++;
      console.error(`${service}: roles failed: ${describeError(error)}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

async function create(args: string[]): Promise<number> {
  const [service, name, ...rest] = args;
  if (service === undefined || name === undefined || rest.length > 0) {
    throw new UsageError("create takes a service and a migration name");
  }
  if (!isServiceName(service)) throw new UsageError(`Unknown service "${service}"`);
  const paths = servicePaths(service);
  if (!existsSync(paths.schema)) throw new Error(`${service} has no ${relative(REPO_ROOT, paths.schema)}`);
  const { created, sql } = await createMigration({
    schemaPath: paths.schema,
    migrationsDir: paths.migrations,
    name,
    shadowDatabaseUrl: shadowDatabaseUrlFor(service),
  });
  if (created === null) {
    console.log(`${service}: schema.prisma matches the migrations; nothing written`);
  } else {
    console.log(`${service}: wrote ${relative(REPO_ROOT, join(paths.migrations, created, "migration.sql"))}\n\n${sql}`);
  }
  return 0;
}

async function check(services: ServiceName[]): Promise<number> {
  let outOfSync = 0;
  for (const service of servicesWithSchema(services)) {
    const startedAt = Date.now();
    const paths = servicePaths(service);
    try {
      const { inSync, drift } = await checkMigrations({
        schemaPath: paths.schema,
        migrationsDir: paths.migrations,
        shadowDatabaseUrl: shadowDatabaseUrlFor(service),
      });
      const elapsed = `(${Date.now() - startedAt} ms)`;
      if (inSync) {
        console.log(`${service}: migrations match schema.prisma ${elapsed}`);
      } else {
        outOfSync++;
        console.log(
          `${service}: migrations do not match schema.prisma ${elapsed}; ` +
            `run \`tsx infra/db/cli.ts create ${service} <name>\`. Missing SQL:\n\n${drift}`,
        );
      }
    } catch (error) {
      outOfSync++;
      console.error(`${service}: check failed: ${describeError(error)}`);
    }
  }
  return outOfSync === 0 ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "deploy":
      return deploy(parseServices(rest));
    case "create":
      return create(rest);
    case "check":
      return check(parseServices(rest));
    case "roles":
      return roles(rest);
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(command === undefined ? "No command given" : `Unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(describeError(error));
      process.exitCode = 1;
    }
  },
);
