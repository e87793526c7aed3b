import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import type { Actor } from "@support/actor-context";
import { FreshnessFence } from "@support/service-kit";
import { CredentialCache, type Authenticated } from "./credential-cache.js";

/** A fence whose feed has joined and applied a fetch, with a window no test outlasts. */
function liveFence(clock?: { now: number }): FreshnessFence {
  const fence = new FreshnessFence({ windowMs: clock ? 500 : 3_600_000, ...(clock ? { now: () => clock.now } : {}) });
  fence.joined(1);
  fence.fetchStarted();
  fence.fetchCompleted();
  fence.fetchStarted();
  return fence;
}

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
    const cache = new CredentialCache({ fence: liveFence(), ttlMs: 60_000, maxEntries: 100 });
    const person = user();
    let asked = 0;
    const ask = async () => {
      asked += 1;
      return { actor: person, expiresAt: null };
    };
    await cache.resolve("sess_a", ask);
    await cache.resolve("sess_a", ask);
    expect(asked).toBe(1);
    expect(cache.revoke({ userIds: [randomUUID()] })).toBe(0);
    await cache.resolve("sess_a", ask);
    expect(asked).toBe(1);
    if (person.kind !== "user") throw new Error("unreachable");
    expect(cache.revoke({ sessionIds: [person.sessionId] })).toBe(1);
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
    expect(cache.revoke({ workspaceIds: [key.workspaceId] })).toBe(1);
    await cache.resolve("sk_abc_secret", answer(key));
    expect(cache.revoke({ apiKeyIds: [key.apiKeyId] })).toBe(1);
  });

  test("an answer fetched while a revocation arrived is not remembered", async () => {
    const cache = new CredentialCache({ fence: liveFence(), ttlMs: 60_000, maxEntries: 100 });
    const person = user();
    let release: (value: Authenticated) => void = () => undefined;
    const slow = () => new Promise<Authenticated>((resolve) => (release = resolve));
    const pending = cache.resolve("sess_race", slow);
    // The logout commits and its invalidation arrives while identity's (now stale) answer is on its way.
    cache.revoke({ userIds: [randomUUID()] });
    release({ actor: person, expiresAt: null });
    await pending;
    expect(cache.size).toBe(0);
  });

  test("never outlives the credential's own expiry, and a TTL of 0 remembers nothing", async () => {
    const cache = new CredentialCache({ fence: liveFence(), ttlMs: 60_000, maxEntries: 100 });
    await cache.resolve("sess_expired", answer(user(), new Date(Date.now() - 1)));
    expect(cache.size).toBe(0);
    const off = new CredentialCache({ fence: liveFence(), ttlMs: 0, maxEntries: 100 });
    await off.resolve("sess_x", answer(user()));
    expect(off.size).toBe(0);
  });

  test("used only while the invalidation feed is live: otherwise every request asks; a new consumer empties it", async () => {
    const clock = { now: 0 };
    const fence = liveFence(clock);
    const cache = new CredentialCache({ fence, ttlMs: 60_000, maxEntries: 100 });
    const person = user();
    let asked = 0;
    const ask = async () => {
      asked += 1;
      return { actor: person, expiresAt: null };
    };
    await cache.resolve("sess_fenced", ask);
    await cache.resolve("sess_fenced", ask);
    expect(asked).toBe(1);
    // No fetch of the feed applied for a whole window: the entry is kept but not used.
    clock.now += 500;
    await cache.resolve("sess_fenced", ask);
    await cache.resolve("sess_fenced", ask);
    expect(asked).toBe(3);
    fence.fetchCompleted();
    fence.fetchStarted();
    clock.now += 10;
    fence.fetchCompleted();
    fence.fetchStarted();
    await cache.resolve("sess_fenced", ask);
    expect(asked).toBe(3);
    // A new consumer (it may have skipped revocations): everything goes.
    fence.joined(1);
    fence.fetchStarted();
    fence.fetchCompleted();
    fence.fetchStarted();
    await cache.resolve("sess_fenced", ask);
    expect(asked).toBe(4);
    const never = new CredentialCache({ fence: new FreshnessFence(), ttlMs: 60_000, maxEntries: 100 });
    await never.resolve("sess_x", ask);
    expect(never.size).toBe(0);
  });

  test("a refused credential is not remembered", async () => {
    const cache = new CredentialCache({ fence: liveFence(), ttlMs: 60_000, maxEntries: 100 });
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
