import { readFileSync } from "node:fs";
import {
  createServiceRuntime,
  permissionLookups,
  WorkspacePeopleClient,
  type ServiceRuntime,
} from "@support/service-kit";
import { mountMercuriusSubgraph } from "@support/service-kit/mercurius";
import { topicFor } from "@support/events";
import type { Logger } from "@support/logger";
import { BillingStripe, createStripe } from "./clients/stripe.js";
import type { BillingConfig } from "./config.js";
import type { BillingContext } from "./context.js";
import { accountLoader } from "./db/accounts.js";
import { createDb, type Tx } from "./db/client.js";
import { WORKSPACE_EVENT_TYPES, onWorkspaceEvent } from "./events/workspace-consumer.js";
import { resolvers } from "./resolvers/index.js";
import { registerStripeWebhook } from "./routes/stripe-webhook.js";
import { createCancellationWorker } from "./stripe/cancellations.js";
import { createStripeEventProcessor } from "./stripe/event-processor.js";

export const schema = readFileSync(new URL("./schema/billing.graphql", import.meta.url), "utf8");

/** Builds the billing service without listening; used by server.ts and the tests. */
export async function createServer(config: BillingConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const runtime = createServiceRuntime({
    service: "billing",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
  });
  // Permission answers remembered until cache.invalidations names the workspace (docs/adr/0003).
  const workspaceAccess = permissionLookups(runtime, {
    workspaceServiceUrl: config.WORKSPACE_SERVICE_URL,
    cacheSeconds: config.PERMISSION_CACHE_SECONDS,
  });
  const stripe = new BillingStripe(createStripe(config), {
    BASIC: config.STRIPE_PRICE_BASIC,
    PRO: config.STRIPE_PRICE_PRO,
    UNLIMITED: config.STRIPE_PRICE_UNLIMITED,
  });
  const eventProcessor = createStripeEventProcessor({ db, stripe, logger: runtime.logger });
  const cancellations = createCancellationWorker({ db, stripe, logger: runtime.logger });
  runtime.app.addHook("onReady", async () => {
    eventProcessor.start();
    cancellations.start();
  });
  // Registered before the runtime's own onClose hook runs database.close(): hooks run in order.
  runtime.app.addHook("preClose", async () => {
    await Promise.all([eventProcessor.stop(), cancellations.stop()]);
  });

  runtime.consume<Tx>({
    groupId: "billing.workspaces",
    topics: [topicFor("workspace")],
    transaction: (work) => db.$transaction(work),
    eventTypes: WORKSPACE_EVENT_TYPES,
    handle: onWorkspaceEvent,
  });

  await registerStripeWebhook(runtime.app, {
    db,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET,
    onStored: () => eventProcessor.kick(),
  });

  // Where a client may send the payer back to: the app's origins, and the default return page's.
  const returnOrigins: ReadonlySet<string> = new Set([
    ...config.CHECKOUT_RETURN_ORIGINS,
    new URL(config.BILLING_RETURN_URL).origin,
  ]);
  await mountMercuriusSubgraph<BillingContext>(runtime, {
    schema,
    resolvers,
    context: (request) => ({
      actor: request.actor,
      db,
      logger: request.log,
      workspaces: workspaceAccess(request),
      accounts: accountLoader(db),
      people: new WorkspacePeopleClient(config.WORKSPACE_SERVICE_URL, request),
      stripe,
      returnUrl: config.BILLING_RETURN_URL,
      returnOrigins,
    }),
  });

  return runtime;
}
