import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, signActorContext } from "@support/actor-context";
import {
  createWorkspace,
  errorCodes,
  graphql,
  graphqlOk,
  internalContext,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { logIn } from "../harness/identity.js";
import { createOrgMember } from "../harness/people.js";
import { whileFrozen } from "../harness/service-process.js";
import { permissionsOf, workspaceWithMembers } from "../harness/workspace.js";

// The gateway remembers accepted credentials (docs/adr/0011) and the workspace service answers
// permission look-ups in batches. Every change below must still apply on the very next request,
// with the caller's credential already in the gateway's cache (each test warms it first).

const ME = "{ me { id } }";
const gatewayBase = () => testStack().gatewayUrl.replace(/\/graphql$/, "");

/** Two answered requests: the second is served from the gateway's cache. */
async function warm(token: string, query = ME, variables: Record<string, unknown> = {}) {
  for (let i = 0; i < 2; i += 1) await graphqlOk(query, { token, variables });
}

async function expectRefused(token: string, query = ME, variables: Record<string, unknown> = {}) {
  const result = await graphql(query, { token, variables });
  expect(result.status).toBe(401);
  expect(errorCodes(result)).toEqual(["UNAUTHENTICATED"]);
}

describe("the gateway's credential cache", () => {
  test("a session checked once is not checked again: requests served by workspace work while identity is stopped", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Cache ${Date.now()}`);
    await permissionsOf(owner.token, workspaceId);
    const started = Date.now();
    const permissions = await whileFrozen("identity", () => permissionsOf(owner.token, workspaceId));
    expect(permissions).toContain("workspace_settings:update");
    // Asking identity would have waited for its 5 s authentication timeout and answered 503.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test("logOut: that session's next request is UNAUTHENTICATED; the user's other session keeps working", async () => {
    const owner = await signUp();
    const other = await logIn(owner.email, "correct horse battery");
    await warm(owner.token);
    await warm(other);
    await graphqlOk("mutation { logOut }", { token: owner.token });
    await expectRefused(owner.token);
    await graphqlOk(ME, { token: other });
  });

  test("a disabled user's next request is UNAUTHENTICATED", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId);
    await warm(member.token);
    await graphqlOk(`mutation($u: ID!) { setUserStatus(userId: $u, status: DISABLED) { id } }`, {
      token: admin.token,
      variables: { u: member.userId },
    });
    await expectRefused(member.token);
  });

  test("a deleted user's next request is UNAUTHENTICATED", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId);
    await warm(member.token);
    await graphqlOk(`mutation($u: ID!) { deleteUser(userId: $u) }`, {
      token: admin.token,
      variables: { u: member.userId },
    });
    await expectRefused(member.token);
  });

  test("an org role change applies on the next request (the signed actor carries the org role)", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId);
    const create = `mutation($n: String!) { createWorkspace(input: { name: $n }) { id } }`;
    await warm(member.token);
    expect(errorCodes(await graphql(create, { token: member.token, variables: { n: `No ${Date.now()}` } }))).toEqual([
      "FORBIDDEN",
    ]);
    await graphqlOk(`mutation($u: ID!) { setOrgRole(userId: $u, role: ORG_ADMIN) { id } }`, {
      token: admin.token,
      variables: { u: member.userId },
    });
    await graphqlOk(create, { token: member.token, variables: { n: `Yes ${Date.now()}` } });
  });

  test("a revoked API key is refused on its next use; a rotated key's old secret too, its new one works", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Keys ${Date.now()}`);
    const create = async (name: string) =>
      (
        await graphqlOk<{ createApiKey: { apiKey: { id: string }; key: string } }>(
          `mutation($w: ID!, $n: String!) { createApiKey(workspaceId: $w, name: $n, permissions: ["tickets:view"]) { apiKey { id } key } }`,
          { token: owner.token, variables: { w: workspaceId, n: name } },
        )
      ).createApiKey;
    const list = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;

    const revoked = await create("revoked");
    await warm(revoked.key, list, { w: workspaceId });
    await graphqlOk(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, {
      token: owner.token,
      variables: { id: revoked.apiKey.id },
    });
    await expectRefused(revoked.key, list, { w: workspaceId });

    const rotated = await create("rotated");
    await warm(rotated.key, list, { w: workspaceId });
    const { rotateApiKey } = await graphqlOk<{ rotateApiKey: { key: string } }>(
      `mutation($id: ID!) { rotateApiKey(id: $id) { key } }`,
      { token: owner.token, variables: { id: rotated.apiKey.id } },
    );
    await expectRefused(rotated.key, list, { w: workspaceId });
    await graphqlOk(list, { token: rotateApiKey.key, variables: { w: workspaceId } });
  });

  test("deleting a workspace refuses its API keys on their next use", async () => {
    const owner = await signUp();
    const name = `Doomed ${Date.now()}`;
    const workspaceId = await createWorkspace(owner.token, name);
    const { createApiKey } = await graphqlOk<{ createApiKey: { key: string } }>(
      `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "bot", permissions: ["tickets:view"]) { key } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const list = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;
    await warm(createApiKey.key, list, { w: workspaceId });
    await graphqlOk(
      `mutation($w: ID!, $n: String!) { deleteWorkspace(workspaceId: $w, confirmName: $n) { workspaceId } }`,
      {
        token: owner.token,
        variables: { w: workspaceId, n: name },
      },
    );
    await expectRefused(createApiKey.key, list, { w: workspaceId });
  });
});

describe("permission changes apply on the next request, with warm caches", () => {
  const TICKETS = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;
  const CREATE = `mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "Printer on fire" }) { id } }`;

  async function memberOfWorkspace(): Promise<{
    owner: SignedUpUser;
    workspaceId: string;
    member: { token: string; userId: string };
  }> {
    const fixture = await workspaceWithMembers(1, "Freshness");
    const member = fixture.members[0];
    if (!member) throw new Error("no member");
    // Warm: the member's session in the gateway, standing read by workspace and by ticketing.
    await warm(member.token, `query($w: ID!) { myPermissions(workspaceId: $w) }`, { w: fixture.workspaceId });
    await warm(member.token, TICKETS, { w: fixture.workspaceId });
    return { owner: fixture.owner, workspaceId: fixture.workspaceId, member };
  }

  test("role change: a MEMBER made ADMIN can manage settings on the next request, and loses it when made MEMBER again", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const setRole = (role: string) =>
      graphqlOk(
        `mutation($w: ID!, $u: ID!, $r: WorkspaceRole) { setMemberRole(workspaceId: $w, userId: $u, role: $r) { role } }`,
        {
          token: owner.token,
          variables: { w: workspaceId, u: member.userId, r: role },
        },
      );
    expect(await permissionsOf(member.token, workspaceId)).not.toContain("workspace_settings:update");
    await setRole("ADMIN");
    expect(await permissionsOf(member.token, workspaceId)).toContain("workspace_settings:update");
    await setRole("MEMBER");
    expect(await permissionsOf(member.token, workspaceId)).not.toContain("workspace_settings:update");
  });

  test("toggle change: membersCanCreateTickets off refuses the member's next createTicket (ticketing asks workspace)", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    await graphqlOk(CREATE, { token: member.token, variables: { w: workspaceId } });
    await graphqlOk(
      `mutation($w: ID!) { updateWorkspaceSettings(workspaceId: $w, input: { membersCanCreateTickets: false }) { membersCanCreateTickets } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(errorCodes(await graphql(CREATE, { token: member.token, variables: { w: workspaceId } }))).toEqual([
      "FORBIDDEN",
    ]);
  });

  test("override change: denying tickets:list refuses the member's next ticket list; lifting it restores it", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const override = (deny: string[]) =>
      graphqlOk(
        `mutation($w: ID!, $u: [ID!]!, $d: [String!]) { setMemberPermissions(workspaceId: $w, userIds: $u, deny: $d) { role } }`,
        {
          token: owner.token,
          variables: { w: workspaceId, u: [member.userId], d: deny },
        },
      );
    await override(["tickets:list"]);
    expect(errorCodes(await graphql(TICKETS, { token: member.token, variables: { w: workspaceId } }))).toEqual([
      "FORBIDDEN",
    ]);
    await override([]);
    await graphqlOk(TICKETS, { token: member.token, variables: { w: workspaceId } });
  });
});

describe("the gateway's revocation route", () => {
  const path = "/internal/credentials/revoked";
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const signed = async () => ({ [ACTOR_CONTEXT_HEADER]: await internalContext({ kind: "anonymous" }) });

  test("refuses callers without a context signed by a configured key, in every spelling of the path", async () => {
    const body = { userIds: [randomUUID()] };
    expect((await post(`${gatewayBase()}${path}`, body)).status).toBe(401);
    const forged = await signActorContext({ kind: "anonymous" }, { kid: "current", secret: "f".repeat(40) });
    expect((await post(`${gatewayBase()}${path}`, body, { [ACTOR_CONTEXT_HEADER]: forged })).status).toBe(401);
    const unknownKid = await signActorContext({ kind: "anonymous" }, { kid: "stranger", secret: "s".repeat(40) });
    expect((await post(`${gatewayBase()}${path}`, body, { [ACTOR_CONTEXT_HEADER]: unknownKid })).status).toBe(401);
    for (const spelling of [
      "/internal/credentials%2Frevoked",
      "/internal/%63redentials/revoked",
      "//internal/credentials/revoked",
      "/INTERNAL/credentials/revoked",
    ]) {
      const status = (await post(`${gatewayBase()}${spelling}`, body)).status;
      expect([401, 404]).toContain(status);
    }
    expect((await fetch(`${gatewayBase()}${path}`)).status).toBe(404);
  });

  test("with a signed context, malformed or oversized revocations are 400 and a well-formed one is accepted", async () => {
    const headers = await signed();
    for (const bad of [
      "{not json",
      { userIds: "everyone" },
      { userIds: ["not-a-uuid"] },
      { userIds: [`${randomUUID()}\u202e`] },
      { userIds: Array.from({ length: 1001 }, () => randomUUID()) },
      { everything: true },
    ]) {
      const response = await post(`${gatewayBase()}${path}`, bad, headers);
      expect(response.status).toBe(400);
      expect(await response.text()).not.toMatch(/at \w+ \(|node_modules/);
    }
    const response = await post(`${gatewayBase()}${path}`, { sessionIds: [randomUUID()] }, headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ evicted: 0 });
  });
});
