import type { Db } from "./client.js";
import { ChainVerifier, type ChainVerification, type Checkpoint, type StoredEntry } from "../domain/chain.js";
import type { Signer } from "@support/service-kit";

export interface SignedCheckpoint extends Checkpoint {
  chainKey: string;
  signedAt: Date;
}

const signedValue = (chainKey: string, position: number, entryHash: string, signedAt: Date) => ({
  chainKey,
  position,
  entryHash,
  signedAt: signedAt.toISOString(),
});

/** Signs the chain's current head into chain_checkpoint; null for a chain with no entries. */
export async function writeCheckpoint(db: Db, signer: Signer, chainKey: string): Promise<SignedCheckpoint | null> {
  const head = await db.activityEntry.findFirst({
    where: { chainKey },
    orderBy: { chainPosition: "desc" },
    select: { chainPosition: true, entryHash: true },
  });
  if (!head) return null;
  const signedAt = new Date();
  const keyId = signer.currentKeyId;
  await db.chainCheckpoint.create({
    data: {
      chainKey,
      position: head.chainPosition,
      entryHash: head.entryHash,
      signedAt,
      keyId,
      signature: signer.sign("checkpoint", signedValue(chainKey, head.chainPosition, head.entryHash, signedAt), keyId),
    },
  });
  return { chainKey, position: head.chainPosition, entryHash: head.entryHash, signedAt, signatureValid: true };
}

/** The newest checkpoint of a chain, with whether its signature verifies. */
export async function latestCheckpoint(db: Db, signer: Signer, chainKey: string): Promise<SignedCheckpoint | null> {
  const row = await db.chainCheckpoint.findFirst({ where: { chainKey }, orderBy: { seq: "desc" } });
  if (!row) return null;
  return {
    chainKey,
    position: row.position,
    entryHash: row.entryHash,
    signedAt: row.signedAt,
    signatureValid: signer.verify(
      "checkpoint",
      signedValue(chainKey, row.position, row.entryHash, row.signedAt),
      row.keyId,
      row.signature,
    ),
  };
}

/**
 * Checkpoints every chain that received entries since the last run (entries after `afterSeq`);
 * returns the highest seq seen, to pass next time. Several instances may do this at once: a
 * second checkpoint of the same head is harmless.
 */
export async function checkpointMovedChains(db: Db, signer: Signer, afterSeq: bigint): Promise<bigint> {
  const moved = await db.$queryRaw<Array<{ chain_key: string; max_seq: bigint }>>`
    SELECT chain_key, max(seq) AS max_seq FROM activity_entry WHERE seq > ${afterSeq} GROUP BY chain_key`;
  let highest = afterSeq;
  for (const chain of moved) {
    await writeCheckpoint(db, signer, chain.chain_key);
    if (chain.max_seq > highest) highest = chain.max_seq;
  }
  return highest;
}

const PAGE = 2_000;

/** Recomputes a chain page by page (flat memory at any length) against its latest checkpoint. */
export async function verifyChain(
  db: Db,
  signer: Signer,
  chainKey: string,
): Promise<ChainVerification & { checkpoint: SignedCheckpoint | null }> {
  const checkpoint = await latestCheckpoint(db, signer, chainKey);
  const verifier = new ChainVerifier(checkpoint);
  let after = 0;
  for (;;) {
    const rows = await db.activityEntry.findMany({
      where: { chainKey, chainPosition: { gt: after } },
      orderBy: { chainPosition: "asc" },
      take: PAGE,
    });
    for (const row of rows) {
      const entry: StoredEntry = {
        eventId: row.eventId,
        workspaceId: row.workspaceId,
        organisationId: row.organisationId,
        action: row.action,
        category: row.category,
        actorType: row.actorType,
        actorId: row.actorId,
        actorLabel: row.actorLabel,
        targetType: row.targetType,
        targetId: row.targetId,
        targetLabel: row.targetLabel,
        changes: row.changes,
        occurredAt: row.occurredAt.toISOString(),
        chainPosition: row.chainPosition,
        previousHash: row.previousHash,
        entryHash: row.entryHash,
      };
      verifier.feed(entry);
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.chainPosition;
  }
  return { ...verifier.finish(), checkpoint };
}
