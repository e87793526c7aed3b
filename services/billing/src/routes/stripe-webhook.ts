import type { FastifyInstance } from "fastify";
import Stripe from "stripe";
import { z } from "zod";
import { metrics } from "@support/metrics";
import { PUBLIC_ROUTE } from "@support/service-kit";
import type { Db } from "../db/client.js";
import { APPLIED_EVENT_TYPES, subjectOf, webhookTypeLabel } from "../domain/stripe-events.js";

/** Stripe's default: a signature older than this many seconds is refused (replays). */
const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * `POST /webhooks/stripe` (docs/adr/0007): a public route (Stripe sends no actor context; the
 * signature is its authentication). The signature is verified by
 * the `stripe` library on the raw body; a verified event is stored once by its id and answered
 * 200 at once; the processor applies it afterwards. Missing, wrong or stale signatures, and a
 * signed body that is not an event (`null`, `[]`, `{}`, no id or type): 400, nothing stored. A
 * refusal logs its reason, never the body or the Stripe-Signature header.
 */
export async function registerStripeWebhook(
  app: FastifyInstance,
  options: { db: Db; webhookSecret: string; onStored: () => void },
): Promise<void> {
  const verifier = new Stripe("sk_unused_for_verification");
  const outcomes = metrics.stripeWebhooks();
  // Only verified events name a type, and only the types billing applies get their own label.
  const refused = () => outcomes.inc({ outcome: "refused", event_type: "unknown" });
  // At 0 from the start: a scrape shows the family before the first webhook.
  outcomes.inc({ outcome: "refused", event_type: "unknown" }, 0);
  await app.register(async (scope) => {
    // Raw bytes for this route only: the signature covers the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_request, body, done) =>
      done(null, body),
    );
    // Public: Stripe sends no actor context; the signature below is its authentication.
    scope.post("/webhooks/stripe", PUBLIC_ROUTE, async (request, reply) => {
      const signature = request.headers["stripe-signature"];
      if (typeof signature !== "string" || !Buffer.isBuffer(request.body)) {
        refused();
        return reply.code(400).send({ error: "missing Stripe-Signature header or body" });
      }
      let body: unknown;
      try {
        // Verifies the signature on the raw bytes, then parses them.
        body = verifier.webhooks.constructEvent(
          request.body,
          signature,
          options.webhookSecret,
          WEBHOOK_TOLERANCE_SECONDS,
        );
      } catch (error) {
        // The reason only: the library's error also holds the header and the payload, and a JSON
        // syntax error quotes the body; none of them is logged.
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          const reason = (error.message.split("\n")[0] ?? "").slice(0, 200);
          request.log.warn({ reason }, "Stripe webhook refused: bad signature");
          refused();
          return reply.code(400).send({ error: "invalid signature" });
        }
        request.log.warn({ reason: "the signed body is not JSON" }, "Stripe webhook refused");
        refused();
        return reply.code(400).send({ error: "not a Stripe event" });
      }
      // Signed, so from Stripe (or whoever holds the secret): still only an event of Stripe's shape is stored.
      const parsed = eventShape.safeParse(body);
      if (!parsed.success) {
        request.log.warn({ reason: "the signed body is not a Stripe event" }, "Stripe webhook refused");
        refused();
        return reply.code(400).send({ error: "not a Stripe event" });
      }
      const event = parsed.data;
      const applied = APPLIED_EVENT_TYPES.has(event.type);
      // Stored once: ten simultaneous deliveries of one event insert one row.
      const inserted = await options.db.$executeRaw`
        INSERT INTO stripe_event (id, type, payload, processed_at, outcome, subscription_id)
        VALUES (${event.id}, ${event.type}, ${JSON.stringify(event)}::jsonb, ${applied ? null : new Date()},
                ${applied ? null : "ignored"}, ${applied ? (subjectOf(event)?.subscriptionId ?? null) : null})
        ON CONFLICT (id) DO NOTHING`;
      if (inserted > 0 && applied) options.onStored();
      outcomes.inc({
        outcome: inserted === 0 ? "duplicate" : applied ? "accepted" : "ignored",
        event_type: webhookTypeLabel(event.type),
      });
      return reply.code(200).send({ received: true, duplicate: inserted === 0 });
    });
  });
}

/** The parts of an event billing reads; anything else in the body is kept as Stripe sent it. */
const eventShape = z
  .object({
    id: z.string().regex(/^evt_\w{1,250}$/),
    type: z
      .string()
      .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/)
      .max(200),
    created: z.number().int().nonnegative(),
    data: z.object({ object: z.record(z.string(), z.unknown()) }).passthrough(),
  })
  .passthrough();
