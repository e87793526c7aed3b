/** The five subgraph services, each with its own PostgreSQL database and Kafka topic. */
export const SERVICES = ["identity", "workspace", "ticketing", "billing", "audit"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The checkout: the folder holding infra/, from infra/services.ts or from its build, infra/dist/services.js. */
export const REPO_ROOT = new URL(
  import.meta.url.endsWith("/infra/dist/services.js") ? "../.." : "..",
  import.meta.url,
).pathname.replace(/\/$/, "");

export function isServiceName(value: string): value is ServiceName {
  return (SERVICES as readonly string[]).includes(value);
}

/** Name of a service's database; `suffix` separates e.g. the test run's databases from dev ones. */
export function databaseNameFor(service: ServiceName, suffix = process.env.DATABASE_SUFFIX ?? ""): string {
  return `support_${service}${suffix}`;
}

/** `serverUrl` is a PostgreSQL URL without (or with any) database; the service database replaces it. */
export function databaseUrlFor(service: ServiceName, serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${databaseNameFor(service)}`;
  return url.toString();
}

export function servicePaths(service: ServiceName): { dir: string; schema: string; migrations: string } {
  const dir = `${REPO_ROOT}/services/${service}`;
  return { dir, schema: `${dir}/prisma/schema.prisma`, migrations: `${dir}/prisma/migrations` };
}
