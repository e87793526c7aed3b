import { createHmac, hkdfSync } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import canonicalize from "canonicalize";
import { EVENT_REGISTRY, type EventType } from "@support/events";
import {
  ChainKeys,
  ChainVerifier,
  CheckpointChecker,
  GENESIS_HASH,
  canonicalFields,
  categoryOf,
  chainedFieldsOf,
  entryHash,
  type ChainedFields,
  type CheckpointRecord,
  type StoredEntry,
} from "./chain.js";

describe("categoryOf", () => {
  test.each(Object.keys(EVENT_REGISTRY) as EventType[])("%s has the category its registry entry declares", (type) => {
    expect(categoryOf(type)).toBe(EVENT_REGISTRY[type].category);
    expect(categoryOf(type)).toMatch(/^[a-z_]+$/);
  });
});

const keys = new ChainKeys([
  { kid: "new", secret: "n".repeat(32) },
  { kid: "old", secret: "o".repeat(32) },
]);

const fieldsAt = (position: number): ChainedFields => ({
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
});

/** A chain as the service writes it; `keyOf(position)` null for an entry written before keying. */
const build = (n: number, keyOf: (position: number) => string | null = () => "new"): StoredEntry[] => {
  const entries: StoredEntry[] = [];
  let previous = GENESIS_HASH;
  for (let position = 1; position <= n; position += 1) {
    const fields = fieldsAt(position);
    const keyId = keyOf(position);
    const hash = keyId === null ? entryHash(previous, fields) : keys.link(previous, fields, keyId);
    entries.push({ ...fields, previousHash: previous, entryHash: hash, keyId });
    previous = hash;
  }
  return entries;
};

const walk = (entries: StoredEntry[], legacyUpTo = 0) => {
  const verifier = new ChainVerifier(keys, { legacyUpTo });
  for (const entry of entries) verifier.feed(entry);
  return verifier.finish();
};

const checkpointAt = (entries: StoredEntry[], position: number, seq: bigint): CheckpointRecord => ({
  seq,
  position,
  entryHash: entries[position - 1]!.entryHash,
  version: 2,
  previousSignature: null,
  signature: `sig${seq}`,
  signatureValid: true,
  hashNow: null,
});

/** Checkpoints held against `chain` as it is now (hashNow from the chain). */
const check = (chain: StoredEntry[], checkpoints: CheckpointRecord[]) => {
  const checker = new CheckpointChecker(chain.at(-1)?.chainPosition ?? 0);
  for (const cp of checkpoints)
    checker.feed({ ...cp, hashNow: chain.find((e) => e.chainPosition === cp.position)?.entryHash ?? null });
  return checker.finish();
};

describe("canonicalFields", () => {
  // Deterministic variety: every field null, absent or odd where its type allows, escapes, astral
  // characters, nested changes with keys in any order, numbers in exponent form.
  const strings = [
    "",
    "plain",
    'quote " and \\ back',
    "tab\tnew\nline\u0001",
    "é ü 中文",
    "😀 pair",
    "\u2028\u2029",
    "</script>",
  ];
  const changesOf = (i: number): unknown[] => [
    { field: "status", old: strings[i % strings.length], new: strings[(i + 3) % strings.length] },
    {
      new: i % 2 === 0 ? null : 1e21 + i,
      old: -0.5 * i,
      field: "zed",
      nested: { b: [true, false, null], a: { é: 1, e: 2, E: 3 } },
    },
  ];
  const variants = Array.from({ length: 400 }, (_, i): ChainedFields => {
    const fields = fieldsAt(i + 1);
    const s = (k: number) => strings[(i + k) % strings.length]!;
    return {
      ...fields,
      workspaceId: i % 5 === 0 ? null : fields.workspaceId,
      action: s(0),
      category: s(1),
      actorType: s(2),
      actorId: i % 3 === 0 ? null : s(3),
      actorLabel: i % 4 === 0 ? null : s(4),
      targetType: s(5),
      targetId: s(6),
      targetLabel: i % 7 === 0 ? null : s(7),
      changes: i % 11 === 0 ? [] : i % 13 === 0 ? null : changesOf(i),
      chainPosition: i * 7919,
    };
  });

  test("is byte for byte canonicalize's output for every shape the chain links", () => {
    for (const fields of variants) expect(canonicalFields(fields)).toBe(canonicalize(fields));
  });

  test("drops an undefined value, as canonicalize does", () => {
    const fields = { ...fieldsAt(1), targetLabel: undefined as unknown as null, changes: undefined };
    expect(canonicalFields(fields)).toBe(canonicalize(fields));
    expect(canonicalFields(fields)).not.toContain("targetLabel");
  });

  test("refuses a lone surrogate, as canonicalize does", () => {
    const fields = { ...fieldsAt(1), targetLabel: "broken \ud800 label" };
    expect(() => canonicalize(fields)).toThrow();
    expect(() => canonicalFields(fields)).toThrow();
  });

  test("links are HMAC-SHA256 over the previous hash and canonicalize's form (docs/adr/0008)", () => {
    const key = Buffer.from(hkdfSync("sha256", "n".repeat(32), "support-audit", "chain", 32));
    for (const fields of variants.slice(0, 50)) {
      const expected = createHmac("sha256", key)
        .update(GENESIS_HASH)
        .update(canonicalize(fields) ?? "")
        .digest("hex");
      expect(keys.link(GENESIS_HASH, fields, "new")).toBe(expected);
    }
  });
});

describe("ChainVerifier", () => {
  test("an untouched keyed chain walks clean, with either configured key", () => {
    const entries = build(5, (p) => (p <= 2 ? "old" : "new"));
    expect(walk(entries)).toEqual({
      entriesChecked: 5,
      headPosition: 5,
      headHash: entries[4]!.entryHash,
      firstBrokenEntry: null,
    });
  });

  test("a changed label names exactly that entry", () => {
    const entries = build(5);
    entries[2] = { ...entries[2]!, targetLabel: '=HYPERLINK("http://x")' };
    expect(walk(entries).firstBrokenEntry).toEqual({
      id: entries[2]!.eventId,
      chainPosition: 3,
      reason: "ENTRY_CHANGED",
    });
  });

  test("a removed middle entry and a broken link are named", () => {
    const entries = build(5);
    expect(walk([...entries.slice(0, 2), ...entries.slice(3)]).firstBrokenEntry).toMatchObject({
      chainPosition: 4,
      reason: "ENTRIES_MISSING",
    });
    const relinked = build(5);
    relinked[3] = { ...relinked[3]!, previousHash: GENESIS_HASH };
    expect(walk(relinked).firstBrokenEntry).toMatchObject({ chainPosition: 4, reason: "LINK_BROKEN" });
  });

  test("an entry appended without the key (sha256 the old way, or an unknown key id) is named, whatever follows", () => {
    const real = build(3);
    const forgedFields = fieldsAt(4);
    const forged: StoredEntry = {
      ...forgedFields,
      previousHash: real[2]!.entryHash,
      entryHash: entryHash(real[2]!.entryHash, forgedFields),
      keyId: null,
    };
    const fields5 = fieldsAt(5);
    const after: StoredEntry = {
      ...fields5,
      previousHash: forged.entryHash,
      entryHash: keys.link(forged.entryHash, fields5),
      keyId: "new",
    };
    expect(walk([...real, forged, after]).firstBrokenEntry).toEqual({
      id: forged.eventId,
      chainPosition: 4,
      reason: "NOT_SIGNED",
    });
    // The same forgery below a legacy seal still has to hash right; past the seal it is never accepted.
    expect(walk([...real, forged, after], 3).firstBrokenEntry?.reason).toBe("NOT_SIGNED");
    const unknownKey = { ...forged, keyId: "guessed" };
    expect(walk([...real, unknownKey]).firstBrokenEntry?.reason).toBe("NOT_SIGNED");
    const sha256AsKeyed = { ...forged, keyId: "new" };
    expect(walk([...real, sha256AsKeyed]).firstBrokenEntry?.reason).toBe("ENTRY_CHANGED");
  });

  test("entries written before keying verify up to the legacy seal, then keyed entries follow", () => {
    const entries = build(6, (p) => (p <= 4 ? null : "new"));
    expect(walk(entries, 4).firstBrokenEntry).toBeNull();
    expect(walk(entries, 3).firstBrokenEntry).toMatchObject({ chainPosition: 4, reason: "NOT_SIGNED" });
  });

  test("an incremental walk starts after a verified checkpoint's position and hash", () => {
    const entries = build(6);
    const verifier = new ChainVerifier(keys, { start: { position: 4, hash: entries[3]!.entryHash } });
    for (const entry of entries.slice(4)) verifier.feed(entry);
    expect(verifier.finish()).toMatchObject({ entriesChecked: 2, headPosition: 6, firstBrokenEntry: null });
  });
});

describe("CheckpointChecker", () => {
  test("a chain that reaches every checkpoint with its hash", () => {
    const entries = build(6);
    const first = checkpointAt(entries, 3, 1n);
    const findings = check(entries, [first, { ...checkpointAt(entries, 6, 2n), previousSignature: first.signature }]);
    expect(findings).toMatchObject({ truncated: false, rewritten: false, forgedCheckpoints: 0, checkpointsChecked: 2 });
    expect(findings.lastGood?.seq).toBe(2n);
  });

  test("a tail cut off and checkpointed again: the earlier checkpoint still reports the truncation", () => {
    const entries = build(6);
    const shortened = entries.slice(0, 4);
    const findings = check(shortened, [checkpointAt(entries, 6, 1n), checkpointAt(shortened, 4, 2n)]);
    expect(findings.truncated).toBe(true);
  });

  test("a chain rewritten with fresh hashes is caught at the checkpoint; a forged checkpoint is counted", () => {
    const entries = build(4);
    const checkpoint = checkpointAt(entries, 4, 1n);
    const rebuilt = build(4).map((e) => ({ ...e }));
    let previous = rebuilt[0]!.entryHash;
    for (const entry of rebuilt.slice(1)) {
      entry.targetLabel = `${entry.targetLabel} (edited)`;
      entry.previousHash = previous;
      entry.entryHash = keys.link(previous, chainedFieldsOf(entry));
      previous = entry.entryHash;
    }
    expect(walk(rebuilt).firstBrokenEntry).toBeNull();
    expect(check(rebuilt, [checkpoint]).rewritten).toBe(true);
    expect(check(entries, [{ ...checkpoint, signatureValid: false }]).forgedCheckpoints).toBe(1);
  });

  test("a chained checkpoint whose predecessor was removed breaks the checkpoint chain", () => {
    const entries = build(6);
    const first = checkpointAt(entries, 2, 1n);
    const second = { ...checkpointAt(entries, 4, 2n), previousSignature: first.signature };
    const third = { ...checkpointAt(entries, 6, 3n), previousSignature: second.signature };
    expect(check(entries, [first, second, third]).checkpointChainBroken).toBe(false);
    expect(check(entries, [first, third]).checkpointChainBroken).toBe(true);
  });
});
