import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import type { Actor } from "@support/actor-context";
import { CredentialCache, revocationSchema, type Authenticated } from "./credential-cache.js";

const user = (): Actor => ({
  kind: "user",
  userId: randomUUID(),
  organisationId: randomUUID(),
  orgRole: "MEMBER",
  sessionId: randomUUID(),
});
const answer = (actor: Actor, expiresAt: Date | null = null): (() => Promise<Authenticated>) => {
  const ask = async () => ({ actor, expiresAt });
  return ask;
};

describe("CredentialCache", () => {
  test("asks once per token until the entry is revoked by user, session, key or workspace", async () => {
    const cache = new CredentialCache({ ttlMs: 60_000, maxEntries: 100 });
    const person = user();
    let asked = 0;
    const ask = async () => {
      asked += 1;
      return { actor: person, expiresAt: null };
    };
    await cache.resolve("sess_a", ask);
    await cache.resolve("sess_a", ask);
    expect(asked).toBe(1);
    expect(cache.revoke(revocationSchema.parse({ userIds: [randomUUID()] }))).toBe(0);
    await cache.resolve("sess_a", ask);
    expect(asked).toBe(1);
    if (person.kind !== "user") throw new Error("unreachable");
    expect(cache.revoke(revocationSchema.parse({ sessionIds: [person.sessionId] }))).toBe(1);
    await cache.resolve("sess_a", ask);
    expect(asked).toBe(2);

    const key: Actor = {
      kind: "apiKey",
      apiKeyId: randomUUID(),
      prefix: "sk_abc",
      workspaceId: randomUUID(),
      organisationId: randomUUID(),
      permissions: [],
    };
    await cache.resolve("sk_abc_secret", answer(key));
    if (key.kind !== "apiKey") throw new Error("unreachable");
    expect(cache.revoke(revocationSchema.parse({ workspaceIds: [key.workspaceId] }))).toBe(1);
    await cache.resolve("sk_abc_secret", answer(key));
    expect(cache.revoke(revocationSchema.parse({ apiKeyIds: [key.apiKeyId] }))).toBe(1);
  });

  test("an answer fetched while a revocation arrived is not remembered", async () => {
    const cache = new CredentialCache({ ttlMs: 60_000, maxEntries: 100 });
    const person = user();
    let release: (value: Authenticated) => void = () => undefined;
    const slow = () => new Promise<Authenticated>((resolve) => (release = resolve));
    const pending = cache.resolve("sess_race", slow);
    // The logout commits and is announced while identity's (now stale) answer is on its way.
    cache.revoke(revocationSchema.parse({ userIds: [randomUUID()] }));
    release({ actor: person, expiresAt: null });
    await pending;
    expect(cache.size).toBe(0);
  });

  test("never outlives the credential's own expiry, and a TTL of 0 remembers nothing", async () => {
    const cache = new CredentialCache({ ttlMs: 60_000, maxEntries: 100 });
    await cache.resolve("sess_expired", answer(user(), new Date(Date.now() - 1)));
    expect(cache.size).toBe(0);
    const off = new CredentialCache({ ttlMs: 0, maxEntries: 100 });
    await off.resolve("sess_x", answer(user()));
    expect(off.size).toBe(0);
  });

  test("a refused credential is not remembered", async () => {
    const cache = new CredentialCache({ ttlMs: 60_000, maxEntries: 100 });
    let asked = 0;
    const refuse = async (): Promise<Authenticated> => {
      asked += 1;
      throw new Error("refused");
    };
    await expect(cache.resolve("sess_bad", refuse)).rejects.toThrow("refused");
    await expect(cache.resolve("sess_bad", refuse)).rejects.toThrow("refused");
    expect(asked).toBe(2);
  });
});
