import type { Db, Tx } from "./client.js";
import {
  ChainVerifier,
  CheckpointChecker,
  type ChainKeys,
  type CheckpointFindings,
  type CheckpointRecord,
  type EntryWalk,
  type StoredEntry,
} from "../domain/chain.js";
import type { Signer } from "@support/service-kit";

/** A checkpoint as the graph shows it. */
export interface SignedCheckpoint {
  chainKey: string;
  position: number;
  entryHash: string;
  signedAt: Date;
  signatureValid: boolean;
}

/** A stored chain_checkpoint row. */
interface CheckpointRow {
  seq: bigint;
  chain_key: string;
  position: number;
  entry_hash: string;
  signed_at: Date;
  key_id: string;
  signature: string;
  version: number;
  previous_signature: string | null;
  seals_legacy: boolean;
}

/**
 * What a checkpoint's signature covers. Version 1 (before checkpoints were chained) signed the
 * head alone; version 2 also signs the previous checkpoint's signature and whether it seals the
 * chain's unkeyed (pre-HMAC) entries, so removing a checkpoint breaks the next one's link.
 */
function signedValue(row: Omit<CheckpointRow, "seq" | "key_id" | "signature">) {
  const head = {
    chainKey: row.chain_key,
    position: row.position,
    entryHash: row.entry_hash,
    signedAt: row.signed_at.toISOString(),
  };
  if (row.version < 2) return head;
  return { ...head, v: 2, previousSignature: row.previous_signature, sealsLegacy: row.seals_legacy };
}

const signatureHolds = (signer: Signer, row: CheckpointRow) =>
  signer.verify("checkpoint", signedValue(row), row.key_id, row.signature);

const viewOf = (signer: Signer, row: CheckpointRow): SignedCheckpoint => ({
  chainKey: row.chain_key,
  position: row.position,
  entryHash: row.entry_hash,
  signedAt: row.signed_at,
  signatureValid: signatureHolds(signer, row),
});

/** Why a checkpoint was not signed: the chain no longer reaches, or no longer holds, an earlier checkpoint. */
export class CheckpointRefused extends Error {
  constructor(
    readonly chainKey: string,
    readonly reason: "truncated" | "rewritten",
    readonly checkpointPosition: number,
    readonly headPosition: number,
  ) {
    super(
      reason === "truncated"
        ? `chain ${chainKey} ends at position ${headPosition}, behind its signed checkpoint at ${checkpointPosition}: entries were removed; not signed`
        : `chain ${chainKey} holds another hash at its signed checkpoint's position ${checkpointPosition}: it was rewritten; not signed`,
    );
  }
}

/** The chain's newest checkpoint whose signature verifies (forged rows someone inserted are skipped). */
async function latestTrusted(tx: Tx | Db, signer: Signer, chainKey: string): Promise<CheckpointRow | null> {
  let before: bigint | null = null;
  for (;;) {
    const rows: CheckpointRow[] = await tx.$queryRaw<CheckpointRow[]>`
      SELECT * FROM chain_checkpoint
       WHERE chain_key = ${chainKey} AND (${before}::bigint IS NULL OR seq < ${before}::bigint)
       ORDER BY seq DESC LIMIT 100`;
    for (const row of rows) if (signatureHolds(signer, row)) return row;
    if (rows.length < 100) return null;
    before = rows[rows.length - 1]!.seq;
  }
}

/**
 * Signs the chain's head into chain_checkpoint, chained to its newest trusted checkpoint; null
 * for a chain with no entries. Never signs a head behind that checkpoint, or one that holds
 * another hash at its position: that is a truncation or a rewrite, and it throws
 * CheckpointRefused instead (the callers log it at error and report it). A head already signed is
 * not signed again (the existing checkpoint is returned). Checkpoint writers of one chain are
 * serialised by an advisory lock of their own, so the checkpoints of a chain form one line (and
 * ingestion waits for them only while one removes the chain's chain_unsigned_head row);
 * `skipIfBusy` returns null at once when another writer holds it. `sealsLegacy`: see
 * sealLegacyChains.
 */
export async function writeCheckpoint(
  db: Db,
  signer: Signer,
  chainKey: string,
  options: { sealsLegacy?: boolean; skipIfBusy?: boolean } = {},
): Promise<SignedCheckpoint | null> {
  return db.$transaction(async (tx) => {
    if (options.skipIfBusy) {
      // The periodic run: another instance signing this chain right now has it in hand.
      const [lock] = await tx.$queryRaw<Array<{ locked: boolean }>>`
        SELECT pg_try_advisory_xact_lock(hashtextextended(${chainKey}, 8)) AS locked`;
      if (!lock?.locked) return null;
    } else await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${chainKey}, 8))`;
    const [head] = await tx.$queryRaw<Array<{ chain_position: number; entry_hash: string }>>`
      SELECT chain_position, entry_hash FROM activity_entry
       WHERE chain_key = ${chainKey} ORDER BY chain_position DESC LIMIT 1`;
    // Whatever this run decides about the head is final for it: the chain leaves the periodic run's
    // list unless entries past it were committed meanwhile (rolled back with a refusal, which the run
    // then reports again next time, on purpose).
    await tx.$executeRaw`
      DELETE FROM chain_unsigned_head WHERE chain_key = ${chainKey} AND position <= ${head?.chain_position ?? 0}`;
    if (!head) return null;
    const previous = await latestTrusted(tx, signer, chainKey);
    if (previous) {
      if (head.chain_position < previous.position)
        throw new CheckpointRefused(chainKey, "truncated", previous.position, head.chain_position);
      const [there] = await tx.$queryRaw<Array<{ entry_hash: string }>>`
        SELECT entry_hash FROM activity_entry WHERE chain_key = ${chainKey} AND chain_position = ${previous.position}`;
      if (there?.entry_hash !== previous.entry_hash)
        throw new CheckpointRefused(chainKey, "rewritten", previous.position, head.chain_position);
      // Already signed at this head (for a seal: already sealed there, e.g. by another instance
      // starting at the same moment, which held this lock first).
      if (head.chain_position === previous.position && (!options.sealsLegacy || previous.seals_legacy))
        return viewOf(signer, previous);
    }
    const row = {
      chain_key: chainKey,
      position: head.chain_position,
      entry_hash: head.entry_hash,
      signed_at: new Date(),
      version: 2,
      previous_signature: previous?.signature ?? null,
      seals_legacy: options.sealsLegacy ?? false,
    };
    const keyId = signer.currentKeyId;
    const signature = signer.sign("checkpoint", signedValue(row), keyId);
    await tx.$executeRaw`
      INSERT INTO chain_checkpoint (chain_key, position, entry_hash, signed_at, key_id, signature, version,
                                    previous_signature, seals_legacy)
      VALUES (${chainKey}, ${row.position}, ${row.entry_hash}, ${row.signed_at}, ${keyId}, ${signature}, 2,
              ${row.previous_signature}, ${row.seals_legacy})`;
    return {
      chainKey,
      position: row.position,
      entryHash: row.entry_hash,
      signedAt: row.signed_at,
      signatureValid: true,
    };
  });
}

/** The newest checkpoint of a chain, with whether its signature verifies. */
export async function latestCheckpoint(db: Db, signer: Signer, chainKey: string): Promise<SignedCheckpoint | null> {
  const [row] = await db.$queryRaw<CheckpointRow[]>`
    SELECT * FROM chain_checkpoint WHERE chain_key = ${chainKey} ORDER BY seq DESC LIMIT 1`;
  return row ? viewOf(signer, row) : null;
}

/** How a refused checkpoint is reported by the periodic run. */
export interface CheckpointLogger {
  error(details: object, message: string): void;
}

/**
 * The periodic run (every AUDIT_CHECKPOINT_INTERVAL_SECONDS, in every instance): signs the head of
 * every chain listed in chain_unsigned_head, which the consumer writes in the entries' own
 * transaction. So the run keeps nothing in memory between runs, reads no entries to find what
 * moved, and misses no chain however the appending transactions' commits interleave. Instances
 * running at once share the list: a chain another one is signing at that moment is left to it.
 * Returns how many heads it signed or found signed.
 */
export async function checkpointMovedChains(db: Db, signer: Signer, logger: CheckpointLogger): Promise<number> {
  let after = "";
  let handled = 0;
  for (;;) {
    const page = await db.$queryRaw<Array<{ chain_key: string }>>`
      SELECT chain_key FROM chain_unsigned_head WHERE chain_key > ${after} ORDER BY chain_key LIMIT 500`;
    for (const { chain_key: chainKey } of page) {
      try {
        if (await writeCheckpoint(db, signer, chainKey, { skipIfBusy: true })) handled += 1;
      } catch (error) {
        if (!(error instanceof CheckpointRefused)) throw error;
        logger.error(
          {
            chainKey: error.chainKey,
            reason: error.reason,
            checkpointPosition: error.checkpointPosition,
            headPosition: error.headPosition,
          },
          "audit chain tampered with: checkpoint refused",
        );
      }
    }
    if (page.length < 500) return handled;
    after = page[page.length - 1]!.chain_key;
  }
}

/**
 * Entries written before the chain was keyed (key_id null, plain sha256) are vouched for by a
 * signed seal: a checkpoint with seals_legacy, written by the first start of the keyed code before
 * it consumes anything, for every chain whose entries are all unkeyed. Verification accepts
 * unkeyed entries only up to a seal's position. A chain whose first entry is keyed (every chain
 * created since) is never sealed, so an unkeyed entry someone inserts there is always reported.
 */
export async function sealLegacyChains(db: Db, signer: Signer): Promise<number> {
  // Distinct chains by a loose index scan of (chain_key, chain_position), then each chain's first
  // and last entry: cheap however long the chains are.
  const candidates = await db.$queryRaw<Array<{ chain_key: string }>>`
    WITH RECURSIVE chains(key) AS (
      (SELECT chain_key FROM activity_entry ORDER BY chain_key LIMIT 1)
      UNION ALL
      SELECT (SELECT chain_key FROM activity_entry WHERE chain_key > c.key ORDER BY chain_key LIMIT 1)
        FROM chains c WHERE c.key IS NOT NULL)
    SELECT c.key AS chain_key FROM chains c
     WHERE c.key IS NOT NULL
       AND (SELECT key_id FROM activity_entry WHERE chain_key = c.key ORDER BY chain_position LIMIT 1) IS NULL
       AND (SELECT key_id FROM activity_entry WHERE chain_key = c.key ORDER BY chain_position DESC LIMIT 1) IS NULL
       AND NOT EXISTS (SELECT 1 FROM chain_checkpoint s WHERE s.chain_key = c.key AND s.seals_legacy)`;
  let sealed = 0;
  for (const { chain_key: chainKey } of candidates) {
    const [keyed] = await db.$queryRaw<Array<{ one: number }>>`
      SELECT 1 AS one FROM activity_entry WHERE chain_key = ${chainKey} AND key_id IS NOT NULL LIMIT 1`;
    if (keyed) continue;
    await writeCheckpoint(db, signer, chainKey, { sealsLegacy: true });
    sealed += 1;
  }
  return sealed;
}

/** The payload of a verification record: distinct from any checkpoint's (it has `kind`). */
const verifiedValue = (chainKey: string, checkpointSeq: bigint, checkpointSignature: string, verifiedAt: Date) => ({
  kind: "verified",
  chainKey,
  checkpointSeq: checkpointSeq.toString(),
  checkpointSignature,
  verifiedAt: verifiedAt.toISOString(),
});

/**
 * Where an incremental verification may start: the newest signed verification record whose
 * checkpoint still verifies and still matches the chain. null: start from the genesis.
 */
async function verifiedStart(db: Db, signer: Signer, chainKey: string): Promise<CheckpointRow | null> {
  const records = await db.$queryRaw<
    Array<{ checkpoint_seq: bigint; verified_at: Date; key_id: string; signature: string; cp: CheckpointRow | null }>
  >`
    SELECT v.checkpoint_seq, v.verified_at, v.key_id, v.signature, to_jsonb(c) AS cp
      FROM chain_verification v
      LEFT JOIN chain_checkpoint c ON c.seq = v.checkpoint_seq AND c.chain_key = v.chain_key
     WHERE v.chain_key = ${chainKey} ORDER BY v.seq DESC LIMIT 20`;
  for (const record of records) {
    // A record whose checkpoint does not exist (the join found none) gives no starting point.
    if (record.cp?.seq === undefined || record.cp.seq === null) continue;
    const cp: CheckpointRow = {
      ...record.cp,
      seq: BigInt(record.cp.seq),
      signed_at: new Date(record.cp.signed_at),
    };
    const recordHolds = signer.verify(
      "checkpoint",
      verifiedValue(chainKey, cp.seq, cp.signature, record.verified_at),
      record.key_id,
      record.signature,
    );
    if (!recordHolds || !signatureHolds(signer, cp)) continue;
    const [there] = await db.$queryRaw<Array<{ entry_hash: string }>>`
      SELECT entry_hash FROM activity_entry WHERE chain_key = ${chainKey} AND chain_position = ${cp.position}`;
    // The chain no longer holds the verified checkpoint: verify everything (and report it).
    return there?.entry_hash === cp.entry_hash ? cp : null;
  }
  return null;
}

const recordOf = (signer: Signer, row: CheckpointRow & { hash_now: string | null }): CheckpointRecord => ({
  seq: row.seq,
  position: row.position,
  entryHash: row.entry_hash,
  version: row.version,
  previousSignature: row.previous_signature,
  signature: row.signature,
  signatureValid: signatureHolds(signer, row),
  hashNow: row.hash_now,
});

const PAGE = 2_000;

export type ChainVerification = EntryWalk &
  Omit<CheckpointFindings, "lastGood"> & {
    valid: boolean;
    /** Whether the walk started at the genesis (false: after a checkpoint verified before). */
    full: boolean;
    /** The position the walk started after (0 for a full verification). */
    verifiedFrom: number;
    checkpoint: SignedCheckpoint | null;
  };

/**
 * Recomputes a chain page by page (flat memory at any length) and holds it against every
 * checkpoint. Incremental unless `full`: it starts after the newest checkpoint a previous
 * verification found intact (a signed chain_verification row) and checks only the checkpoints
 * written since; a valid result records the newest checkpoint it covered (insert only).
 */
export async function verifyChain(
  db: Db,
  signer: Signer,
  keys: ChainKeys,
  chainKey: string,
  options: { full: boolean },
): Promise<ChainVerification> {
  const seals = await db.$queryRaw<CheckpointRow[]>`
    SELECT * FROM chain_checkpoint WHERE chain_key = ${chainKey} AND seals_legacy`;
  const legacyUpTo = Math.max(0, ...seals.filter((s) => signatureHolds(signer, s)).map((s) => s.position));
  const start = options.full ? null : await verifiedStart(db, signer, chainKey);

  const verifier = new ChainVerifier(keys, {
    legacyUpTo,
    ...(start ? { start: { position: start.position, hash: start.entry_hash } } : {}),
  });
  let after = start?.position ?? 0;
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
        keyId: row.keyId,
      };
      verifier.feed(entry);
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.chainPosition;
  }
  const walk = verifier.finish();

  // Every checkpoint written since the verified one (all of them for a full verification), each
  // with the hash the chain holds at its position today.
  const checker = new CheckpointChecker(
    walk.headPosition,
    start ? recordOf(signer, { ...start, hash_now: start.entry_hash }) : null,
  );
  let afterSeq = start?.seq ?? 0n;
  for (;;) {
    const rows = await db.$queryRaw<Array<CheckpointRow & { hash_now: string | null }>>`
      SELECT c.*, e.entry_hash AS hash_now FROM chain_checkpoint c
        LEFT JOIN activity_entry e ON e.chain_key = c.chain_key AND e.chain_position = c.position
       WHERE c.chain_key = ${chainKey} AND c.seq > ${afterSeq} ORDER BY c.seq LIMIT ${PAGE}`;
    for (const row of rows) checker.feed(recordOf(signer, row));
    if (rows.length < PAGE) break;
    afterSeq = rows[rows.length - 1]!.seq;
  }
  const { lastGood, ...findings } = checker.finish();
  const valid =
    !walk.firstBrokenEntry &&
    !findings.truncated &&
    !findings.rewritten &&
    findings.forgedCheckpoints === 0 &&
    !findings.checkpointChainBroken;

  if (valid && lastGood && lastGood.seq !== start?.seq) {
    const verifiedAt = new Date();
    const keyId = signer.currentKeyId;
    await db.chainVerification.create({
      data: {
        chainKey,
        checkpointSeq: lastGood.seq,
        verifiedAt,
        keyId,
        signature: signer.sign(
          "checkpoint",
          verifiedValue(chainKey, lastGood.seq, lastGood.signature, verifiedAt),
          keyId,
        ),
      },
    });
  }
  return {
    ...walk,
    ...findings,
    valid,
    full: start === null,
    verifiedFrom: start?.position ?? 0,
    checkpoint: await latestCheckpoint(db, signer, chainKey),
  };
}
