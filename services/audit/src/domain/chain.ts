import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { EVENT_REGISTRY, type EventCategory, type EventType } from "@support/events";

/** The fields of an entry covered by its hash; anything else may be added without breaking chains. */
export interface ChainedFields {
  eventId: string;
  workspaceId: string | null;
  organisationId: string;
  action: string;
  category: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  targetType: string;
  targetId: string;
  targetLabel: string | null;
  changes: unknown;
  occurredAt: string;
  chainPosition: number;
}

export const GENESIS_HASH = "0".repeat(64);

/** entryHash = sha256(previousHash || RFC 8785 canonical JSON of the entry). */
export function entryHash(previousHash: string, fields: ChainedFields): string {
  return createHash("sha256")
    .update(previousHash)
    .update(canonicalize(fields) ?? "")
    .digest("hex");
}

export function chainKeyOf(workspaceId: string | null, organisationId: string): string {
  return workspaceId ?? `org:${organisationId}`;
}

/** The activity-log category of an event type, as the event registry declares it. */
export function categoryOf(type: EventType): EventCategory {
  return EVENT_REGISTRY[type].category;
}
