import type { WorkspaceDeletion } from "../db/generated/client.js";

/** The services that purge their data of a deleted workspace, and the record column of each. */
export const PURGING_SERVICES = ["identity", "ticketing", "billing"] as const;
export type PurgingService = (typeof PURGING_SERVICES)[number];

/** A deletion's record as the graph's WorkspaceDeletion: which services have purged. */
export function deletionView(deletion: WorkspaceDeletion) {
  const purgedAt: Record<PurgingService, Date | null> = {
    identity: deletion.identityPurgedAt,
    ticketing: deletion.ticketingPurgedAt,
    billing: deletion.billingPurgedAt,
  };
  return {
    workspaceId: deletion.workspaceId,
    name: deletion.name,
    requestedAt: deletion.requestedAt.toISOString(),
    // The workspace service's own rows go in the deleting transaction.
    services: [
      { service: "workspace", purgedAt: deletion.requestedAt.toISOString() },
      ...PURGING_SERVICES.map((service) => ({ service, purgedAt: purgedAt[service]?.toISOString() ?? null })),
    ],
    done: PURGING_SERVICES.every((service) => purgedAt[service] !== null),
  };
}
