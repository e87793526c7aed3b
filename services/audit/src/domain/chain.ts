import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
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

/** ChainedFields' keys in RFC 8785 order (UTF-16 code units: "actorId" before "actorLabel" before "actorType"). */
const CANONICAL_KEYS = [
  "action",
  "actorId",
  "actorLabel",
  "actorType",
  "category",
  "chainPosition",
  "changes",
  "eventId",
  "occurredAt",
  "organisationId",
  "targetId",
  "targetLabel",
  "targetType",
  "workspaceId",
] as const satisfies ReadonlyArray<keyof ChainedFields>;

/** In a `u` pattern a surrogate pair is one code point, so only a lone surrogate matches. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * RFC 8785 canonical JSON of an entry's chained fields, byte for byte what `canonicalize(fields)`
 * gives for a ChainedFields object (chain.test.ts compares them), without sorting the same 14
 * keys again for every entry: linking is on the consumer's path, once per event (issue 25).
 * Strings go through JSON.stringify as RFC 8785 prescribes, after the check `canonicalize` makes
 * (a lone surrogate is refused, not escaped); `changes` and anything not a string or null go
 * through `canonicalize` itself.
 */
export function canonicalFields(fields: ChainedFields): string {
  let out = "{";
  for (const key of CANONICAL_KEYS) {
    const value = fields[key];
    let serialized: string | undefined;
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) throw new Error("Lone surrogate is not allowed");
      serialized = JSON.stringify(value);
    } else serialized = value === null ? "null" : canonicalize(value);
    // Dropped as canonicalize drops it: an undefined value (or one JSON has no form for).
    if (serialized === undefined) continue;
    if (out.length > 1) out += ",";
    out += `"${key}":${serialized}`;
  }
  return `${out}}`;
}

/** Written before the chain was keyed: sha256(previousHash || RFC 8785 canonical JSON of the entry). */
export function entryHash(previousHash: string, fields: ChainedFields): string {
  return createHash("sha256").update(previousHash).update(canonicalFields(fields)).digest("hex");
}

/** One AUDIT_SIGNING_KEYS entry: its id and secret. */
export interface SigningKey {
  kid: string;
  secret: string;
}

/**
 * The keys that link a chain (docs/adr/0008): per configured key, HKDF-SHA256(secret, info,
 * "chain") — the same derivation the checkpoint and download signatures use, under its own
 * purpose, so a link can never pass for a checkpoint or a download token. The first key links new
 * entries; every configured key verifies, so keys rotate. Derived once: linking is one HMAC.
 */
export class ChainKeys {
  private readonly derived: ReadonlyMap<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: readonly SigningKey[], info = "support-audit") {
    if (keys.length === 0) throw new Error("at least one signing key is needed");
    this.currentKeyId = keys[0]!.kid;
    this.derived = new Map(keys.map((k) => [k.kid, Buffer.from(hkdfSync("sha256", k.secret, info, "chain", 32))]));
  }

  has(keyId: string): boolean {
    return this.derived.has(keyId);
  }

  /** entryHash = HMAC-SHA256(chain key of `keyId`, previousHash || canonical JSON of the entry). */
  link(previousHash: string, fields: ChainedFields, keyId = this.currentKeyId): string {
    const key = this.derived.get(keyId);
    if (!key) throw new Error(`unknown signing key ${keyId}`);
    return createHmac("sha256", key).update(previousHash).update(canonicalFields(fields)).digest("hex");
  }

  /** Whether `hash` is the link `keyId` makes; false for an unknown key id. Constant time. */
  verify(previousHash: string, fields: ChainedFields, keyId: string, hash: string): boolean {
    if (!this.has(keyId) || !/^[0-9a-f]{64}$/.test(hash)) return false;
    return timingSafeEqual(Buffer.from(this.link(previousHash, fields, keyId), "hex"), Buffer.from(hash, "hex"));
  }
}

export function chainKeyOf(workspaceId: string | null, organisationId: string): string {
  return workspaceId ?? `org:${organisationId}`;
}

/** The activity-log category of an event type, as the event registry declares it. */
export function categoryOf(type: EventType): EventCategory {
  return EVENT_REGISTRY[type].category;
}

/** An entry as stored: its chained fields plus the hashes that link it and the key that made the link. */
export interface StoredEntry extends ChainedFields {
  previousHash: string;
  entryHash: string;
  /** null: written before the chain was keyed (plain sha256). */
  keyId: string | null;
}

/**
 * ENTRY_CHANGED: its hash no longer matches its contents. LINK_BROKEN: it does not point at its
 * predecessor. ENTRIES_MISSING: positions jump. NOT_SIGNED: its link is not an HMAC under a
 * configured key (unknown key id, or an unkeyed entry past the chain's signed legacy seal): the
 * audit service did not write it.
 */
export type ChainBreak = "ENTRY_CHANGED" | "LINK_BROKEN" | "ENTRIES_MISSING" | "NOT_SIGNED";

export interface EntryWalk {
  entriesChecked: number;
  headPosition: number;
  headHash: string;
  firstBrokenEntry: { id: string; chainPosition: number; reason: ChainBreak } | null;
}

/**
 * Walks one chain in position order (fed page by page, so memory stays flat) and names the
 * first entry that breaks it. It starts at the genesis, or after an entry whose position and
 * hash a verified, signed checkpoint vouches for (incremental verification). Entries without a key
 * id (written before the chain was keyed) are accepted only up to `legacyUpTo`, the position a
 * signed legacy seal vouches for; anything unkeyed after it was not written by the service.
 */
export class ChainVerifier {
  private previousHash: string;
  private position: number;
  private checked = 0;
  private broken: EntryWalk["firstBrokenEntry"] = null;

  constructor(
    private readonly keys: ChainKeys,
    private readonly options: { start?: { position: number; hash: string }; legacyUpTo?: number } = {},
  ) {
    this.position = options.start?.position ?? 0;
    this.previousHash = options.start?.hash ?? GENESIS_HASH;
  }

  feed(entry: StoredEntry): void {
    this.checked += 1;
    if (!this.broken) {
      const reason = this.breakOf(entry);
      if (reason) this.broken = { id: entry.eventId, chainPosition: entry.chainPosition, reason };
    }
    this.previousHash = entry.entryHash;
    this.position = entry.chainPosition;
  }

  private breakOf(entry: StoredEntry): ChainBreak | null {
    if (entry.chainPosition !== this.position + 1) return "ENTRIES_MISSING";
    if (entry.previousHash !== this.previousHash) return "LINK_BROKEN";
    const fields = chainedFieldsOf(entry);
    if (entry.keyId === null) {
      if (entry.chainPosition > (this.options.legacyUpTo ?? 0)) return "NOT_SIGNED";
      return entryHash(entry.previousHash, fields) === entry.entryHash ? null : "ENTRY_CHANGED";
    }
    if (!this.keys.has(entry.keyId)) return "NOT_SIGNED";
    return this.keys.verify(entry.previousHash, fields, entry.keyId, entry.entryHash) ? null : "ENTRY_CHANGED";
  }

  finish(): EntryWalk {
    return {
      entriesChecked: this.checked,
      headPosition: this.position,
      headHash: this.previousHash,
      firstBrokenEntry: this.broken,
    };
  }
}

/** A stored checkpoint as verification sees it: its claims, and the chain's hash at its position now. */
export interface CheckpointRecord {
  seq: bigint;
  position: number;
  entryHash: string;
  version: number;
  previousSignature: string | null;
  signature: string;
  signatureValid: boolean;
  /** The hash the chain holds at the checkpoint's position today; null when there is no entry there. */
  hashNow: string | null;
}

export interface CheckpointFindings {
  checkpointsChecked: number;
  /** A signed position beyond the chain's end: newest entries were cut off. */
  truncated: boolean;
  /** A signed position holding another hash: the chain was rewritten up to there. */
  rewritten: boolean;
  /** Checkpoints whose signature does not verify with any configured key. */
  forgedCheckpoints: number;
  /** A chained checkpoint that does not name its predecessor's signature: checkpoints were removed. */
  checkpointChainBroken: boolean;
  /** The newest checkpoint with a valid signature that the chain still matches. */
  lastGood: CheckpointRecord | null;
}

/**
 * Holds the chain against every checkpoint (in the order they were written), not only the
 * latest: a tail cut off and then checkpointed again is still caught by the earlier checkpoint.
 * `previous` is the trusted checkpoint before the first one fed (incremental verification).
 */
export class CheckpointChecker {
  private readonly findings: CheckpointFindings;
  private lastTrusted: CheckpointRecord | null;

  constructor(
    private readonly headPosition: number,
    previous: CheckpointRecord | null = null,
  ) {
    this.lastTrusted = previous;
    this.findings = {
      checkpointsChecked: 0,
      truncated: false,
      rewritten: false,
      forgedCheckpoints: 0,
      checkpointChainBroken: false,
      lastGood: previous,
    };
  }

  feed(checkpoint: CheckpointRecord): void {
    const f = this.findings;
    f.checkpointsChecked += 1;
    if (!checkpoint.signatureValid) {
      f.forgedCheckpoints += 1;
      return;
    }
    if (checkpoint.version >= 2 && checkpoint.previousSignature !== (this.lastTrusted?.signature ?? null))
      f.checkpointChainBroken = true;
    this.lastTrusted = checkpoint;
    if (checkpoint.position > this.headPosition) f.truncated = true;
    else if (checkpoint.hashNow !== checkpoint.entryHash) f.rewritten = true;
    else if (!f.truncated && !f.rewritten && !f.checkpointChainBroken) f.lastGood = checkpoint;
  }

  finish(): CheckpointFindings {
    return { ...this.findings };
  }
}

/** Exactly the fields the hash covers, whatever else the stored row carries. */
export function chainedFieldsOf(entry: ChainedFields): ChainedFields {
  return {
    eventId: entry.eventId,
    workspaceId: entry.workspaceId,
    organisationId: entry.organisationId,
    action: entry.action,
    category: entry.category,
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorLabel: entry.actorLabel,
    targetType: entry.targetType,
    targetId: entry.targetId,
    targetLabel: entry.targetLabel,
    changes: entry.changes,
    occurredAt: entry.occurredAt,
    chainPosition: entry.chainPosition,
  };
}
