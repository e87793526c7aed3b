import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import {
  changedWithin,
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  internalContext,
  signUp,
  testStack,
} from "../harness/stack.js";
import { cachesLive } from "../harness/metrics.js";
import { workspaceQuery } from "../harness/people.js";
import { whileFrozen } from "../harness/service-process.js";
import { setPlan, workspaceWithMembers } from "../harness/workspace.js";

// Ticketing, billing and audit remember the workspace service's permission answers until an
// invalidation on cache.invalidations names the workspace (docs/adr/0003). Every test warms those
// answers first, so a change that was not invalidated would be served from the cache and the test
// would fail. The contract is a bound: no request sent more than 1 s after the changing mutation
// answered gets the old answer (the invalidation travels through Kafka and may race the very next
// request), so each check repeats its request until the change shows, within that 1 s.

const TICKETS = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;
const LOG = `query($w: ID!) { activityLog(workspaceId: $w, first: 5) { nodes { id } } }`;
const BILLING = `query($w: ID!) { workspace(id: $w) { billing { plan pending } } }`;

/** Once the services use their caches: an answer fetched while they are bypassed is not remembered. */
async function warm(token: string, query: string, workspaceId: string) {
  await cachesLive("gateway", "ticketing", "billing", "audit");
  for (let i = 0; i < 2; i += 1) await graphqlOk(query, { token, variables: { w: workspaceId } });
}

const codesOf = async (token: string, query: string, workspaceId: string) =>
  errorCodes(await graphql(query, { token, variables: { w: workspaceId } }));

/** `codes` (an empty list: success) for every request sent more than 1 s after `answeredAt`. */
const expectCodesWithin1s = (answeredAt: number, token: string, query: string, workspaceId: string, codes: string[]) =>
  changedWithin(
    answeredAt,
    async () => JSON.stringify(await codesOf(token, query, workspaceId)) === JSON.stringify(codes),
    `${query} answering ${codes.join(",") || "success"}`,
  );

/**
 * Waits until billing has opened the workspace's trial and the workspace service has taken its
 * plan from the event: that copy is a change announced like any other, which would otherwise
 * drop the answers a test warms.
 */
async function billingOpened(token: string, workspaceId: string) {
  await eventually(async () => {
    const data = await graphqlOk<{ workspace: { billing: { plan: string; pending: boolean } | null } }>(BILLING, {
      token,
      variables: { w: workspaceId },
    });
    return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
  });
  await eventually(async () => {
    const [row] = await workspaceQuery<{ billing_version: number }>(
      "SELECT billing_version FROM workspace WHERE id = $1",
      [workspaceId],
    );
    return row && row.billing_version > 0 ? true : undefined;
  });
}

async function memberOfWorkspace() {
  const fixture = await workspaceWithMembers(1, "Permission cache");
  const member = fixture.members[0];
  if (!member) throw new Error("no member");
  await billingOpened(fixture.owner.token, fixture.workspaceId);
  await warm(member.token, TICKETS, fixture.workspaceId);
  await warm(member.token, LOG, fixture.workspaceId);
  return { owner: fixture.owner, workspaceId: fixture.workspaceId, member };
}

describe("permission answers remembered by ticketing, billing and audit", () => {
  test("a warmed answer is reused: ticketing and audit answer while the workspace service is stopped", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Remembered ${Date.now()}`);
    await billingOpened(owner.token, workspaceId);
    await warm(owner.token, TICKETS, workspaceId);
    await warm(owner.token, LOG, workspaceId);
    const started = Date.now();
    await whileFrozen("workspace", async () => {
      await graphqlOk(TICKETS, { token: owner.token, variables: { w: workspaceId } });
      await graphqlOk(LOG, { token: owner.token, variables: { w: workspaceId } });
    });
    // Asking the stopped workspace service would have waited for its 5 s timeout and failed.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test("an override change applies at audit within 1 s: activity_log:view denied, then lifted", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const override = (deny: string[]) =>
      graphqlOk(
        `mutation($w: ID!, $u: [ID!]!, $d: [String!]) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { deny: $d }) { role } }`,
        { token: owner.token, variables: { w: workspaceId, u: [member.userId], d: deny } },
      );
    await override(["activity_log:view"]);
    await expectCodesWithin1s(Date.now(), member.token, LOG, workspaceId, ["FORBIDDEN"]);
    await override([]);
    await expectCodesWithin1s(Date.now(), member.token, LOG, workspaceId, []);
  });

  test("a role change applies at billing within 1 s: a MEMBER made ADMIN sees billing, made MEMBER again does not", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const setRole = (role: string) =>
      graphqlOk(
        `mutation($w: ID!, $u: ID!, $r: WorkspaceRole) { setMemberRole(workspaceId: $w, userId: $u, input: { role: $r }) { role } }`,
        { token: owner.token, variables: { w: workspaceId, u: member.userId, r: role } },
      );
    for (let i = 0; i < 2; i += 1) expect(await codesOf(member.token, BILLING, workspaceId)).toEqual(["FORBIDDEN"]);
    await setRole("ADMIN");
    await expectCodesWithin1s(Date.now(), member.token, BILLING, workspaceId, []);
    const data = await graphqlOk<{ workspace: { billing: { plan: string } | null } }>(BILLING, {
      token: member.token,
      variables: { w: workspaceId },
    });
    expect(data.workspace.billing?.plan).toBeTruthy();
    await setRole("MEMBER");
    await expectCodesWithin1s(Date.now(), member.token, BILLING, workspaceId, ["FORBIDDEN"]);
  });

  test("a removed member's ticket list and activity log are NOT_FOUND within 1 s", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    await graphqlOk(`mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, {
      token: owner.token,
      variables: { w: workspaceId, u: member.userId },
    });
    const answeredAt = Date.now();
    await expectCodesWithin1s(answeredAt, member.token, TICKETS, workspaceId, ["NOT_FOUND"]);
    await expectCodesWithin1s(answeredAt, member.token, LOG, workspaceId, ["NOT_FOUND"]);
  });

  test("the tickets master switch off refuses the ticket list within 1 s; on again restores it", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const setTicketsEnabled = (on: boolean) =>
      graphqlOk(
        `mutation($w: ID!, $on: Boolean!) { updateWorkspaceSettings(id: $w, input: { ticketsEnabled: $on }) { ticketsEnabled } }`,
        { token: owner.token, variables: { w: workspaceId, on } },
      );
    await setTicketsEnabled(false);
    await expectCodesWithin1s(Date.now(), member.token, TICKETS, workspaceId, ["FORBIDDEN"]);
    await setTicketsEnabled(true);
    await expectCodesWithin1s(Date.now(), member.token, TICKETS, workspaceId, []);
  });

  test("a plan change arriving from billing's events reaches ticketing's cache: PRO allows importTickets", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Plan ${Date.now()}`);
    await billingOpened(owner.token, workspaceId);
    const IMPORT = `mutation($w: ID!) { importTickets(workspaceId: $w, csv: "", mapping: { title: "title" }) { imported } }`;
    // The trial's BASIC plan does not include workspace_data:import.
    for (let i = 0; i < 2; i += 1) expect(await codesOf(owner.token, IMPORT, workspaceId)).toEqual(["FORBIDDEN"]);
    await setPlan(owner, workspaceId, { plan: "PRO" });
    // The workspace service invalidates after its consumer's transaction commits; no request of the
    // owner's waits for that, so this polls a moment (well under the cache's 60 s). Allowed, the
    // empty CSV is the only complaint.
    await eventually(
      async () => ((await codesOf(owner.token, IMPORT, workspaceId))[0] === "BAD_USER_INPUT" ? true : undefined),
      5_000,
      "ticketing to allow importTickets on PRO",
    );
  });
});

describe("no permission-change route at ticketing, billing and audit", () => {
  test("changes reach them through Kafka only: the old route is gone, even for a caller signing an internal context", async () => {
    const stack = testStack();
    const headers = {
      "content-type": "application/json",
      [ACTOR_CONTEXT_HEADER]: await internalContext({ kind: "anonymous" }),
    };
    for (const base of [stack.serviceUrls.ticketing, stack.serviceUrls.billing, stack.serviceUrls.audit]) {
      const response = await fetch(`${base}/internal/permissions/changed`, {
        method: "POST",
        headers,
        body: JSON.stringify({ workspaceIds: [randomUUID()] }),
      });
      expect({ base, status: response.status }).toEqual({ base, status: 404 });
    }
  });
});
