import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import {
  changedWithin,
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
import { cachesLive } from "../harness/metrics.js";
import { createOrgMember } from "../harness/people.js";
import { whileFrozen } from "../harness/service-process.js";
import { permissionsOf, workspaceWithMembers } from "../harness/workspace.js";

// The gateway remembers accepted credentials (docs/adr/0011) and ticketing remembers permission
// answers (docs/adr/0003). Every change below must apply to every request sent more than 1 s after
// the changing mutation answered, with the caller's credential already in the gateway's cache
// (each test warms it first). The invalidation travels through Kafka, so the very next request
// may still race it: each check repeats its request until the change shows, within that 1 s.

const ME = "{ me { id } }";
const gatewayBase = () => testStack().gatewayUrl.replace(/\/graphql$/, "");

/**
 * Two answered requests: the second is served from the gateway's cache. Once the gateway uses its
 * cache: an answer fetched while it is bypassed (after a Kafka restart) is not remembered.
 */
async function warm(token: string, query = ME, variables: Record<string, unknown> = {}) {
  await cachesLive("gateway", "ticketing");
  for (let i = 0; i < 2; i += 1) await graphqlOk(query, { token, variables });
}

/** Every request sent more than 1 s after `answeredAt` is refused as UNAUTHENTICATED. */
async function expectRefused(answeredAt: number, token: string, query = ME, variables: Record<string, unknown> = {}) {
  await changedWithin(
    answeredAt,
    async () => {
      const result = await graphql(query, { token, variables });
      if (result.status === 200 && !result.errors) return false;
      expect(result.status).toBe(401);
      expect(errorCodes(result)).toEqual(["UNAUTHENTICATED"]);
      return true;
    },
    "credential refused",
  );
}

/** `codes` (an empty list: success) for every request sent more than 1 s after `answeredAt`. */
async function expectCodes(
  answeredAt: number,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  codes: string[],
) {
  await changedWithin(
    answeredAt,
    async () => JSON.stringify(errorCodes(await graphql(query, { token, variables }))) === JSON.stringify(codes),
    `${query} answering ${codes.join(",") || "success"}`,
  );
}

describe("the gateway's credential cache", () => {
  test("a session checked once is not checked again: requests served by workspace work while identity is stopped", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Cache ${Date.now()}`);
    await cachesLive("gateway");
    await permissionsOf(owner.token, workspaceId);
    const started = Date.now();
    const permissions = await whileFrozen("identity", () => permissionsOf(owner.token, workspaceId));
    expect(permissions).toContain("workspace_settings:update");
    // Asking identity would have waited for its 5 s authentication timeout and answered 503.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  test("logOut: that session is UNAUTHENTICATED within 1 s; the user's other session keeps working", async () => {
    const owner = await signUp();
    const other = await logIn(owner.email, "correct horse battery");
    await warm(owner.token);
    await warm(other);
    await graphqlOk("mutation { logOut }", { token: owner.token });
    await expectRefused(Date.now(), owner.token);
    await graphqlOk(ME, { token: other });
  });

  test("a disabled user is UNAUTHENTICATED within 1 s", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId);
    await warm(member.token);
    await graphqlOk(`mutation($u: ID!) { setUserStatus(id: $u, input: { status: DISABLED }) { id } }`, {
      token: admin.token,
      variables: { u: member.userId },
    });
    await expectRefused(Date.now(), member.token);
  });

  test("a deleted user is UNAUTHENTICATED within 1 s", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId);
    await warm(member.token);
    await graphqlOk(`mutation($u: ID!) { deleteUser(id: $u) }`, {
      token: admin.token,
      variables: { u: member.userId },
    });
    await expectRefused(Date.now(), member.token);
  });

  test("an org role change applies within 1 s (the signed actor carries the org role)", async () => {
    const admin = await signUp();
    const member = await createOrgMember(admin.organisationId);
    const create = `mutation($n: String!) { createWorkspace(input: { name: $n }) { id } }`;
    await warm(member.token);
    expect(errorCodes(await graphql(create, { token: member.token, variables: { n: `No ${Date.now()}` } }))).toEqual([
      "FORBIDDEN",
    ]);
    await graphqlOk(`mutation($u: ID!) { setOrgRole(id: $u, input: { role: ORG_ADMIN }) { id } }`, {
      token: admin.token,
      variables: { u: member.userId },
    });
    await expectCodes(Date.now(), member.token, create, { n: `Yes ${Date.now()}` }, []);
  });

  test("a revoked API key is refused within 1 s; a rotated key's old secret too, its new one works", async () => {
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
    await expectRefused(Date.now(), revoked.key, list, { w: workspaceId });

    const rotated = await create("rotated");
    await warm(rotated.key, list, { w: workspaceId });
    const { rotateApiKey } = await graphqlOk<{ rotateApiKey: { key: string } }>(
      `mutation($id: ID!) { rotateApiKey(id: $id) { key } }`,
      { token: owner.token, variables: { id: rotated.apiKey.id } },
    );
    await expectRefused(Date.now(), rotated.key, list, { w: workspaceId });
    await graphqlOk(list, { token: rotateApiKey.key, variables: { w: workspaceId } });
  });

  test("deleting a workspace refuses its API keys within 1 s", async () => {
    const owner = await signUp();
    const name = `Doomed ${Date.now()}`;
    const workspaceId = await createWorkspace(owner.token, name);
    const { createApiKey } = await graphqlOk<{ createApiKey: { key: string } }>(
      `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "bot", permissions: ["tickets:view"]) { key } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const list = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;
    await warm(createApiKey.key, list, { w: workspaceId });
    await graphqlOk(`mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { workspaceId } }`, {
      token: owner.token,
      variables: { w: workspaceId, n: name },
    });
    await expectRefused(Date.now(), createApiKey.key, list, { w: workspaceId });
  });
});

describe("permission changes apply within 1 s, with warm caches", () => {
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
        `mutation($w: ID!, $u: ID!, $r: WorkspaceRole) { setMemberRole(workspaceId: $w, userId: $u, input: { role: $r }) { role } }`,
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

  test("toggle change: membersCanCreateTickets off refuses the member's createTicket within 1 s (ticketing asks workspace)", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    await graphqlOk(CREATE, { token: member.token, variables: { w: workspaceId } });
    await graphqlOk(
      `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { membersCanCreateTickets: false }) { membersCanCreateTickets } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    await expectCodes(Date.now(), member.token, CREATE, { w: workspaceId }, ["FORBIDDEN"]);
  });

  test("override change: denying tickets:list refuses the member's ticket list within 1 s; lifting it restores it", async () => {
    const { owner, workspaceId, member } = await memberOfWorkspace();
    const override = (deny: string[]) =>
      graphqlOk(
        `mutation($w: ID!, $u: [ID!]!, $d: [String!]) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { deny: $d }) { role } }`,
        {
          token: owner.token,
          variables: { w: workspaceId, u: [member.userId], d: deny },
        },
      );
    await override(["tickets:list"]);
    await expectCodes(Date.now(), member.token, TICKETS, { w: workspaceId }, ["FORBIDDEN"]);
    await override([]);
    await expectCodes(Date.now(), member.token, TICKETS, { w: workspaceId }, []);
  });
});

describe("no revocation route at the gateway", () => {
  test("revocations reach the gateway through Kafka only: its old route is gone in every spelling, whatever the caller signs", async () => {
    const headers = {
      "content-type": "application/json",
      [ACTOR_CONTEXT_HEADER]: await internalContext({ kind: "anonymous" }),
    };
    for (const path of [
      "/internal/credentials/revoked",
      "/internal/credentials%2Frevoked",
      "//internal/credentials/revoked",
      "/INTERNAL/credentials/revoked",
    ]) {
      const response = await fetch(`${gatewayBase()}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ userIds: [randomUUID()] }),
      });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });
});
