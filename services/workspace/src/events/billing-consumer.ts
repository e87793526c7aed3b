import type { EventType, TypedEvent } from "@support/events";
import type { Logger } from "@support/logger";
import type { Tx } from "../db/client.js";
import { applyBillingState } from "../db/workspaces.js";
import { permissionsMayChange } from "./permission-changes.js";

/**
 * Billing owns plan and seats; this copy feeds the custom-role allowance, plan exclusions and
 * the seat check (docs/adr/0004). Each billing.* event carries the account's whole state and
 * version: an older one than the copy holds (delivered late) is skipped. Other types are ignored.
 */
/** The types `billingEventHandler` applies; every other type of `billing.events` is skipped without a transaction. */
export const BILLING_EVENT_TYPES = [
  "billing.trial_started",
  "billing.plan_changed",
  "billing.seats_changed",
] as const satisfies readonly EventType[];

type BillingStateEvent = TypedEvent<(typeof BILLING_EVENT_TYPES)[number]>;
const carriesBillingState = (event: TypedEvent): event is BillingStateEvent =>
  (BILLING_EVENT_TYPES as readonly string[]).includes(event.type);

export function billingEventHandler(logger: Logger) {
  return async (event: TypedEvent, tx: Tx): Promise<void> => {
    if (!carriesBillingState(event) || !event.workspaceId) return;
    const { plan, seats, aggregateVersion } = event.data;
    const applied = await applyBillingState(tx, event.workspaceId, { plan, seats, aggregateVersion });
    // The plan decides which permissions exist (plan exclusions): cached answers are stale.
    if (applied) permissionsMayChange(event.workspaceId);
    else
      logger.debug(
        { eventId: event.id, type: event.type, workspaceId: event.workspaceId, aggregateVersion },
        "older billing event (or unknown workspace) skipped",
      );
  };
}
