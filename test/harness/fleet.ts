import { localAuditSigningKeys, serverEntry, startFleet, type Fleet, type FleetInstance } from "@support/infra/stack";
import { runtimeDatabaseUrl } from "@support/infra/db/roles";
import { SERVICES, type ServiceName } from "@support/infra/services";
import { freePort } from "./service-process.js";
import { testStack } from "./stack.js";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A second copy of the product beside the harness's stack: `replicas` instances of everything. */
export interface FleetBeside {
  gatewayUrl: string;
  serviceUrls: Record<ServiceName, string>;
  fleets: Fleet[];
  instances: FleetInstance[];
  fleetOf(instance: FleetInstance): Fleet;
  stop(): Promise<void>;
}

/**
 * `replicas` instances of every service and of the gateway, each name behind a round-robin
 * balancer (the code `REPLICAS=N npm start` runs, infra/stack/fleet.ts), on the harness's
 * databases and broker. Services call each other and the gateways call the subgraphs through the
 * balancers, never an instance. The harness's own instances keep running beside them (one more
 * member of each consumer group and relay election). Cheaper than a second stack: no broker, no
 * migrations.
 */
export async function startFleetBeside(options: {
  replicas: number;
  logDir: string;
  log: (message: string) => void;
}): Promise<FleetBeside> {
  const stack = testStack();
  const ports = Object.fromEntries(
    await Promise.all(["gateway", ...SERVICES].map(async (name) => [name, await freePort()] as const)),
  ) as Record<ServiceName | "gateway", number>;
  const serviceUrls = Object.fromEntries(
    SERVICES.map((service) => [service, `http://127.0.0.1:${ports[service]}`]),
  ) as Record<ServiceName, string>;
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const common = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    HOST: "127.0.0.1",
    KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    ACTOR_CONTEXT_KEYS: stack.actorContextKeys.map((key) => `${key.kid}:${key.secret}`).join(","),
    LOG_LEVEL: "info",
  };
  const serviceEnv = (service: ServiceName): NodeJS.ProcessEnv => ({
    ...common,
    DATABASE_URL: runtimeDatabaseUrl(service, stack.postgresServerUrl, stack.databaseSuffix),
    WORKSPACE_SERVICE_URL: serviceUrls.workspace,
    IDENTITY_SERVICE_URL: serviceUrls.identity,
    TICKETING_SERVICE_URL: serviceUrls.ticketing,
    AUDIT_SERVICE_URL: serviceUrls.audit,
    DOWNLOAD_BASE_URL: gatewayUrl,
    SLA_TIMERS_ENABLED: "false",
    ...(service === "billing" ? stack.stripe.env : {}),
    ...(service === "identity" ? stack.mail.env : {}),
    ...(service === "audit" ? { AUDIT_SIGNING_KEYS: localAuditSigningKeys() } : {}),
  });
  const gatewayEnv: NodeJS.ProcessEnv = {
    ...common,
    IDENTITY_URL: `${serviceUrls.identity}/graphql`,
    WORKSPACE_URL: `${serviceUrls.workspace}/graphql`,
    TICKETING_URL: `${serviceUrls.ticketing}/graphql`,
    BILLING_URL: `${serviceUrls.billing}/graphql`,
    AUDIT_URL: `${serviceUrls.audit}/graphql`,
  };
  const fleetFor = async (name: ServiceName | "gateway", env: NodeJS.ProcessEnv): Promise<Fleet> =>
    startFleet({
      service: name,
      host: "127.0.0.1",
      port: ports[name],
      instancePorts: await Promise.all(Array.from({ length: options.replicas }, () => freePort())),
      program: (port) => {
        const cwd = name === "gateway" ? `${ROOT}gateway` : `${ROOT}services/${name}`;
        return { entry: serverEntry(cwd), cwd, env: { ...env, PORT: String(port) } };
      },
      logDir: options.logDir,
      log: options.log,
      readyTimeoutMs: 300_000,
    });
  // Settled, not all: a fleet that started must be stopped even when another failed.
  const started = await Promise.allSettled([
    ...SERVICES.map((service) => fleetFor(service, serviceEnv(service))),
    fleetFor("gateway", gatewayEnv),
  ]);
  const fleets = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async () => {
    await Promise.all(fleets.filter((fleet) => fleet.service === "gateway").map((fleet) => fleet.stop()));
    await Promise.all(fleets.filter((fleet) => fleet.service !== "gateway").map((fleet) => fleet.stop()));
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const fleetOf = (instance: FleetInstance): Fleet => {
    const fleet = fleets.find((candidate) => candidate.service === instance.service);
    if (!fleet) throw new Error(`no fleet runs ${instance.service}`);
    return fleet;
  };
  return {
    gatewayUrl: `${gatewayUrl}/graphql`,
    serviceUrls,
    fleets,
    instances: fleets.flatMap((fleet) => [...fleet.instances]),
    fleetOf,
    stop,
  };
}
