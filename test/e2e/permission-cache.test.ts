import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, signActorContext } from "@support/actor-context";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  internalContext,
  signUp,
  testStack,
  type TestStack,
} from "../harness/stack.js";
import { workspaceQuery } from "../harness/people.js";
import { whileFrozen } from "../harness/service-process.js";
import { setPlan, workspaceWithMembers } from "../harness/workspace.js";

// Ticketing, billing and audit remember the workspace service's permission answers until it
// announces a change to the workspace (docs/adr/0003). Every test warms those answers first, so a
// change that was not announced would be served from the cache and the test would fail.

const TICKETS = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;
const LOG = `query($w: ID!) { activityLog(workspaceId: $w, first: 5) { entries { id } } }`;
const BILLING = `query($w: ID!) { workspace(id: $w) { billing { plan } } }`;

async function warm(token: string, query: string, workspaceId: string) {
  for (let i = 0; i < 2; i += 1) await graphqlOk(query, { token, variables: { w: workspaceId } });
}

const codesOf = async (token: string, query: string, workspaceId: string) =>
  errorCodes(await graphql(query, { token, variables: { w: workspaceId } }));

/**
 * Waits until billing has opened the workspace's trial and the workspace service has taken its
 * plan from the event: that copy is a change announced like any other, which would otherwise
 * drop the answers a test warms.
 */
async function billingOpened(token: string, workspaceId: string) {
  await eventually(async () => {
    const data = await graphqlOk<{ workspace: { billing: { plan: string } | null } }>(BILLING, {
      token,
      variables: { w: workspaceId },
    });
    return data.workspace.billing ?? undefined;
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

  test("an override change applies at audit on the next request: activity_log:view denied, then lifted", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const override = (deny: string[]) =>
      graphqlOk(
        `mutation($w: ID!, $u: [ID!]!, $d: [String!]) { setMemberPermissions(workspaceId: $w, userIds: $u, deny: $d) { role } }`,
        { token: owner.token, variables: { w: workspaceId, u: [member.userId], d: deny } },
      );
    await override(["activity_log:view"]);
    expect(await codesOf(member.token, LOG, workspaceId)).toEqual(["FORBIDDEN"]);
    await override([]);
    await graphqlOk(LOG, { token: member.token, variables: { w: workspaceId } });
  });

  test("a role change applies at billing on the next request: a MEMBER made ADMIN sees billing, made MEMBER again does not", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const setRole = (role: string) =>
      graphqlOk(
        `mutation($w: ID!, $u: ID!, $r: WorkspaceRole) { setMemberRole(workspaceId: $w, userId: $u, role: $r) { role } }`,
        { token: owner.token, variables: { w: workspaceId, u: member.userId, r: role } },
      );
    for (let i = 0; i < 2; i += 1) expect(await codesOf(member.token, BILLING, workspaceId)).toEqual(["FORBIDDEN"]);
    await setRole("ADMIN");
    const data = await graphqlOk<{ workspace: { billing: { plan: string } | null } }>(BILLING, {
      token: member.token,
      variables: { w: workspaceId },
    });
    expect(data.workspace.billing?.plan).toBeTruthy();
    await setRole("MEMBER");
    expect(await codesOf(member.token, BILLING, workspaceId)).toEqual(["FORBIDDEN"]);
  });

  test("a removed member's next ticket list and activity log are NOT_FOUND", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    await graphqlOk(`mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, {
      token: owner.token,
      variables: { w: workspaceId, u: member.userId },
    });
    expect(await codesOf(member.token, TICKETS, workspaceId)).toEqual(["NOT_FOUND"]);
    expect(await codesOf(member.token, LOG, workspaceId)).toEqual(["NOT_FOUND"]);
  });

  test("the tickets master switch off refuses the next ticket list; on again restores it", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const setTicketsEnabled = (on: boolean) =>
      graphqlOk(
        `mutation($w: ID!, $on: Boolean!) { updateWorkspaceSettings(workspaceId: $w, input: { ticketsEnabled: $on }) { ticketsEnabled } }`,
        { token: owner.token, variables: { w: workspaceId, on } },
      );
    await setTicketsEnabled(false);
    expect(await codesOf(member.token, TICKETS, workspaceId)).toEqual(["FORBIDDEN"]);
    await setTicketsEnabled(true);
    await graphqlOk(TICKETS, { token: member.token, variables: { w: workspaceId } });
  });

  test("a plan change arriving from billing's events reaches ticketing's cache: PRO allows importTickets", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Plan ${Date.now()}`);
    await billingOpened(owner.token, workspaceId);
    const IMPORT = `mutation($w: ID!) { importTickets(workspaceId: $w, csv: "", mapping: { title: "title" }) { imported } }`;
    // The trial's BASIC plan does not include workspace_data:import.
    for (let i = 0; i < 2; i += 1) expect(await codesOf(owner.token, IMPORT, workspaceId)).toEqual(["FORBIDDEN"]);
    await setPlan(owner, workspaceId, { plan: "PRO" });
    // The workspace service announces after its consumer's transaction commits; no request of the
    // owner's waits for that, so this polls a moment (well under the cache's 60 s). Allowed, the
    // empty CSV is the only complaint.
    await eventually(
      async () => ((await codesOf(owner.token, IMPORT, workspaceId))[0] === "BAD_USER_INPUT" ? true : undefined),
      5_000,
      "ticketing to allow importTickets on PRO",
    );
  });
});

describe("the permission-change route of ticketing, billing and audit", () => {
  const path = "/internal/permissions/changed";
  const services = (stack: TestStack) => [
    stack.serviceUrls.ticketing,
    stack.serviceUrls.billing,
    stack.serviceUrls.audit,
  ];
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  test("refuses callers without a context signed by a configured key, in every spelling of the path", async () => {
    const body = { workspaceIds: [randomUUID()] };
    const forged = await signActorContext({ kind: "anonymous" }, { kid: "current", secret: "f".repeat(40) });
    const unknownKid = await signActorContext({ kind: "anonymous" }, { kid: "stranger", secret: "s".repeat(40) });
    for (const base of services(testStack())) {
      expect((await post(`${base}${path}`, body)).status).toBe(401);
      expect((await post(`${base}${path}`, body, { [ACTOR_CONTEXT_HEADER]: forged })).status).toBe(401);
      expect((await post(`${base}${path}`, body, { [ACTOR_CONTEXT_HEADER]: unknownKid })).status).toBe(401);
      for (const spelling of [
        "/internal/permissions%2Fchanged",
        "/internal/%70ermissions/changed",
        "//internal/permissions/changed",
        "/INTERNAL/permissions/changed",
      ]) {
        expect([401, 404]).toContain((await post(`${base}${spelling}`, body)).status);
      }
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
  });

  test("with a signed context, malformed or oversized changes are 400 without internals; a well-formed one is taken", async () => {
    const headers = { [ACTOR_CONTEXT_HEADER]: await internalContext({ kind: "anonymous" }) };
    for (const base of services(testStack())) {
      for (const bad of [
        "{not json",
        {},
        { workspaceIds: "all" },
        { workspaceIds: [] },
        { workspaceIds: ["not-a-uuid"] },
        { workspaceIds: [`${randomUUID()}\u202e`] },
        { workspaceIds: [`${randomUUID()}\u0000`] },
        { workspaceIds: Array.from({ length: 1001 }, () => randomUUID()) },
        { workspaceIds: [randomUUID()], everything: true },
      ]) {
        const response = await post(`${base}${path}`, bad, headers);
        expect(response.status).toBe(400);
        expect(await response.text()).not.toMatch(/at \w+ \(|node_modules|prisma/i);
      }
      const response = await post(`${base}${path}`, { workspaceIds: [randomUUID()] }, headers);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ forgotten: 0 });
    }
  });
});
