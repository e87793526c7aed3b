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

/** An entry as stored: its chained fields plus the hashes that link it. */
export interface StoredEntry extends ChainedFields {
  previousHash: string;
  entryHash: string;
}

export type ChainBreak = "ENTRY_CHANGED" | "LINK_BROKEN" | "ENTRIES_MISSING";

export interface Checkpoint {
  position: number;
  entryHash: string;
  signatureValid: boolean;
}

export interface ChainVerification {
  valid: boolean;
  entriesChecked: number;
  headPosition: number;
  firstBrokenEntry: { id: string; chainPosition: number; reason: ChainBreak } | null;
  truncated: boolean;
  rewritten: boolean;
}

/**
 * Walks one chain in position order (fed page by page, so memory stays flat) and names the
 * first entry that breaks it. `finish` compares the end of the chain with the latest signed
 * checkpoint: a chain cut short of it, or holding another hash at its position, is not valid.
 */
export class ChainVerifier {
  private previousHash = GENESIS_HASH;
  private position = 0;
  private checked = 0;
  private broken: ChainVerification["firstBrokenEntry"] = null;
  private hashAtCheckpoint: string | null = null;

  constructor(private readonly checkpoint: Checkpoint | null) {}

  feed(entry: StoredEntry): void {
    this.checked += 1;
    if (!this.broken) {
      const reason: ChainBreak | null =
        entry.chainPosition !== this.position + 1
          ? "ENTRIES_MISSING"
          : entry.previousHash !== this.previousHash
            ? "LINK_BROKEN"
            : entryHash(entry.previousHash, chainedFieldsOf(entry)) !== entry.entryHash
              ? "ENTRY_CHANGED"
              : null;
      if (reason) this.broken = { id: entry.eventId, chainPosition: entry.chainPosition, reason };
    }
    if (this.checkpoint && entry.chainPosition === this.checkpoint.position) this.hashAtCheckpoint = entry.entryHash;
    this.previousHash = entry.entryHash;
    this.position = entry.chainPosition;
  }

  finish(): ChainVerification {
    const checkpoint = this.checkpoint;
    const truncated = checkpoint !== null && this.position < checkpoint.position;
    const rewritten =
      checkpoint !== null &&
      !truncated &&
      this.hashAtCheckpoint !== null &&
      this.hashAtCheckpoint !== checkpoint.entryHash;
    const forged = checkpoint !== null && !checkpoint.signatureValid;
    return {
      valid: !this.broken && !truncated && !rewritten && !forged,
      entriesChecked: this.checked,
      headPosition: this.position,
      firstBrokenEntry: this.broken,
      truncated,
      rewritten,
    };
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
