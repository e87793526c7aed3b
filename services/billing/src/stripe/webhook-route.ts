import type { FastifyInstance } from "fastify";
import Stripe from "stripe";
import { PUBLIC_ROUTE } from "@support/service-kit";
import type { Db } from "../db/client.js";
import { APPLIED_EVENT_TYPES } from "./event-processor.js";

/** Stripe's default: a signature older than this many seconds is refused (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * `POST /webhooks/stripe` (docs/adr/0007): a public route (Stripe sends no actor context; the
 * signature is its authentication). The signature is verified by
 * the `stripe` library on the raw body; a verified event is stored once by its id and answered
 * 200 at once; the processor applies it afterwards. Missing, wrong or stale signatures: 400,
 * nothing stored.
 */
export async function registerStripeWebhook(
  app: FastifyInstance,
  options: { db: Db; webhookSecret: string; onStored: () => void },
): Promise<void> {
  const verifier = new Stripe("sk_unused_for_verification");
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
        return reply.code(400).send({ error: "missing Stripe-Signature header or body" });
      }
      let event: Stripe.Event;
      try {
        event = verifier.webhooks.constructEvent(
          request.body,
          signature,
          options.webhookSecret,
          WEBHOOK_TOLERANCE_SECONDS,
        );
      } catch (error) {
        request.log.warn({ err: error }, "Stripe webhook refused: bad signature");
        return reply.code(400).send({ error: "invalid signature" });
      }
      const applied = APPLIED_EVENT_TYPES.has(event.type);
      // Stored once: ten simultaneous deliveries of one event insert one row.
      const inserted = await options.db.$executeRaw`
        INSERT INTO stripe_event (id, type, payload, processed_at)
        VALUES (${event.id}, ${event.type}, ${JSON.stringify(event)}::jsonb, ${applied ? null : new Date()})
        ON CONFLICT (id) DO NOTHING`;
      if (inserted > 0 && applied) options.onStored();
      return reply.code(200).send({ received: true, duplicate: inserted === 0 });
    });
  });
}
