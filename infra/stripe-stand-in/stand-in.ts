import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import qs from "qs";
import Stripe from "stripe";

/**
 * A local stand-in for the parts of the Stripe API the billing service uses (customers, Checkout
 * Sessions, billing portal sessions, subscriptions, subscription items), with in-memory state and
 * webhooks signed by the real `stripe` library. `npm start` runs billing against it when no
 * Stripe key is configured; the tests always do. Not a Stripe emulator: it plays the happy paths
 * and the failures the tests need, with Stripe's object shapes (API version `STRIPE_API_VERSION`).
 *
 * Beside `/v1/*` it serves:
 * - `GET /checkout/:id`, a page whose "Pay" button (`POST /checkout/:id/pay`) completes the
 *   session: the subscription starts and the webhooks go out;
 * - `GET /portal/:id`, a page standing in for the customer portal;
 * - `GET /return`, the page to come back to after paying when no app is named (`npm start` sets
 *   BILLING_RETURN_URL to it unless set);
 * - `/_stand-in/*`, controls for tests (failure modes, webhook delivery, payment failures, a
 *   payment completing an expired session).
 */

/** Stripe's template in success URLs, as written and as URL-encoded. */
const SESSION_ID_TEMPLATE = /\{CHECKOUT_SESSION_ID\}|%7BCHECKOUT_SESSION_ID%7D/gi;

export function withSessionId(url: string, sessionId: string): string {
  return url.replace(SESSION_ID_TEMPLATE, encodeURIComponent(sessionId));
}

export const STRIPE_API_VERSION = "2026-10-28.endive";

export interface StandInOptions {
  port: number;
  host?: string;
  /** Where webhooks are POSTed (the billing service's `/webhooks/stripe`). */
  webhookUrl: string;
  /** The secret webhooks are signed with (`whsec_…`). */
  webhookSecret: string;
  /** Base of the checkout and portal URLs it hands out, when browsers reach it at another address. */
  publicUrl?: string;
  log?: (message: string) => void;
}

export interface RunningStandIn {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** How the stand-in answers `/v1/*`: normally, with HTTP 500, or by dropping the connection. */
type FailureMode = "none" | "http500" | "unreachable";

type StripeObject = Record<string, unknown> & { id: string };

interface Subscription extends StripeObject {
  object: "subscription";
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  ended_at: number | null;
  metadata: Record<string, string>;
  items: { object: "list"; data: SubscriptionItem[]; has_more: false; url: string };
}

interface SubscriptionItem extends StripeObject {
  object: "subscription_item";
  subscription: string;
  price: { id: string; object: "price" };
  quantity: number;
  current_period_start: number;
  current_period_end: number;
}

interface RecordedEvent {
  event: StripeObject & { type: string; created: number };
  /** Successful deliveries (2xx answers). */
  delivered: number;
}

const PERIOD_SECONDS = 30 * 86_400;
const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const missing = (kind: string, id: string) =>
  new StripeError(404, "invalid_request_error", `No such ${kind}: '${id}'`, "resource_missing");
const invalid = (message: string) => new StripeError(400, "invalid_request_error", message, "parameter_invalid");

function stringParam(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function intParam(body: Record<string, unknown>, name: string): number | undefined {
  const value = stringParam(body, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw invalid(`Invalid integer: ${name}`);
  return number;
}

function metadataParam(body: Record<string, unknown>, name = "metadata"): Record<string, string> {
  const value = body[name];
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

export async function startStripeStandIn(options: StandInOptions): Promise<RunningStandIn> {
  const log = options.log ?? (() => {});
  const host = options.host ?? "127.0.0.1";
  const baseUrl = options.publicUrl ?? `http://${host}:${options.port}`;
  const signer = new Stripe("sk_test_stand_in");

  const customers = new Map<string, StripeObject>();
  const checkoutSessions = new Map<string, StripeObject>();
  const portalSessions = new Map<string, StripeObject>();
  const subscriptions = new Map<string, Subscription>();
  const subscriptionItems = new Map<string, SubscriptionItem>();
  const events: RecordedEvent[] = [];
  /** Idempotency-Key -> the first answer, replayed for every later request with that key. */
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  /**
   * Writes that changed something: `METHOD path` and the request's fingerprint. Tests count
   * them (e.g. subscription cancellations) for one workspace or subscription id, since suites
   * running side by side share the stand-in.
   */
  const effectiveWrites: Array<{ what: string; fingerprint: string }> = [];
  /**
   * Failures asked for, by scope: only requests whose method, path or body contain the scope (a
   * workspace id, a subscription id) fail. Test suites run side by side against one stand-in, so
   * a failure one suite asks for must not reach another suite's requests, nor replace another
   * suite's failure.
   */
  const failures = new Map<string, Exclude<FailureMode, "none">>();
  /**
   * Events whose object names one of these (a subscription id) are recorded but not sent: a test
   * then delivers them itself, in any order. Scoped like `failures`, so holding one suite's
   * webhooks never holds another's.
   */
  const heldScopes = new Set<string>();
  const deliveriesInFlight = new Set<Promise<void>>();

  const app = Fastify({ logger: false });
  const parseForm = (_request: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) =>
    done(null, qs.parse(body, { depth: 10, arrayLimit: 100 }));
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, parseForm);

  // --- webhooks -----------------------------------------------------------------------------

  async function deliver(recorded: RecordedEvent, attempts = 5): Promise<number> {
    const payload = JSON.stringify(recorded.event);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(options.webhookUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "stripe-signature": signer.webhooks.generateTestHeaderString({ payload, secret: options.webhookSecret }),
          },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        if (response.ok) recorded.delivered += 1;
        if (response.ok || attempt >= attempts) return response.status;
      } catch (error) {
        if (attempt >= attempts) {
          log(`webhook ${recorded.event.id} not delivered: ${error instanceof Error ? error.message : String(error)}`);
          return 0;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }

  function emit(type: string, object: StripeObject, idempotencyKey: string | null = null): void {
    const recorded: RecordedEvent = {
      event: {
        id: newId("evt"),
        object: "event",
        api_version: STRIPE_API_VERSION,
        created: now(),
        type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: idempotencyKey },
        // A snapshot: later changes to the object must not change an event already sent.
        data: { object: structuredClone(object) },
      },
      delivered: 0,
    };
    events.push(recorded);
    if (heldScopes.size > 0) {
      const text = JSON.stringify(object);
      for (const scope of heldScopes) if (text.includes(scope)) return;
    }
    const delivery = deliver(recorded).then(() => undefined);
    deliveriesInFlight.add(delivery);
    void delivery.finally(() => deliveriesInFlight.delete(delivery));
  }

  // --- Stripe's API ---------------------------------------------------------------------------

  function subscriptionOf(id: string): Subscription {
    const subscription = subscriptions.get(id);
    if (!subscription) throw missing("subscription", id);
    return subscription;
  }

  function startSubscription(session: StripeObject): Subscription {
    const lineItems = session.line_items as Array<{ price: string; quantity: number }>;
    const start = now();
    const id = newId("sub");
    const subscription: Subscription = {
      id,
      object: "subscription",
      customer: session.customer as string,
      status: "active",
      cancel_at_period_end: false,
      canceled_at: null,
      ended_at: null,
      created: start,
      trial_end: null,
      metadata: (session.subscription_metadata as Record<string, string>) ?? {},
      items: { object: "list", data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    };
    for (const line of lineItems) {
      const item: SubscriptionItem = {
        id: newId("si"),
        object: "subscription_item",
        subscription: id,
        price: { id: line.price, object: "price" },
        quantity: line.quantity,
        current_period_start: start,
        current_period_end: start + PERIOD_SECONDS,
      };
      subscriptionItems.set(item.id, item);
      subscription.items.data.push(item);
    }
    subscriptions.set(id, subscription);
    return subscription;
  }

  function invoiceFor(subscription: Subscription, status: "paid" | "open"): StripeObject {
    const item = subscription.items.data[0];
    return {
      id: newId("in"),
      object: "invoice",
      customer: subscription.customer,
      status,
      created: now(),
      parent: {
        type: "subscription_details",
        quote_details: null,
        subscription_details: { subscription: subscription.id, metadata: subscription.metadata },
      },
      period_start: item?.current_period_start ?? now(),
      period_end: item?.current_period_end ?? now(),
    };
  }

  /**
   * Completes a Checkout Session as if the customer had paid. An expired session cannot be paid,
   * unless `evenIfExpired` (a test control: a payment already under way when the session was
   * expired, which Stripe can still complete).
   */
  function pay(sessionId: string, evenIfExpired = false): StripeObject {
    const session = checkoutSessions.get(sessionId);
    if (!session) throw missing("checkout session", sessionId);
    if (session.status === "expired" && !evenIfExpired) throw invalid("This Checkout Session is no longer active.");
    if (session.status === "complete") return session;
    if (!session.customer) {
      const customer = {
        id: newId("cus"),
        object: "customer",
        email: session.customer_email ?? null,
        created: now(),
        metadata: {},
      };
      customers.set(customer.id, customer);
      session.customer = customer.id;
    }
    const subscription = startSubscription(session);
    Object.assign(session, { status: "complete", payment_status: "paid", subscription: subscription.id });
    emit("customer.subscription.created", subscription);
    emit("checkout.session.completed", session);
    emit("invoice.paid", invoiceFor(subscription, "paid"));
    return session;
  }

  type Handler = (request: FastifyRequest) => { status?: number; body: unknown; changed?: boolean };

  /** Wraps an API handler with failure modes, idempotency keys and Stripe's error shape. */
  function api(method: "GET" | "POST" | "DELETE", url: string, handler: Handler): void {
    app.route({
      method,
      url,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const fingerprint = `${method} ${request.url} ${JSON.stringify(request.body ?? {})}`;
        let failing: FailureMode = "none";
        for (const [scope, mode] of failures) if (fingerprint.includes(scope)) failing = mode;
        if (failing === "unreachable") {
          request.raw.socket.destroy();
          return reply;
        }
        if (failing === "http500") {
          return reply.code(500).send({ error: { type: "api_error", message: "The stand-in is failing on purpose." } });
        }
        const key = request.headers["idempotency-key"];
        if (typeof key === "string" && method !== "GET") {
          const earlier = idempotent.get(key);
          if (earlier) {
            if (earlier.fingerprint !== fingerprint) {
              return reply.code(400).send({
                error: {
                  type: "idempotency_error",
                  message:
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                },
              });
            }
            return reply.code(earlier.status).header("idempotent-replayed", "true").send(earlier.body);
          }
        }
        let status = 200;
        let body: unknown;
        try {
          const result = handler(request);
          status = result.status ?? 200;
          body = result.body;
          if (method !== "GET" && result.changed !== false)
            effectiveWrites.push({ what: `${method} ${url}`, fingerprint });
        } catch (error) {
          if (!(error instanceof StripeError)) throw error;
          status = error.status;
          body = { error: { type: error.type, message: error.message, code: error.code } };
        }
        if (typeof key === "string" && method !== "GET") idempotent.set(key, { fingerprint, status, body });
        return reply.code(status).send(body);
      },
    });
  }

  const bodyOf = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
  const idParam = (request: FastifyRequest) => (request.params as { id: string }).id;

  api("POST", "/v1/customers", (request) => {
    const body = bodyOf(request);
    const customer = {
      id: newId("cus"),
      object: "customer",
      email: stringParam(body, "email") ?? null,
      name: stringParam(body, "name") ?? null,
      metadata: metadataParam(body),
      created: now(),
    };
    customers.set(customer.id, customer);
    return { body: customer };
  });

  api("GET", "/v1/customers/:id", (request) => {
    const customer = customers.get(idParam(request));
    if (!customer) throw missing("customer", idParam(request));
    return { body: customer };
  });

  api("POST", "/v1/checkout/sessions", (request) => {
    const body = bodyOf(request);
    if (stringParam(body, "mode") !== "subscription") throw invalid("Only mode=subscription is supported here.");
    const rawLines = body.line_items;
    if (!Array.isArray(rawLines) || rawLines.length === 0) throw invalid("Missing required param: line_items.");
    const lineItems = rawLines.map((line: Record<string, unknown>) => {
      const price = stringParam(line, "price");
      const quantity = intParam(line, "quantity") ?? 1;
      if (!price) throw invalid("Missing required param: line_items[0][price].");
      if (quantity < 1) throw invalid("Quantity must be at least 1.");
      return { price, quantity };
    });
    const customer = stringParam(body, "customer");
    if (customer && !customers.has(customer)) throw missing("customer", customer);
    const successUrl = stringParam(body, "success_url");
    if (!successUrl) throw invalid("Missing required param: success_url.");
    const subscriptionData = (body.subscription_data ?? {}) as Record<string, unknown>;
    const id = newId("cs_test");
    const session = {
      id,
      object: "checkout.session",
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      customer: customer ?? null,
      customer_email: stringParam(body, "customer_email") ?? null,
      client_reference_id: stringParam(body, "client_reference_id") ?? null,
      metadata: metadataParam(body),
      subscription: null,
      success_url: successUrl,
      cancel_url: stringParam(body, "cancel_url") ?? null,
      url: `${baseUrl}/checkout/${id}`,
      created: now(),
      expires_at: now() + 86_400,
      line_items: lineItems,
      subscription_metadata: metadataParam(subscriptionData),
    };
    checkoutSessions.set(id, session);
    return { body: session };
  });

  api("GET", "/v1/checkout/sessions/:id", (request) => {
    const session = checkoutSessions.get(idParam(request));
    if (!session) throw missing("checkout session", idParam(request));
    return { body: session };
  });

  api("POST", "/v1/checkout/sessions/:id/expire", (request) => {
    const session = checkoutSessions.get(idParam(request));
    if (!session) throw missing("checkout session", idParam(request));
    if (session.status !== "open") {
      throw invalid(
        `Only Checkout Sessions with a status in ["open"] can be expired; this one is ${String(session.status)}.`,
      );
    }
    session.status = "expired";
    emit("checkout.session.expired", session);
    return { body: session };
  });

  api("POST", "/v1/billing_portal/sessions", (request) => {
    const body = bodyOf(request);
    const customer = stringParam(body, "customer");
    if (!customer) throw invalid("Missing required param: customer.");
    if (!customers.has(customer)) throw missing("customer", customer);
    const id = newId("bps");
    const session = {
      id,
      object: "billing_portal.session",
      customer,
      return_url: stringParam(body, "return_url") ?? null,
      url: `${baseUrl}/portal/${id}`,
      created: now(),
    };
    portalSessions.set(id, session);
    return { body: session };
  });

  api("GET", "/v1/subscriptions/:id", (request) => ({ body: subscriptionOf(idParam(request)) }));

  api("POST", "/v1/subscriptions/:id", (request) => {
    const subscription = subscriptionOf(idParam(request));
    if (subscription.status === "canceled") throw invalid("A canceled subscription can only update its metadata.");
    const body = bodyOf(request);
    const cancelAtPeriodEnd = stringParam(body, "cancel_at_period_end");
    if (cancelAtPeriodEnd !== undefined) subscription.cancel_at_period_end = cancelAtPeriodEnd === "true";
    const items = Array.isArray(body.items) ? (body.items as Array<Record<string, unknown>>) : [];
    for (const change of items) {
      const item = subscriptionItems.get(stringParam(change, "id") ?? "");
      if (!item || item.subscription !== subscription.id) throw invalid("Unknown subscription item.");
      const quantity = intParam(change, "quantity");
      if (quantity !== undefined) item.quantity = quantity;
      const price = stringParam(change, "price");
      if (price) item.price = { id: price, object: "price" };
    }
    emit("customer.subscription.updated", subscription);
    return { body: subscription };
  });

  api("DELETE", "/v1/subscriptions/:id", (request) => {
    const subscription = subscriptionOf(idParam(request));
    if (subscription.status === "canceled") {
      throw invalid(`This subscription is already canceled: '${subscription.id}'`);
    }
    Object.assign(subscription, { status: "canceled", canceled_at: now(), ended_at: now() });
    emit("customer.subscription.deleted", subscription);
    return { body: subscription };
  });

  api("POST", "/v1/subscription_items/:id", (request) => {
    const item = subscriptionItems.get(idParam(request));
    if (!item) throw missing("subscription_item", idParam(request));
    const subscription = subscriptionOf(item.subscription);
    if (subscription.status === "canceled") throw invalid("The subscription is canceled.");
    const quantity = intParam(bodyOf(request), "quantity");
    if (quantity !== undefined) {
      if (quantity < 1) throw invalid("Quantity must be at least 1.");
      item.quantity = quantity;
    }
    emit("customer.subscription.updated", subscription);
    return { body: item };
  });

  // --- pages a developer clicks through -------------------------------------------------------

  app.get("/checkout/:id", async (request, reply) => {
    const session = checkoutSessions.get(idParam(request));
    if (!session) return reply.code(404).type("text/html").send("<h1>No such checkout session</h1>");
    const lines = (session.line_items as Array<{ price: string; quantity: number }>)
      .map((line) => `<li>${escapeHtml(line.price)} × ${line.quantity} seats</li>`)
      .join("");
    const action = `/checkout/${encodeURIComponent(session.id)}/pay`;
    return reply.type("text/html").send(`<!doctype html><html><head><title>Stripe stand-in checkout</title></head>
<body><h1>Checkout (local Stripe stand-in)</h1><p>Nothing is charged: this page completes the session and sends its webhooks.</p>
<ul>${lines}</ul><p>Status: ${escapeHtml(String(session.status))}</p>
${session.status === "open" ? `<form method="post" action="${action}"><button type="submit">Pay</button></form>` : ""}
</body></html>`);
  });

  app.post("/checkout/:id/pay", async (request, reply) => {
    try {
      const session = pay(idParam(request));
      if ((request.headers.accept ?? "").includes("application/json")) return reply.send(session);
      // As Stripe does: the session's id where the success URL says {CHECKOUT_SESSION_ID}.
      return reply.redirect(withSessionId(String(session.success_url), session.id as string), 303);
    } catch (error) {
      if (error instanceof StripeError) return reply.code(error.status).send({ error: { message: error.message } });
      throw error;
    }
  });

  /** Test control: a payment already under way when the session was expired completes anyway. */
  app.post("/_stand-in/checkout/:id/pay-anyway", async (request, reply) => {
    try {
      return reply.send(pay(idParam(request), true));
    } catch (error) {
      if (error instanceof StripeError) return reply.code(error.status).send({ error: { message: error.message } });
      throw error;
    }
  });

  /**
   * Where billing sends payers back by default under `npm start` (BILLING_RETURN_URL unless set):
   * a page that exists and says what the app's billing page would do next.
   */
  app.get("/return", async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const id = typeof query.checkout_session === "string" ? query.checkout_session : null;
    const session = id ? checkoutSessions.get(id) : undefined;
    const about = session
      ? `<p>Checkout <code>${escapeHtml(String(session.id))}</code>: ${escapeHtml(String(session.status))}.</p>
<p>The app's billing page would now ask <code>workspace(id) { billing { checkout(id: "${escapeHtml(String(session.id))}") { status applied } } }</code>.</p>`
      : "<p>Back from Stripe (no checkout named).</p>";
    return reply.type("text/html").send(`<!doctype html><html><head><title>Back from Stripe</title></head>
<body><h1>Back from Stripe (local stand-in)</h1>${about}
<p>Set BILLING_RETURN_URL to the app's billing page to come back there instead.</p></body></html>`);
  });

  app.get("/portal/:id", async (request, reply) => {
    const session = portalSessions.get(idParam(request));
    if (!session) return reply.code(404).type("text/html").send("<h1>No such portal session</h1>");
    const back = session.return_url ? `<p><a href="${escapeHtml(String(session.return_url))}">Back</a></p>` : "";
    return reply
      .type("text/html")
      .send(
        `<!doctype html><html><body><h1>Customer portal (local Stripe stand-in)</h1><p>Customer ${escapeHtml(String(session.customer))}</p>${back}</body></html>`,
      );
  });

  // --- controls for tests ----------------------------------------------------------------------

  app.post("/_stand-in/failure", async (request, reply) => {
    const { mode, scope } = (request.body ?? {}) as { mode?: FailureMode; scope?: unknown };
    if (mode !== "none" && mode !== "http500" && mode !== "unreachable")
      return reply.code(400).send({ error: "mode: none | http500 | unreachable" });
    // Ending a failure names its scope too: one suite's clean-up never ends another's failure.
    if (typeof scope !== "string" || scope.length < 8)
      return reply.code(400).send({ error: "scope: the id whose requests fail (a workspace id, a subscription id)" });
    if (mode === "none") failures.delete(scope);
    else failures.set(scope, mode);
    return { mode, scope, failing: [...failures.keys()] };
  });

  /** `{ auto: false, scope }` records the events naming `scope` without sending them; `{ auto: true, scope }` sends them again. */
  app.post("/_stand-in/webhooks", async (request, reply) => {
    const { auto, scope } = (request.body ?? {}) as { auto?: unknown; scope?: unknown };
    if (typeof auto !== "boolean") return reply.code(400).send({ error: "auto: true | false" });
    if (typeof scope !== "string" || scope.length < 8)
      return reply.code(400).send({ error: "scope: the id whose events are held (a subscription id)" });
    if (auto) heldScopes.delete(scope);
    else heldScopes.add(scope);
    return { auto, scope, held: [...heldScopes] };
  });

  app.get("/_stand-in/events", async (request) => {
    const { type, subscription } = request.query as { type?: string; subscription?: string };
    return events
      .filter((recorded) => !type || recorded.event.type === type)
      .filter((recorded) => {
        if (!subscription) return true;
        const object = (recorded.event.data as { object: Record<string, unknown> }).object;
        return (
          object.id === subscription ||
          object.subscription === subscription ||
          JSON.stringify(object).includes(subscription)
        );
      })
      .map((recorded) => ({ ...recorded.event, delivered: recorded.delivered }));
  });

  /** Sends one recorded event again (freshly signed), as Stripe's "resend" does; answers the webhook's status. */
  app.post("/_stand-in/events/:id/deliver", async (request, reply) => {
    const recorded = events.find((candidate) => candidate.event.id === idParam(request));
    if (!recorded) return reply.code(404).send({ error: "no such event" });
    return { status: await deliver(recorded, 1) };
  });

  /** A renewal payment fails: the subscription goes past_due and Stripe says so. */
  app.post("/_stand-in/subscriptions/:id/payment-failed", async (request, reply) => {
    const subscription = subscriptions.get(idParam(request));
    if (!subscription) return reply.code(404).send({ error: "no such subscription" });
    subscription.status = "past_due";
    emit("invoice.payment_failed", invoiceFor(subscription, "open"));
    emit("customer.subscription.updated", subscription);
    return subscription;
  });

  /** Effective writes per `METHOD path`, counting only requests that name `scope`. */
  app.get("/_stand-in/stats", async (request, reply) => {
    const { scope } = request.query as { scope?: unknown };
    if (typeof scope !== "string" || scope.length < 8)
      return reply
        .code(400)
        .send({ error: "scope: the id the counted requests name (a workspace id, a subscription id)" });
    const counts: Record<string, number> = {};
    for (const { what, fingerprint } of effectiveWrites)
      if (fingerprint.includes(scope)) counts[what] = (counts[what] ?? 0) + 1;
    return counts;
  });

  await app.listen({ port: options.port, host });
  log(`Stripe stand-in: ${baseUrl}`);
  return {
    url: `http://${host}:${options.port}`,
    app,
    async close() {
      await Promise.allSettled([...deliveriesInFlight]);
      await app.close();
    },
  };
}
