import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import pg from "pg";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS, type Actor } from "@support/actor-context";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  internalContext,
  signUp,
  testStack,
  uniqueEmail,
  type GraphQLResponse,
} from "../harness/stack.js";
import { identityDatabaseUrl, seedPerson } from "../harness/identity.js";
import { createOrgMember, workspaceQuery } from "../harness/people.js";

/**
 * Invariants that span identity and workspace, each decided by one authority (docs/adr/0004):
 * seats by the workspace service under the workspace's lock, ownership by the workspace service
 * before identity deletes anyone, org roles by identity.
 */

const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`;
const REQUEST = `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`;
const APPROVE = `mutation($id: ID!) { approveJoinRequest(id: $id, input: { role: MEMBER }) { status } }`;
const SEAT_USE = `query($id: ID!) { workspace(id: $id) { seats memberCount pendingInvitations } }`;
const EXPLAIN = `query($w: ID!, $u: ID!, $p: String!) {
  explainPermission(workspaceId: $w, userId: $u, permission: $p) { allowed steps { source effect } } }`;

const ok = (result: GraphQLResponse<unknown>) => !result.errors?.length;

describe("seats: invitations and join-request approvals share one decision", () => {
  test("an invitation racing an approval for the last seat, 20 times: one wins, the other is PLAN_LIMIT", async () => {
    const admin = await signUp();
    // Two people of the organisation: one takes a seat in each workspace, the other races for the last.
    const [filler, racer] = await Promise.all([
      createOrgMember(admin.organisationId),
      createOrgMember(admin.organisationId),
    ]);
    const outcomes = { invitation: 0, approval: 0 };
    for (let round = 0; round < 20; round += 1) {
      // A new workspace has the trial's 3 seats: the owner and the filler leave one.
      const workspaceId = await createWorkspace(admin.token, `Last seat ${round}`);
      const filled = await graphqlOk<{ requestToJoin: { id: string } }>(REQUEST, {
        token: filler.token,
        variables: { w: workspaceId },
      });
      await graphqlOk(APPROVE, { token: admin.token, variables: { id: filled.requestToJoin.id } });
      const pending = await graphqlOk<{ requestToJoin: { id: string } }>(REQUEST, {
        token: racer.token,
        variables: { w: workspaceId },
      });

      const [invited, approved] = await Promise.all([
        graphql(INVITE, {
          token: admin.token,
          variables: {
            input: {
              firstName: "Last",
              lastName: "Seat",
              email: uniqueEmail("last-seat"),
              workspaces: [{ workspaceId, role: "MEMBER" }],
            },
          },
        }),
        graphql(APPROVE, { token: admin.token, variables: { id: pending.requestToJoin.id } }),
      ]);

      expect([ok(invited), ok(approved)].filter(Boolean)).toHaveLength(1);
      expect(errorCodes(ok(invited) ? approved : invited)).toEqual(["PLAN_LIMIT"]);
      outcomes[ok(invited) ? "invitation" : "approval"] += 1;
      const use = await graphqlOk<{ workspace: { seats: number; memberCount: number; pendingInvitations: number } }>(
        SEAT_USE,
        { token: admin.token, variables: { id: workspaceId } },
      );
      expect(use.workspace).toEqual({
        seats: 3,
        memberCount: ok(approved) ? 3 : 2,
        pendingInvitations: ok(invited) ? 1 : 0,
      });
    }
    expect(outcomes.invitation + outcomes.approval).toBe(20);
  });

  test("a refused invitation holds no seat; a revoked one gives its seat back", async () => {
    const admin = await signUp();
    const workspaceId = await createWorkspace(admin.token, "Seat accounting");
    const invite = (email: string) =>
      graphql<{ inviteUser: { invitation: { id: string } } }>(INVITE, {
        token: admin.token,
        variables: { input: { firstName: "A", lastName: "B", email, workspaces: [{ workspaceId, role: "MEMBER" }] } },
      });
    // Two invitations of one email at once, with two seats free: both may reserve a seat, one is
    // recorded and the other is CONFLICT, whose seat goes back.
    const email = uniqueEmail("seat");
    const both = await Promise.all([invite(email), invite(email)]);
    expect(both.filter(ok)).toHaveLength(1);
    expect(errorCodes(both.find((result) => !ok(result))!)).toEqual(["CONFLICT"]);
    expect(ok(await invite(uniqueEmail("seat")))).toBe(true);
    expect(errorCodes(await invite(uniqueEmail("seat")))).toEqual(["PLAN_LIMIT"]);

    await graphqlOk(`mutation($id: ID!) { revokeInvitation(id: $id) { status } }`, {
      token: admin.token,
      variables: { id: both.find(ok)?.data?.inviteUser.invitation.id },
    });
    // The revocation reaches the workspace service as an event.
    await eventually(async () => (ok(await invite(uniqueEmail("seat"))) ? true : undefined), 20_000, "a freed seat");
  });
});

describe("seat reservations an inviteUser left behind", () => {
  test("one identity never recorded (its inviteUser died after reserving) gives its seat back; one still being recorded is kept; a revoked one gives it back before its event arrives", async () => {
    const admin = await signUp();
    const workspaceId = await createWorkspace(admin.token, "Orphaned seats");
    // As a kill between workspace's reservation and identity's commit leaves it: no invitation in
    // identity, no invitation.sent, no release. And one whose inviteUser is still in its
    // transaction: it holds the invitation's lock in identity's database, as inviteUser does.
    const orphan = randomUUID();
    const inFlight = randomUUID();
    await workspaceQuery(
      `INSERT INTO pending_invitation (invitation_id, workspace_id, email, role, expires_at)
       VALUES ($1, $2, 'orphan@example.test', 'MEMBER', now() + interval '7 days'),
              ($3, $2, 'in-flight@example.test', 'MEMBER', now() + interval '7 days')`,
      [orphan, workspaceId, inFlight],
    );
    const inviteUserStillRunning = new pg.Client({ connectionString: identityDatabaseUrl() });
    await inviteUserStillRunning.connect();
    try {
      await inviteUserStillRunning.query("BEGIN");
      await inviteUserStillRunning.query("SELECT pg_advisory_xact_lock(2004, hashtext($1))", [inFlight]);
      const use = () =>
        graphqlOk<{ workspace: { seats: number; memberCount: number; pendingInvitations: number } }>(SEAT_USE, {
          token: admin.token,
          variables: { id: workspaceId },
        });
      // The owner and the two reservations fill the trial's 3 seats.
      expect((await use()).workspace).toEqual({ seats: 3, memberCount: 1, pendingInvitations: 2 });
      const invite = () =>
        graphql<{ inviteUser: { invitation: { id: string } } }>(INVITE, {
          token: admin.token,
          variables: {
            input: {
              firstName: "Seat",
              lastName: "Back",
              email: uniqueEmail("orphan-seat"),
              workspaces: [{ workspaceId, role: "MEMBER" }],
            },
          },
        });
      const reservations = async () =>
        (
          await workspaceQuery<{ invitation_id: string }>(
            `SELECT invitation_id::text FROM pending_invitation WHERE workspace_id = $1`,
            [workspaceId],
          )
        )
          .map((row) => row.invitation_id)
          .sort();

      const first = await invite();
      expect(errorCodes(first)).toEqual([]);
      expect(await reservations()).toEqual([inFlight, first.data!.inviteUser.invitation.id].sort());
      // Full again: the reservation still being recorded is not taken for an orphan.
      expect(errorCodes(await invite())).toEqual(["PLAN_LIMIT"]);

      // Its inviteUser dies (its transaction ends without the invitation): the seat comes back.
      await inviteUserStillRunning.query("ROLLBACK");
      const second = await invite();
      expect(errorCodes(second)).toEqual([]);
      expect(await reservations()).toEqual(
        [first.data!.inviteUser.invitation.id, second.data!.inviteUser.invitation.id].sort(),
      );

      // A revoked invitation whose invitation.revoked has not arrived yet holds no seat either:
      // here its reservation is put back as its invitation.sent left it (confirmed), as when the
      // broker went away between the two events.
      const firstId = first.data!.inviteUser.invitation.id;
      await graphqlOk(`mutation($id: ID!) { revokeInvitation(id: $id) { id } }`, {
        token: admin.token,
        variables: { id: firstId },
      });
      await eventually(async () => ((await reservations()).includes(firstId) ? undefined : true));
      await workspaceQuery(
        `INSERT INTO pending_invitation (invitation_id, workspace_id, email, role, expires_at, confirmed_at)
         VALUES ($1, $2, 'revoked@example.test', 'MEMBER', now() + interval '7 days', now())`,
        [firstId, workspaceId],
      );
      const third = await invite();
      expect(errorCodes(third)).toEqual([]);
      expect(await reservations()).toEqual(
        [second.data!.inviteUser.invitation.id, third.data!.inviteUser.invitation.id].sort(),
      );
    } finally {
      await inviteUserStillRunning.end();
    }
  });

  test("identity's answer about invitations is scoped to the caller's organisation and refuses malformed asks", async () => {
    const [mine, theirs] = await Promise.all([signUp(), signUp()]);
    const theirWorkspace = await createWorkspace(theirs.token, "Their invitations");
    const invited = await graphqlOk<{ inviteUser: { invitation: { id: string } } }>(INVITE, {
      token: theirs.token,
      variables: {
        input: {
          firstName: "Their",
          lastName: "Invitee",
          email: uniqueEmail("their-invitee"),
          workspaces: [{ workspaceId: theirWorkspace, role: "MEMBER" }],
        },
      },
    });
    const theirInvitation = invited.inviteUser.invitation.id;
    const ask = async (actor: Actor, body: unknown) => {
      const response = await fetch(`${testStack().serviceUrls.identity}/internal/invitations/known`, {
        method: "POST",
        headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: await internalContext(actor) },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const asUser = (user: typeof mine): Actor => ({
      kind: "user",
      userId: user.userId,
      organisationId: user.organisationId,
      orgRole: "ORG_ADMIN",
      sessionId: randomUUID(),
    });
    // Their own organisation's invitation is known to them, not to another organisation.
    expect(await ask(asUser(theirs), { invitationIds: [theirInvitation] })).toEqual({
      status: 200,
      body: { invitationIds: [theirInvitation] },
    });
    expect(await ask(asUser(mine), { invitationIds: [theirInvitation] })).toEqual({
      status: 200,
      body: { invitationIds: [] },
    });
    expect((await ask(ANONYMOUS, { invitationIds: [theirInvitation] })).status).toBe(401);
    for (const malformed of [
      {},
      { invitationIds: [] },
      { invitationIds: ["not-a-uuid"] },
      { invitationIds: [`${theirInvitation}\u202e`] },
      { invitationIds: Array.from({ length: 1001 }, () => randomUUID()) },
      { invitationIds: [theirInvitation], organisationId: theirs.organisationId },
    ]) {
      const answer = await ask(asUser(mine), malformed);
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).not.toContain(theirInvitation);
    }
  });
});

describe("deleting a workspace owner", () => {
  test("is CONFLICT naming the workspaces until ownership is transferred", async () => {
    const admin = await signUp();
    const owner = await createOrgMember(admin.organisationId, { orgRole: "ORG_ADMIN" });
    const first = await createWorkspace(owner.token, "Owned first");
    const second = await createWorkspace(owner.token, "Owned second");
    const DELETE = `mutation($id: ID!) { deleteUser(id: $id) }`;

    const refused = await graphql(DELETE, { token: admin.token, variables: { id: owner.userId } });
    expect(errorCodes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors?.[0]?.message).toContain('"Owned first", "Owned second"');
    expect(await graphqlOk(`{ me { id } }`, { token: owner.token })).toEqual({ me: { id: owner.userId } });

    // The admin joins both workspaces and receives them.
    for (const workspaceId of [first, second]) {
      const request = await graphqlOk<{ requestToJoin: { id: string } }>(REQUEST, {
        token: admin.token,
        variables: { w: workspaceId },
      });
      await graphqlOk(APPROVE, { token: owner.token, variables: { id: request.requestToJoin.id } });
      await graphqlOk(`mutation($w: ID!, $u: ID!) { transferOwnership(workspaceId: $w, userId: $u) { id } }`, {
        token: owner.token,
        variables: { w: workspaceId, u: admin.userId },
      });
    }
    expect(await graphqlOk(DELETE, { token: admin.token, variables: { id: owner.userId } })).toEqual({
      deleteUser: owner.userId,
    });
    // user.deleted removes the former owner's memberships; the workspaces keep their new owner.
    for (const workspaceId of [first, second]) {
      const members = await eventually(async () => {
        const data = await graphqlOk<{
          workspace: { members: { nodes: Array<{ user: { id: string }; role: string }> } };
        }>(`query($id: ID!) { workspace(id: $id) { members(first: 100) { nodes { user { id } role } } } }`, {
          token: admin.token,
          variables: { id: workspaceId },
        });
        const members = data.workspace.members.nodes;
        return members.some((m) => m.user.id === owner.userId) ? undefined : members;
      });
      expect(members).toEqual([{ user: { id: admin.userId }, role: "OWNER" }]);
    }
  });
});

describe("explainPermission reads org roles from identity", () => {
  test("right after an org role change, even when the workspace service's copy is stale", async () => {
    const admin = await signUp();
    const workspaceId = await createWorkspace(admin.token, "Explained");
    const member = await createOrgMember(admin.organisationId);
    const explain = async (userId: string) =>
      (
        await graphqlOk<{ explainPermission: { allowed: boolean; steps: Array<{ source: string; effect: string }> } }>(
          EXPLAIN,
          { token: admin.token, variables: { w: workspaceId, u: userId, p: "roles:create" } },
        )
      ).explainPermission;

    expect(await explain(member.userId)).toMatchObject({ allowed: false });
    await graphqlOk(`mutation($id: ID!) { setOrgRole(id: $id, input: { role: ORG_ADMIN }) { id } }`, {
      token: admin.token,
      variables: { id: member.userId },
    });
    // Whatever the event-fed copy says now or later, the answer is identity's.
    await workspaceQuery(`UPDATE person SET org_role = 'MEMBER' WHERE user_id = $1`, [member.userId]);
    const promoted = await explain(member.userId);
    expect(promoted.allowed).toBe(true);
    expect(promoted.steps[0]).toEqual({ source: "ORG_ROLE", effect: "GRANT" });

    // An org admin the workspace service has no copy of at all (no event was ever published).
    const uncopied = await seedPerson(admin.organisationId, { orgRole: "ORG_ADMIN" });
    expect(await workspaceQuery(`SELECT 1 FROM person WHERE user_id = $1`, [uncopied.userId])).toEqual([]);
    expect((await explain(uncopied.userId)).steps[0]).toEqual({ source: "ORG_ROLE", effect: "GRANT" });
  });

  test("someone of another organisation, or nobody, is NOT_FOUND", async () => {
    const admin = await signUp();
    const stranger = await signUp();
    const workspaceId = await createWorkspace(admin.token, "Explained to strangers");
    for (const userId of [stranger.userId, "00000000-0000-4000-8000-000000000000"]) {
      const result = await graphql(EXPLAIN, {
        token: admin.token,
        variables: { w: workspaceId, u: userId, p: "roles:create" },
      });
      expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
    }
  });
});
