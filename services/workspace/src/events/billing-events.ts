import type { EventType, TypedEvent } from "@support/events";
import type { Logger } from "@support/logger";
import type { Tx } from "../db/client.js";
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

export function billingEventHandler(logger: Logger) {
  return async (event: TypedEvent, tx: Tx): Promise<void> => {
    switch (event.type) {
      case "billing.trial_started":
      case "billing.plan_changed":
      case "billing.seats_changed": {
        if (!event.workspaceId) return;
        const { plan, seats, aggregateVersion } = event.data;
        const { count } = await tx.workspace.updateMany({
          where: { id: event.workspaceId, billingVersion: { lt: aggregateVersion } },
          data: { plan, seats, billingVersion: aggregateVersion },
        });
        // The plan decides which permissions exist (plan exclusions): cached answers are stale.
        if (count > 0) permissionsMayChange(event.workspaceId);
        if (count === 0) {
          logger.debug(
            { eventId: event.id, type: event.type, workspaceId: event.workspaceId, aggregateVersion },
            "older billing event (or unknown workspace) skipped",
          );
        }
        return;
      }
      default:
        return;
    }
  };
}
