import { randomUUID } from "node:crypto";
import pg from "pg";
import Stripe from "stripe";
import { Kafka, logLevel } from "kafkajs";
import { eventually, graphql, graphqlOk, testStack } from "./stack.js";

/** Helpers for billing's tests: the Stripe stand-in's controls, signed webhooks, billing's database. */

export interface Billing {
  plan: string;
  seats: number;
  status: string;
  periodEnd: string | null;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
}

export const BILLING_FIELDS = "plan seats status periodEnd trialEnd cancelAtPeriodEnd";

export interface StandInEvent {
  id: string;
  type: string;
  created: number;
  delivered: number;
  data: { object: Record<string, unknown> };
}

function standInUrl(): string {
  const url = testStack().stripe.standInUrl;
  if (!url) throw new Error("the test stack runs against real Stripe; these tests need the stand-in");
  return url;
}

export async function standIn<T = unknown>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${standInUrl()}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`stand-in ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The scopes this suite made Stripe fail for (each suite runs in its own worker). */
const failingScopes = new Set<string>();
/**
 * Stripe fails only for requests naming `scope` (a workspace or subscription id): suites share the
 * stand-in, and each suite's failures stand beside the others'.
 */
export async function setStripeFailure(mode: "http500" | "unreachable", scope: string): Promise<void> {
  await standIn("/_stand-in/failure", { mode, scope });
  failingScopes.add(scope);
}
/** Ends the failures this suite asked for; those another suite asked for are left alone. */
export async function clearStripeFailure(): Promise<void> {
  for (const scope of failingScopes) await standIn("/_stand-in/failure", { mode: "none", scope });
  failingScopes.clear();
}
/** The subscriptions whose webhooks this suite holds. */
const heldScopes = new Set<string>();
/** Stripe records the events about `subscriptionId` without sending them: the test delivers them (`redeliver`). */
export async function holdWebhooks(subscriptionId: string): Promise<void> {
  await standIn("/_stand-in/webhooks", { auto: false, scope: subscriptionId });
  heldScopes.add(subscriptionId);
}
/** Stripe sends this suite's held subscriptions' events again as they happen; other suites' holds stay. */
export async function releaseWebhooks(): Promise<void> {
  for (const scope of heldScopes) await standIn("/_stand-in/webhooks", { auto: true, scope });
  heldScopes.clear();
}
/** Writes Stripe took per `METHOD path`, counting only requests naming `scope` (a workspace or subscription id). */
export const standInStats = (scope: string) =>
  standIn<Record<string, number>>(`/_stand-in/stats?${new URLSearchParams({ scope }).toString()}`);
export const standInEvents = (query: { type?: string; subscription?: string } = {}) =>
  standIn<StandInEvent[]>(`/_stand-in/events?${new URLSearchParams(query).toString()}`);
export const redeliver = (eventId: string) =>
  standIn<{ status: number }>(`/_stand-in/events/${encodeURIComponent(eventId)}/deliver`, {});

export async function billingOf(token: string, workspaceId: string): Promise<Billing> {
  const data = await graphqlOk<{ workspace: { billing: (Billing & { pending: boolean }) | null } }>(
    `query($w: ID!) { workspace(id: $w) { billing { ${BILLING_FIELDS} pending } } }`,
    { token, variables: { w: workspaceId } },
  );
  // A new workspace's account shows as a pending trial until billing has opened it.
  if (!data.workspace.billing || data.workspace.billing.pending) throw new Error("no billing account yet");
  const { pending: _pending, ...billing } = data.workspace.billing;
  return billing;
}

/** Waits until the account, read through the gateway, satisfies `check`. */
export function billingEventually(
  token: string,
  workspaceId: string,
  check: (billing: Billing) => boolean,
  what = "the billing account to change",
): Promise<Billing> {
  return eventually(
    async () => {
      const billing = await billingOf(token, workspaceId);
      return check(billing) ? billing : undefined;
    },
    20_000,
    what,
  );
}

export async function startCheckout(token: string, workspaceId: string, plan: string, seats: number): Promise<string> {
  const data = await graphqlOk<{ startCheckout: { url: string } }>(
    "mutation($w: ID!, $p: Plan!, $s: Int!) { startCheckout(workspaceId: $w, plan: $p, seats: $s) { url } }",
    { token, variables: { w: workspaceId, p: plan, s: seats } },
  );
  return data.startCheckout.url;
}

/** Presses the checkout page's "Pay" button. */
export async function pay(checkoutUrl: string): Promise<{ id: string; subscription: string }> {
  const response = await fetch(`${checkoutUrl}/pay`, { method: "POST", headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`pay: HTTP ${response.status}`);
  return (await response.json()) as { id: string; subscription: string };
}

/** Buys a plan through Checkout and waits until billing has applied it. Returns the subscription id. */
export async function subscribe(token: string, workspaceId: string, plan: string, seats: number): Promise<string> {
  const session = await pay(await startCheckout(token, workspaceId, plan, seats));
  await eventually(
    async () => {
      const rows = await billingDb<{ stripe_subscription_id: string | null }>(
        "SELECT stripe_subscription_id FROM billing_account WHERE workspace_id = $1",
        [workspaceId],
      );
      return rows[0]?.stripe_subscription_id === session.subscription ? true : undefined;
    },
    20_000,
    "billing to apply the new subscription",
  );
  await billingEventually(
    token,
    workspaceId,
    (billing) => billing.plan === plan && billing.seats === seats && billing.status === "ACTIVE",
    `the workspace to be ${plan} with ${seats} seats`,
  );
  // The workspace service keeps a copy of the plan (billing's events) that decides its limits
  // (custom roles, seats): the caller's next mutation there sees the new plan.
  await eventually(
    async () => {
      const rows = await serviceDb<{ plan: string; seats: number }>(
        "workspace",
        "SELECT plan::text AS plan, seats FROM workspace WHERE id = $1",
        [workspaceId],
      );
      return rows[0]?.plan === plan && rows[0].seats === seats ? true : undefined;
    },
    20_000,
    `the workspace service's copy to be ${plan} with ${seats} seats`,
  );
  return session.subscription;
}

export async function changeSeats(token: string, workspaceId: string, seats: number) {
  return graphql<{ changeSeats: Billing }>(
    `mutation($w: ID!, $s: Int!) { changeSeats(workspaceId: $w, seats: $s) { ${BILLING_FIELDS} } }`,
    { token, variables: { w: workspaceId, s: seats } },
  );
}

/** POSTs a webhook straight to the billing service, signed as the test says. */
export async function postWebhook(
  payload: string,
  signature: { secret?: string; timestamp?: number } | null,
): Promise<number> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature) {
    headers["stripe-signature"] = new Stripe("sk_test_unused").webhooks.generateTestHeaderString({
      payload,
      secret: signature.secret ?? testStack().stripe.webhookSecret,
      ...(signature.timestamp === undefined ? {} : { timestamp: signature.timestamp }),
    });
  }
  const response = await fetch(`${testStack().serviceUrls.billing}/webhooks/stripe`, {
    method: "POST",
    headers,
    body: payload,
  });
  await response.arrayBuffer();
  return response.status;
}

export function billingDb<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return serviceDb<T>("billing", sql, params);
}

/** The workspace service's copy of pending invitations (fed by identity's events) for a workspace. */
export function pendingInvitationsInWorkspace(workspaceId: string): Promise<number> {
  return serviceDb<{ count: string }>(
    "workspace",
    "SELECT count(*) FROM pending_invitation WHERE workspace_id = $1 AND expires_at > now()",
    [workspaceId],
  ).then((rows) => Number(rows[0]?.count ?? 0));
}

async function serviceDb<T extends pg.QueryResultRow>(
  service: "billing" | "workspace",
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_${service}${stack.databaseSuffix}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Waits until billing has applied (processed) the stored webhook event. */
export function eventProcessed(eventId: string): Promise<true> {
  return eventually(
    async () => {
      const rows = await billingDb<{ processed_at: Date | null }>(
        "SELECT processed_at FROM stripe_event WHERE id = $1",
        [eventId],
      );
      return rows[0]?.processed_at ? true : undefined;
    },
    20_000,
    `Stripe event ${eventId} to be processed`,
  );
}

/** Publishes a workspace event to Kafka directly, as the workspace service would. */
export async function publishWorkspaceEvent(
  type: string,
  workspaceId: string,
  organisationId: string,
  data: Record<string, unknown> = {},
): Promise<string> {
  const kafka = new Kafka({ clientId: "billing-test", brokers: testStack().kafkaBrokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const envelope = {
      id: randomUUID(),
      type,
      version: 1,
      workspaceId,
      organisationId,
      actor: { type: "system" },
      occurredAt: new Date().toISOString(),
      target: { type: "workspace", id: workspaceId, label: null },
      changes: [],
      data,
    };
    await producer.send({
      topic: "workspace.events",
      messages: [{ key: workspaceId, value: JSON.stringify(envelope) }],
    });
    return envelope.id;
  } finally {
    await producer.disconnect();
  }
}

export interface ActivityEntry {
  action: string;
  actor: { type: string; label: string | null };
  changes: Array<{ field: string; old: unknown; new: unknown }>;
}

export async function billingActivity(token: string, workspaceId: string): Promise<ActivityEntry[]> {
  const data = await graphqlOk<{ activityLog: { nodes: ActivityEntry[] } }>(
    `query($w: ID!) { activityLog(workspaceId: $w, first: 100, filter: { category: "billing" }) {
       nodes { action actor { type label } changes { field old new } } } }`,
    { token, variables: { w: workspaceId } },
  );
  return data.activityLog.nodes;
}

/** The price id of each plan, as the stack configured billing. */
export function planPrice(plan: "BASIC" | "PRO" | "UNLIMITED"): string {
  const price = testStack().stripe.env[`STRIPE_PRICE_${plan}`];
  if (!price) throw new Error(`no STRIPE_PRICE_${plan} in the test stack`);
  return price;
}

/**
 * The `stripe` library pointed at the stand-in: someone using the same Stripe account outside the
 * product (the dashboard, another integration, a leaked key's holder).
 */
export function outsideStripe(): Stripe {
  const base = new URL(standInUrl());
  return new Stripe("sk_test_outside_the_product", {
    host: base.hostname,
    port: Number(base.port),
    protocol: "http",
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

/** Buys a subscription through a Checkout Session the product never saw, with whatever it says. */
export async function buyOutsideProduct(input: {
  plan: "BASIC" | "PRO" | "UNLIMITED";
  seats: number;
  customer?: string;
  metadata?: Record<string, string>;
  clientReferenceId?: string;
}): Promise<{ sessionId: string; subscriptionId: string }> {
  const session = await outsideStripe().checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: planPrice(input.plan), quantity: input.seats }],
    success_url: "https://example.com/thanks",
    ...(input.customer ? { customer: input.customer } : {}),
    ...(input.clientReferenceId ? { client_reference_id: input.clientReferenceId } : {}),
    ...(input.metadata ? { metadata: input.metadata, subscription_data: { metadata: input.metadata } } : {}),
  });
  if (!session.url) throw new Error("the stand-in answered a session without a URL");
  const paid = await pay(session.url);
  return { sessionId: session.id, subscriptionId: paid.subscription };
}

/** A subscription as Stripe (the stand-in) has it now. */
export const stripeSubscription = (id: string) => outsideStripe().subscriptions.retrieve(id);

export interface StoredStripeEvent {
  id: string;
  type: string;
  outcome: string | null;
  last_error: string | null;
  attempts: number;
  processed_at: Date | null;
}

/**
 * Waits until every event the stand-in sent about `subscriptionId` (of the types billing applies,
 * at least `atLeast` of them) is stored and processed by billing; answers their rows.
 */
export function subscriptionEventsSettled(subscriptionId: string, atLeast: number): Promise<StoredStripeEvent[]> {
  const applied = new Set([
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
  ]);
  return eventually(
    async () => {
      const sent = (await standInEvents({ subscription: subscriptionId })).filter((event) => applied.has(event.type));
      if (sent.length < atLeast) return undefined;
      const rows = await billingDb<StoredStripeEvent>(
        "SELECT id, type, outcome, last_error, attempts, processed_at FROM stripe_event WHERE id = ANY($1)",
        [sent.map((event) => event.id)],
      );
      return rows.length === sent.length && rows.every((row) => row.processed_at) ? rows : undefined;
    },
    30_000,
    `billing to settle the events of ${subscriptionId}`,
  );
}

/** The billing service's log file in the test stack (JSON lines, written in batches). */
export function billingLogFile(): string {
  return new URL(`../../.local/logs${testStack().databaseSuffix}/billing.log`, import.meta.url).pathname;
}
