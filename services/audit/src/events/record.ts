import type { TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { GENESIS_HASH, categoryOf, chainKeyOf, entryHash, type ChainedFields } from "../domain/chain.js";

function actorColumns(actor: TypedEvent["actor"]): Pick<ChainedFields, "actorType" | "actorId" | "actorLabel"> {
  switch (actor.type) {
    case "user":
      return { actorType: "user", actorId: actor.id, actorLabel: null };
    case "apiKey":
      // Only the prefix is ever shown for API keys (SPEC section 6).
      return { actorType: "apiKey", actorId: actor.id, actorLabel: actor.prefix };
    case "system":
    case "stripe":
      return { actorType: actor.type, actorId: null, actorLabel: actor.type };
  }
}

/**
 * Appends one event to its chain. The advisory lock serialises writers of one chain, so
 * positions are gapless and each entry hashes its predecessor.
 */
export async function recordActivity(event: TypedEvent, tx: Tx): Promise<void> {
  const chainKey = chainKeyOf(event.workspaceId, event.organisationId);
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, chainKey);
  const previous = await tx.activityEntry.findFirst({
    where: { chainKey },
    orderBy: { chainPosition: "desc" },
    select: { chainPosition: true, entryHash: true },
  });
  const fields: ChainedFields = {
    eventId: event.id,
    workspaceId: event.workspaceId,
    organisationId: event.organisationId,
    action: event.type,
    category: categoryOf(event.type),
    ...actorColumns(event.actor),
    targetType: event.target.type,
    targetId: event.target.id,
    targetLabel: event.target.label,
    changes: event.changes,
    occurredAt: new Date(event.occurredAt).toISOString(),
    chainPosition: (previous?.chainPosition ?? 0) + 1,
  };
  const previousHash = previous?.entryHash ?? GENESIS_HASH;
  await tx.activityEntry.create({
    data: {
      ...fields,
      changes: event.changes as object[],
      occurredAt: new Date(fields.occurredAt),
      chainKey,
      previousHash,
      entryHash: entryHash(previousHash, fields),
    },
  });
}
