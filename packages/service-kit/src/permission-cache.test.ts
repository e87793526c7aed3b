import { describe, expect, test } from "@jest/globals";
import type { Actor } from "@support/actor-context";
import { PermissionCache } from "./permission-cache.js";
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

describe("PermissionCache", () => {
  test("remembers an answer per workspace and actor: the same user as org admin, or another session, is a miss", () => {
    const cache = new PermissionCache({ ttlMs: 60_000 });
    cache.remember(WORKSPACE, member, answer, cache.startLookup());
    expect(cache.get(WORKSPACE, member)).toEqual(answer);
    // Shared with later requests, so it cannot be changed by one of them.
    expect(Object.isFrozen(cache.get(WORKSPACE, member)?.permissions)).toBe(true);
    expect(cache.get(WORKSPACE, { ...member, orgRole: "ORG_ADMIN" })).toBeUndefined();
    expect(cache.get(WORKSPACE, { ...member, sessionId: "0b6a3d2e-8f4c-4e1a-9b7d-3c2e1f0a9b04" })).toBeUndefined();
    expect(cache.get(OTHER_WORKSPACE, member)).toBeUndefined();
  });

  test("remembers 'may not see it' (null) too, and forgets a workspace's answers when told", () => {
    const cache = new PermissionCache({ ttlMs: 60_000 });
    cache.remember(WORKSPACE, member, null, cache.startLookup());
    cache.remember(OTHER_WORKSPACE, member, answer, cache.startLookup());
    expect(cache.get(WORKSPACE, member)).toBeNull();
    expect(cache.forget([WORKSPACE])).toBe(1);
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
    expect(cache.get(OTHER_WORKSPACE, member)).toEqual(answer);
  });

  test("an answer fetched while a change was announced is not stored (it may predate the change)", () => {
    const cache = new PermissionCache({ ttlMs: 60_000 });
    const lookup = cache.startLookup();
    cache.forget([OTHER_WORKSPACE]);
    cache.remember(WORKSPACE, member, answer, lookup);
    expect(cache.get(WORKSPACE, member)).toBeUndefined();
  });

  test("expires answers after ttlMs; ttlMs 0 remembers nothing", async () => {
    const short = new PermissionCache({ ttlMs: 20 });
    short.remember(WORKSPACE, member, answer, short.startLookup());
    expect(short.get(WORKSPACE, member)).toEqual(answer);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(short.get(WORKSPACE, member)).toBeUndefined();
    const off = new PermissionCache({ ttlMs: 0 });
    off.remember(WORKSPACE, member, answer, off.startLookup());
    expect(off.get(WORKSPACE, member)).toBeUndefined();
  });

  test("keeps at most maxEntries answers in all, however many actors and workspaces ask; forgetting still works", () => {
    const cache = new PermissionCache({ ttlMs: 60_000, maxEntries: 3 });
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
