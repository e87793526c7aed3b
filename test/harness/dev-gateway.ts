import { createServer as createGateway } from "@support/gateway";
import { loadGatewayConfig } from "@support/gateway/config";
import { freePort } from "./service-process.js";
import { testStack } from "./stack.js";

/** A gateway started by a test, listening on `origin`. */
export interface ScratchGateway {
  origin: string;
  close: () => Promise<void>;
}

/**
 * One more gateway in front of the test stack's services, configured as the stack's own with
 * `overrides` on top (a subgraph URL of its own, a shorter timeout, introspection on).
 */
export async function startGatewayBeside(overrides: Record<string, string> = {}): Promise<ScratchGateway> {
  const stack = testStack();
  const port = await freePort();
  const gateway = await createGateway(
    loadGatewayConfig({
      PORT: String(port),
      ACTOR_CONTEXT_KEYS: stack.actorContextKeys.map((key) => `${key.kid}:${key.secret}`).join(","),
      KAFKA_BROKERS: stack.kafkaBrokers.join(","),
      LOG_LEVEL: "silent",
      IDENTITY_URL: `${stack.serviceUrls.identity}/graphql`,
      WORKSPACE_URL: `${stack.serviceUrls.workspace}/graphql`,
      TICKETING_URL: `${stack.serviceUrls.ticketing}/graphql`,
      BILLING_URL: `${stack.serviceUrls.billing}/graphql`,
      AUDIT_URL: `${stack.serviceUrls.audit}/graphql`,
      ...overrides,
    }),
  );
  await gateway.listen({ port, host: "127.0.0.1" });
  return { origin: `http://127.0.0.1:${port}`, close: () => gateway.close() };
}

/**
 * A gateway as `npm start` runs it: introspection and the IDE on (GATEWAY_INTROSPECTION=true).
 * The stack's own gateway has them off, as in production. A token from the stack's gateway works
 * here too (same identity service).
 */
export function startDevGateway(): Promise<ScratchGateway> {
  return startGatewayBeside({ GATEWAY_INTROSPECTION: "true" });
}
