import { describe, expect, test } from "@jest/globals";
import { EVENT_REGISTRY, type EventType } from "@support/events";
import {
  ChainVerifier,
  GENESIS_HASH,
  categoryOf,
  chainedFieldsOf,
  entryHash,
  type ChainedFields,
  type Checkpoint,
  type StoredEntry,
} from "./chain.js";

describe("categoryOf", () => {
  test.each(Object.keys(EVENT_REGISTRY) as EventType[])("%s has the category its registry entry declares", (type) => {
    expect(categoryOf(type)).toBe(EVENT_REGISTRY[type].category);
    expect(categoryOf(type)).toMatch(/^[a-z_]+$/);
  });
});

describe("ChainVerifier", () => {
  const build = (n: number): StoredEntry[] => {
    const entries: StoredEntry[] = [];
    let previous = GENESIS_HASH;
    for (let position = 1; position <= n; position += 1) {
      const fields: ChainedFields = {
        eventId: `00000000-0000-4000-8000-${String(position).padStart(12, "0")}`,
        workspaceId: "11111111-1111-4111-8111-111111111111",
        organisationId: "22222222-2222-4222-8222-222222222222",
        action: "ticket.created",
        category: "ticket",
        actorType: "user",
        actorId: "33333333-3333-4333-8333-333333333333",
        actorLabel: null,
        targetType: "ticket",
        targetId: `t${position}`,
        targetLabel: `Ticket ${position}`,
        changes: [{ field: "title", old: null, new: `Ticket ${position}` }],
        occurredAt: new Date(Date.UTC(2026, 10, 1, 0, position)).toISOString(),
        chainPosition: position,
      };
      const hash = entryHash(previous, fields);
      entries.push({ ...fields, previousHash: previous, entryHash: hash });
      previous = hash;
    }
    return entries;
  };
  const verify = (entries: StoredEntry[], checkpoint: Checkpoint | null = null) => {
    const verifier = new ChainVerifier(checkpoint);
    for (const entry of entries) verifier.feed(entry);
    return verifier.finish();
  };

  test("an untouched chain that reaches its checkpoint is valid", () => {
    const entries = build(5);
    const result = verify(entries, { position: 5, entryHash: entries[4]!.entryHash, signatureValid: true });
    expect(result).toEqual({
      valid: true,
      entriesChecked: 5,
      headPosition: 5,
      firstBrokenEntry: null,
      truncated: false,
      rewritten: false,
    });
  });

  test("a changed label names exactly that entry", () => {
    const entries = build(5);
    entries[2] = { ...entries[2]!, targetLabel: '=HYPERLINK("http://x")' };
    expect(verify(entries).firstBrokenEntry).toEqual({
      id: entries[2]!.eventId,
      chainPosition: 3,
      reason: "ENTRY_CHANGED",
    });
  });

  test("a removed middle entry and a broken link are named", () => {
    const entries = build(5);
    expect(verify([...entries.slice(0, 2), ...entries.slice(3)]).firstBrokenEntry).toMatchObject({
      chainPosition: 4,
      reason: "ENTRIES_MISSING",
    });
    const relinked = build(5);
    relinked[3] = { ...relinked[3]!, previousHash: GENESIS_HASH };
    expect(verify(relinked).firstBrokenEntry).toMatchObject({ chainPosition: 4, reason: "LINK_BROKEN" });
  });

  test("the newest entries cut off: internally consistent, caught by the checkpoint", () => {
    const entries = build(6);
    const checkpoint = { position: 6, entryHash: entries[5]!.entryHash, signatureValid: true };
    const result = verify(entries.slice(0, 4), checkpoint);
    expect(result).toMatchObject({ valid: false, truncated: true, firstBrokenEntry: null, headPosition: 4 });
  });

  test("a chain rewritten with fresh hashes is caught at the checkpoint; a forged checkpoint is not trusted", () => {
    const entries = build(4);
    const checkpoint = { position: 4, entryHash: entries[3]!.entryHash, signatureValid: true };
    const rebuilt = build(4).map((e) => ({ ...e }));
    // Re-hash from entry 2 with a changed label: the chain is consistent again, but not the one signed.
    let previous = rebuilt[0]!.entryHash;
    for (const entry of rebuilt.slice(1)) {
      entry.targetLabel = `${entry.targetLabel} (edited)`;
      entry.previousHash = previous;
      entry.entryHash = entryHash(previous, chainedFieldsOf(entry));
      previous = entry.entryHash;
    }
    expect(verify(rebuilt, checkpoint)).toMatchObject({ valid: false, rewritten: true, firstBrokenEntry: null });
    expect(verify(entries, { ...checkpoint, signatureValid: false }).valid).toBe(false);
  });
});
