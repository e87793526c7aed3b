/**
 * What `npm run chaos` and `npm run soak` share: a whole stack of their own with `replicas`
 * instances of everything (the code `REPLICAS=N npm start` runs), the URLs the mixed load needs,
 * privileged connection strings for the ledger check, and a Kafka client for the backlog.
 */
import type { Kafka } from "kafkajs";
import { createKafka } from "@support/events";
import { createLogger } from "@support/logger";
import type { DatabaseUrls, LoadTarget } from "@support/infra/load";
import { REPO_ROOT, SERVICES, databaseNameFor, type ServiceName } from "@support/infra/services";
import { startStack, type RunningStack } from "@support/infra/stack";

export interface FleetStack {
  stack: RunningStack;
  target: LoadTarget;
  databases: DatabaseUrls;
  databaseNames: string[];
  kafka: Kafka;
}

export async function startFleetStack(options: {
  replicas: number;
  basePort: number;
  kafkaPort: number;
  databaseSuffix: string;
  log: (message: string) => void;
}): Promise<FleetStack> {
  const startedAt = Date.now();
  const stack = await startStack({
    basePort: options.basePort,
    replicas: options.replicas,
    databaseSuffix: options.databaseSuffix,
    freshDatabases: true,
    logDir: `${REPO_ROOT}/.local/logs${options.databaseSuffix}`,
    kafka: {
      port: options.kafkaPort,
      controllerPort: options.kafkaPort + 1,
      dataDir: `${REPO_ROOT}/.local/kafka${options.databaseSuffix}`,
    },
    log: (message) => options.log(`[stack] ${message}`),
  });
  options.log(`[stack] ${stack.instances.length} instances ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  const databaseNames = SERVICES.map((service) => databaseNameFor(service, options.databaseSuffix));
  const url = (service: ServiceName) => {
    const server = new URL(stack.postgres.serverUrl);
    server.pathname = `/${databaseNameFor(service, options.databaseSuffix)}`;
    return server.toString();
  };
  return {
    stack,
    target: {
      gatewayUrl: stack.gatewayUrl,
      stripeWebhookUrl: `${stack.serviceUrls.billing}/webhooks/stripe`,
      stripeWebhookSecret: stack.stripe.webhookSecret,
    },
    databases: Object.fromEntries(SERVICES.map((service) => [service, url(service)])) as DatabaseUrls,
    databaseNames,
    kafka: createKafka("load-check", stack.kafkaBrokers, createLogger({ service: "load-check", level: "error" })),
  };
}
