import { z } from "zod";
import type { EventEnvelope } from "@support/events";
import type { Tx } from "../db/client.js";

const billingData = z.object({
  plan: z.enum(["BASIC", "PRO", "UNLIMITED"]).optional(),
  seats: z.number().int().min(0).optional(),
});

/**
 * Billing owns plan and seats; this copy feeds the custom-role allowance, plan exclusions and
 * the seat check (docs/adr/0004). Events of other types are ignored.
 */
export async function onBillingEvent(event: EventEnvelope, tx: Tx): Promise<void> {
  if (!["billing.trial_started", "billing.plan_changed", "billing.seats_changed"].includes(event.type)) return;
  if (!event.workspaceId) return;
  const parsed = billingData.safeParse(event.data);
  if (!parsed.success) return;
  const { plan, seats } = parsed.data;
  if (plan === undefined && seats === undefined) return;
  await tx.workspace.updateMany({
    where: { id: event.workspaceId },
    data: { ...(plan ? { plan } : {}), ...(seats !== undefined ? { seats } : {}) },
  });
}
