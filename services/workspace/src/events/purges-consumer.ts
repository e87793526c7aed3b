import type { EventType, TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { recordPurge } from "../db/workspaces.js";
import type { PurgingService } from "../domain/deletion.js";

/** The types `onPurged` applies, and whose purge each records; every other event of the three topics is skipped without a transaction. */
const PURGED_BY = {
  "workspace_data.purged_by_identity": "identity",
  "workspace_data.purged_by_ticketing": "ticketing",
  "workspace_data.purged_by_billing": "billing",
} as const satisfies Partial<Record<EventType, PurgingService>>;

export const PURGED_EVENT_TYPES = Object.keys(PURGED_BY) as Array<keyof typeof PURGED_BY>;

/** Records each service's `workspace_data.purged_by_*` on the deletion it belongs to (idempotent). */
export async function onPurged(event: TypedEvent, tx: Tx): Promise<void> {
  if (!event.workspaceId || !(event.type in PURGED_BY)) return;
  await recordPurge(tx, event.workspaceId, PURGED_BY[event.type as keyof typeof PURGED_BY], new Date(event.occurredAt));
}
