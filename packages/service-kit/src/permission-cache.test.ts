import { describe, expect, test } from "@jest/globals";
import type { Actor } from "@support/actor-context";
import { PermissionCache } from "./permission-cache.js";
import { FreshnessFence } from "./invalidation-fence.js";
import type { WorkspacePermissions } from "./permissions-client.js";

const WORKSPACE = "7c3c1f0e-9d1a-4c53-9a56-2f1c7f1b0a01";
const OTHER_WORKSPACE = "7c3c1f0e-9d1a-4c53-9a56-2f1c7f1b0a02";
const member: Actor = {
  kind: "user",
  userId: "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b01",
  organisationId: "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b02",
  orgRole: "MEMBER",
  sessionId: "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b03",
};
const answer: WorkspacePermissions = {
  workspaceId: WORKSPACE,
  organisationId: "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b02",
  role: "MEMBER",
  customRoleId: null,
  permissions: ["tickets:list"],
  ticketAccess: "ALL",
  teamIds: [],
  plan: "BASIC",
};

/** A fence whose feed has joined and applied a fetch, with a window no test outlasts. */
function liveFence(clock?: { now: number }): FreshnessFence {
  const fence = new FreshnessFence({ windowMs: clock ? 500 : 3_600_000, ...(clock ? { now: () => clock.now } : {}) });
  fence.joined(1);
  fence.fetchStarted();
  fence.fetchCompleted();
  fence.fetchStarted();
  return fence;
}

describe("PermissionCache", () => {
  test("remembers an answer per workspace and actor: the same user as org admin, or another session, is a miss", () => {
    const cache = new PermissionCache({ fence: liveFence(), ttlMs: 60_000 });
    cache.remember(WORKSPACE, member, answer, cache.startLookup());
    expect(cache.get(WORKSPACE, member)).toEqual(answer);
    // Shared with later requests, so it cannot be changed by one of them.
    expect(Object.isFrozen(cache.get(WORKSPACE, member)?.permissions)).toBe(true);
    expect(cache.get(WORKSPACE, { ...member, orgRole: "ORG_ADMIN" })).toBeUndefined();
    expect(cache.get(WORKSPACE, { ...member, sessionId: "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b04" })).toBeUndefined();
    expect(cache.get(OTHER_WORKSPACE, member)).toBeUndefined();
  });

  test("remembers 'may not see it' (null) too, and forgets a workspace's answers when told", () => {
    const cache = new PermissionCache({ fence: liveFence(), ttlMs: 60_000 });
    cache.remember(WORKSPACE, member, null, cache.startLookup());
    cache.remember(OTHER_WORKSPACE, member, answer, cache.startLookup());
    expect(cache.get(WORKSPACE, member)).toBeNull();
    expect(cache.forget([WORKSPACE])).toBe(1);
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
    expect(cache.get(OTHER_WORKSPACE, member)).toEqual(answer);
  });

  test("used only while the invalidation feed is live: a lapse bypasses it until a fetch started after it is applied", () => {
    const clock = { now: 0 };
    const fence = liveFence(clock);
    const cache = new PermissionCache({ fence, ttlMs: 60_000 });
    cache.remember(WORKSPACE, member, answer, cache.startLookup());
    expect(cache.get(WORKSPACE, member)).toEqual(answer);
    // No fetch applied for the whole window: a change may be waiting in Kafka.
    clock.now += 500;
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
    expect(cache.startLookup()).toBeNull();
    // The fetch in flight completes: still not enough, it started before the lapse.
    fence.fetchCompleted();
    fence.fetchStarted();
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
    // A fetch that started after the lapse is applied (it brought what waited): in use again.
    clock.now += 50;
    fence.fetchCompleted();
    fence.fetchStarted();
    expect(cache.get(WORKSPACE, member)).toEqual(answer);
  });

  test("a fetch that stopped short of the end of the topic (a backlog) does not count", () => {
    const clock = { now: 0 };
    const fence = liveFence(clock);
    clock.now += 400;
    fence.behind();
    fence.fetchCompleted();
    fence.fetchStarted();
    clock.now += 200;
    expect(fence.trustedGeneration()).toBeNull();
    fence.fetchCompleted();
    fence.fetchStarted();
    expect(fence.trustedGeneration()).not.toBeNull();
  });

  test("a new consumer (a rejoin after a crash or a long freeze) empties the cache: it may have skipped messages", () => {
    const fence = liveFence();
    const cache = new PermissionCache({ fence, ttlMs: 60_000 });
    const lookup = cache.startLookup();
    cache.remember(OTHER_WORKSPACE, member, answer, cache.startLookup());
    fence.joined(1);
    expect(cache.get(OTHER_WORKSPACE, member)).toBeUndefined();
    fence.fetchStarted();
    fence.fetchCompleted();
    fence.fetchStarted();
    expect(cache.get(OTHER_WORKSPACE, member)).toBeUndefined();
    expect(cache.size).toBe(0);
    // A look-up that started before the rejoin is not stored either.
    cache.remember(WORKSPACE, member, answer, lookup);
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
  });

  test("an answer looked up while a lapse began is kept only if no invalidation came: the lapse's messages were applied", () => {
    const clock = { now: 0 };
    const fence = liveFence(clock);
    const cache = new PermissionCache({ fence, ttlMs: 60_000 });
    const quiet = cache.startLookup();
    const changed = cache.startLookup();
    clock.now += 2_000;
    fence.fetchCompleted();
    fence.fetchStarted();
    fence.fetchCompleted();
    fence.fetchStarted();
    cache.remember(WORKSPACE, member, answer, quiet);
    expect(cache.get(WORKSPACE, member)).toEqual(answer);
    cache.forget([OTHER_WORKSPACE]);
    cache.remember(OTHER_WORKSPACE, member, answer, changed);
    expect(cache.get(OTHER_WORKSPACE, member)).toBeUndefined();
  });

  test("an answer fetched while an invalidation arrived is not stored (it may predate the change)", () => {
    const cache = new PermissionCache({ fence: liveFence(), ttlMs: 60_000 });
    const lookup = cache.startLookup();
    cache.forget([OTHER_WORKSPACE]);
    cache.remember(WORKSPACE, member, answer, lookup);
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
  });

  test("expires answers after ttlMs; ttlMs 0 remembers nothing", async () => {
    const short = new PermissionCache({ fence: liveFence(), ttlMs: 20 });
    short.remember(WORKSPACE, member, answer, short.startLookup());
    expect(short.get(WORKSPACE, member)).toEqual(answer);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(short.get(WORKSPACE, member)).toBeUndefined();
    const off = new PermissionCache({ fence: liveFence(), ttlMs: 0 });
    off.remember(WORKSPACE, member, answer, off.startLookup());
    expect(off.get(WORKSPACE, member)).toBeUndefined();
  });

  test("keeps at most maxEntries answers in all, however many actors and workspaces ask; forgetting still works", () => {
    const cache = new PermissionCache({ fence: liveFence(), ttlMs: 60_000, maxEntries: 3 });
    const sessions = ["0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b11", "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b12"];
    for (const sessionId of sessions) {
      cache.remember(WORKSPACE, { ...member, sessionId }, answer, cache.startLookup());
      cache.remember(OTHER_WORKSPACE, { ...member, sessionId }, answer, cache.startLookup());
    }
    expect(cache.size).toBe(3);
    // The oldest (the first session's answer in WORKSPACE) went first.
    expect(cache.get(WORKSPACE, { ...member, sessionId: sessions[0] as string })).toBeUndefined();
    expect(cache.forget([WORKSPACE])).toBe(1);
    expect(cache.size).toBe(2);
    expect(cache.forget([WORKSPACE])).toBe(0);
    expect(cache.get(OTHER_WORKSPACE, { ...member, sessionId: sessions[1] as string })).toEqual(answer);
  });
});
