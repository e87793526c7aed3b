import Stripe from "stripe";
import type { Logger } from "@support/logger";
import { LeaseWorker, backoffSeconds } from "@support/service-kit";
import { idempotencyKey, type BillingStripe } from "../clients/stripe.js";
import type { Db } from "../db/client.js";
import { purgeAccount } from "../events/workspace-consumer.js";

interface ClaimedCancellation {
  workspaceId: string;
  subscriptionId: string;
  attempts: number;
}

/**
 * Cancels, at once, the subscriptions of deleted workspaces (SPEC section 5). Each is retried with
 * back-off until Stripe confirms, then marked confirmed and never sent again; every attempt
 * carries the same idempotency key, so a retry after a lost answer is replayed by Stripe, not
 * applied twice. Once confirmed, the deleted workspace's account is purged (docs/adr/0010).
 */
export function createCancellationWorker(options: { db: Db; stripe: BillingStripe; logger: Logger }) {
  const { db, stripe, logger } = options;
  return new LeaseWorker<ClaimedCancellation>({
    name: "subscription-cancellations",
    logger,
    claim: async () => {
      const rows = await db.$queryRaw<Array<{ workspace_id: string; subscription_id: string; attempts: number }>>`
        UPDATE subscription_cancellation SET locked_until = now() + interval '60 seconds', attempts = attempts + 1
        WHERE workspace_id = (
          SELECT workspace_id FROM subscription_cancellation
          WHERE confirmed_at IS NULL AND (locked_until IS NULL OR locked_until <= now())
          ORDER BY requested_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING workspace_id, subscription_id, attempts`;
      const row = rows[0];
      return row
        ? { workspaceId: row.workspace_id, subscriptionId: row.subscription_id, attempts: row.attempts }
        : null;
    },
    run: async (job) => {
      try {
        await stripe.cancelNow({
          subscriptionId: job.subscriptionId,
          idempotencyKey: idempotencyKey("cancel-deleted-workspace", job.subscriptionId),
        });
      } catch (error) {
        // Already ended (e.g. at its period end, or canceled in the dashboard): nothing left to do.
        const alreadyEnded =
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          (await stripe.retrieve(job.subscriptionId)).status === "canceled";
        if (!alreadyEnded) throw error;
      }
      await db.$transaction(async (tx) => {
        await tx.subscriptionCancellation.update({
          where: { workspaceId: job.workspaceId },
          data: { confirmedAt: new Date(), lockedUntil: null, lastError: null },
        });
        const account = await tx.billingAccount.findUnique({ where: { workspaceId: job.workspaceId } });
        if (account) await purgeAccount(tx, job.workspaceId, account.organisationId);
      });
      logger.info(
        { workspaceId: job.workspaceId, subscriptionId: job.subscriptionId },
        "subscription canceled (workspace deleted)",
      );
    },
    failed: async (job, error) => {
      await db.$executeRaw`
        UPDATE subscription_cancellation
        SET locked_until = now() + make_interval(secs => ${backoffSeconds(job.attempts)}::double precision),
            last_error = ${error instanceof Error ? error.message : String(error)}
        WHERE workspace_id = ${job.workspaceId}::uuid`;
    },
  });
}
