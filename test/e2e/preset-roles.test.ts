import { beforeAll, describe, expect, test } from "@jest/globals";
import {
  createWorkspace,
  errorCodes,
  graphql,
  graphqlOk,
  signUp,
  uniqueEmail,
  type SignedUpUser,
} from "../harness/stack.js";
import { createOrgMember, invitePerson, type Person, type WorkspaceRoleName } from "../harness/people.js";
import { permissionsOf, setPlan } from "../harness/workspace.js";
import { createTicket } from "../harness/ticketing.js";

/**
 * The preset roles of SPEC section 2 (issue 22): SUPERVISOR, AGENT and SUPPORT, built in beside
 * OWNER, ADMIN and MEMBER. Who may call what is in the permission-matrix-*.test.ts tables; here, what the
 * matrix cannot show: a supervisor's limits towards administrators, SUPPORT's ticket scope, that
 * member toggles leave the preset roles alone, and that they are no custom roles.
 */

const SET_ROLE = `mutation($w: ID!, $u: ID!, $r: WorkspaceRole, $c: ID) {
  setMemberRole(workspaceId: $w, userId: $u, input: { role: $r, customRoleId: $c }) { role } }`;
const OVERRIDES = `mutation($w: ID!, $u: [ID!]!, $g: [String!], $d: [String!]) {
  setMemberPermissions(workspaceId: $w, userIds: $u, input: { grant: $g, deny: $d }) { user { id } overrides { granted denied } } }`;
const REMOVE = `mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`;
const INVITE = `mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitation { id workspaces { role } } } }`;
const UPDATE_USER = `mutation($u: ID!, $w: ID!, $r: InvitedWorkspaceRole!) {
  updateUser(id: $u, input: { setWorkspaces: [{ workspaceId: $w, role: $r }] }) { id } }`;
const REQUEST = `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`;
const APPROVE = `mutation($id: ID!, $r: WorkspaceRole, $c: ID) {
  approveJoinRequest(id: $id, input: { role: $r, customRoleId: $c }) { status role } }`;
const CREATE_ROLE = `mutation($w: ID!, $n: String!, $p: [String!]!) {
  createRole(workspaceId: $w, input: { name: $n, permissions: $p }) { id } }`;
const MEMBERS = `query($id: ID!) { workspace(id: $id) { members(first: 100) { nodes { user { id } role overrides { granted denied } } } } }`;
const EXPLAIN = `query($w: ID!, $u: ID!, $p: String!) {
  explainPermission(workspaceId: $w, userId: $u, permission: $p) { allowed steps { source effect reason } } }`;

type Members = { workspace: { members: { nodes: Array<{ user: { id: string }; role: string; overrides: unknown }> } } };

async function roleOf(token: string, workspaceId: string, userId: string): Promise<string | undefined> {
  const data = await graphqlOk<Members>(MEMBERS, { token, variables: { id: workspaceId } });
  return data.workspace.members.nodes.find((m) => m.user.id === userId)?.role;
}

/** An owner's workspace (UNLIMITED, seats to spare) with one person holding each of the given roles. */
async function workspaceWith(
  roles: WorkspaceRoleName[],
  plan: "BASIC" | "PRO" | "UNLIMITED" = "UNLIMITED",
): Promise<{ owner: SignedUpUser; workspaceId: string; people: Person[] }> {
  const owner = await signUp();
  const workspaceId = await createWorkspace(owner.token, `Preset ${uniqueEmail("w")}`);
  await setPlan(owner, workspaceId, { plan, seats: 50 });
  const people: Person[] = [];
  for (const role of roles) people.push(await invitePerson(owner, [{ workspaceId, role }]));
  return { owner, workspaceId, people };
}

describe("a supervisor manages agents, support staff and members, not administrators", () => {
  let owner: SignedUpUser;
  let workspaceId: string;
  let admin: Person, supervisor: Person, otherSupervisor: Person, agent: Person, member: Person;

  beforeAll(async () => {
    const fixture = await workspaceWith(["ADMIN", "SUPERVISOR", "SUPERVISOR", "AGENT", "MEMBER"]);
    owner = fixture.owner;
    workspaceId = fixture.workspaceId;
    [admin, supervisor, otherSupervisor, agent, member] = fixture.people as [Person, Person, Person, Person, Person];
  }, 120_000);

  test("setMemberRole: a supervisor moves people between AGENT, SUPPORT, MEMBER; never to or from ADMIN, SUPERVISOR, OWNER", async () => {
    const as = (u: Person | SignedUpUser, r: string) =>
      graphql(SET_ROLE, { token: supervisor.token, variables: { w: workspaceId, u: u.userId, r } });
    expect((await as(member, "SUPPORT")).data).toEqual({ setMemberRole: { role: "SUPPORT" } });
    expect((await as(member, "AGENT")).data).toEqual({ setMemberRole: { role: "AGENT" } });
    for (const [target, role] of [
      [member, "ADMIN"],
      [member, "SUPERVISOR"],
      [admin, "MEMBER"],
      [otherSupervisor, "AGENT"],
      [owner, "MEMBER"],
    ] as const) {
      const refused = await as(target, role);
      expect([role, errorCodes(refused)]).toEqual([role, ["FORBIDDEN"]]);
    }
    expect(await roleOf(owner.token, workspaceId, member.userId)).toBe("AGENT");
    expect(await roleOf(owner.token, workspaceId, admin.userId)).toBe("ADMIN");
    expect(await roleOf(owner.token, workspaceId, otherSupervisor.userId)).toBe("SUPERVISOR");
    // The refusal says why, and an admin may do what the supervisor may not.
    const why = await as(admin, "MEMBER");
    expect(why.errors?.[0]?.message).toMatch(/Only the owner, admins and org admins/);
    await graphqlOk(SET_ROLE, { token: admin.token, variables: { w: workspaceId, u: member.userId, r: "SUPERVISOR" } });
    expect(errorCodes(await as(member, "AGENT"))).toEqual(["FORBIDDEN"]);
    await graphqlOk(SET_ROLE, { token: admin.token, variables: { w: workspaceId, u: member.userId, r: "MEMBER" } });
  });

  test("setMemberPermissions: all or nothing when an administrator is among the members; no grant beyond the supervisor's own", async () => {
    const edit = (u: string[], g: string[] | null, d: string[] | null) =>
      graphql(OVERRIDES, { token: supervisor.token, variables: { w: workspaceId, u, g, d } });
    expect(errorCodes(await edit([agent.userId, admin.userId], null, ["tickets:delete"]))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await edit([otherSupervisor.userId], null, ["tickets:delete"]))).toEqual(["FORBIDDEN"]);
    const billing = await edit([agent.userId], ["billing:view"], null);
    expect(errorCodes(billing)).toEqual(["FORBIDDEN"]);
    expect(billing.errors?.[0]?.message).toMatch(/billing:view/);
    // Nothing was written for the agent by the refused requests.
    expect(await permissionsOf(agent.token, workspaceId)).toContain("tickets:delete");
    const ok = await edit([agent.userId], ["teams:create"], ["tickets:delete"]);
    expect(ok.data).toEqual({
      setMemberPermissions: [
        {
          user: { id: agent.userId },
          overrides: { granted: ["teams:list", "teams:create"], denied: ["tickets:delete"] },
        },
      ],
    });
    const agentPerms = await permissionsOf(agent.token, workspaceId);
    expect(agentPerms).toContain("teams:create");
    expect(agentPerms).not.toContain("tickets:delete");
    await graphqlOk(OVERRIDES, { token: owner.token, variables: { w: workspaceId, u: [agent.userId], g: [], d: [] } });
  });

  test("removeMember: a supervisor removes members and agents, not admins or supervisors", async () => {
    const leaving = await invitePerson(owner, [{ workspaceId, role: "AGENT" }]);
    for (const target of [admin, otherSupervisor, owner]) {
      const refused = await graphql(REMOVE, {
        token: supervisor.token,
        variables: { w: workspaceId, u: target.userId },
      });
      expect(errorCodes(refused)).toEqual(["FORBIDDEN"]);
    }
    expect(
      await graphqlOk(REMOVE, { token: supervisor.token, variables: { w: workspaceId, u: leaving.userId } }),
    ).toEqual({ removeMember: leaving.userId });
    expect(await roleOf(owner.token, workspaceId, admin.userId)).toBe("ADMIN");
  });

  test("inviteUser: a supervisor invites agents, support staff and members, not admins or supervisors", async () => {
    const invite = (role: string) =>
      graphql<{ inviteUser: { invitation: { workspaces: Array<{ role: string }> } } }>(INVITE, {
        token: supervisor.token,
        variables: {
          i: { firstName: "New", lastName: "Hire", email: uniqueEmail("hire"), workspaces: [{ workspaceId, role }] },
        },
      });
    for (const role of ["ADMIN", "SUPERVISOR"])
      expect([role, errorCodes(await invite(role))]).toEqual([role, ["FORBIDDEN"]]);
    const support = await invite("SUPPORT");
    expect(support.errors).toBeUndefined();
    expect(support.data?.inviteUser.invitation.workspaces).toEqual([{ role: "SUPPORT" }]);
  });

  test("updateUser (the users page): a supervisor cannot make someone an admin, nor change an admin's role there", async () => {
    const refused = [
      await graphql(UPDATE_USER, {
        token: supervisor.token,
        variables: { u: agent.userId, w: workspaceId, r: "ADMIN" },
      }),
      await graphql(UPDATE_USER, {
        token: supervisor.token,
        variables: { u: admin.userId, w: workspaceId, r: "AGENT" },
      }),
    ];
    expect(refused.map(errorCodes)).toEqual([["FORBIDDEN"], ["FORBIDDEN"]]);
    await graphqlOk(UPDATE_USER, {
      token: supervisor.token,
      variables: { u: agent.userId, w: workspaceId, r: "SUPPORT" },
    });
    expect(await roleOf(owner.token, workspaceId, agent.userId)).toBe("SUPPORT");
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: agent.userId, r: "AGENT" } });
  });

  test("approveJoinRequest: a supervisor approves as AGENT, SUPPORT or MEMBER; ADMIN and SUPERVISOR stay pending", async () => {
    const person = await createOrgMember(owner.organisationId);
    const request = await graphqlOk<{ requestToJoin: { id: string } }>(REQUEST, {
      token: person.token,
      variables: { w: workspaceId },
    });
    const approve = (r: string) =>
      graphql(APPROVE, { token: supervisor.token, variables: { id: request.requestToJoin.id, r } });
    expect(errorCodes(await approve("ADMIN"))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await approve("SUPERVISOR"))).toEqual(["FORBIDDEN"]);
    expect((await approve("AGENT")).data).toEqual({ approveJoinRequest: { status: "APPROVED", role: "AGENT" } });
    expect(await roleOf(owner.token, workspaceId, person.userId)).toBe("AGENT");
  });

  test("custom roles: a supervisor makes and gives only roles within their own permissions (no billing)", async () => {
    const create = (p: string[]) =>
      graphql<{ createRole: { id: string } }>(CREATE_ROLE, {
        token: supervisor.token,
        variables: { w: workspaceId, n: `Desk ${uniqueEmail("r")}`, p },
      });
    const billing = await create(["tickets:list", "billing:view"]);
    expect(errorCodes(billing)).toEqual(["FORBIDDEN"]);
    expect(billing.errors?.[0]?.message).toMatch(/billing:view/);
    const desk = await create(["tickets:list", "members:update"]);
    expect(desk.errors).toBeUndefined();
    await graphqlOk(SET_ROLE, {
      token: supervisor.token,
      variables: { w: workspaceId, u: member.userId, c: desk.data?.createRole.id },
    });
    // The owner's role with billing in it is beyond the supervisor to give.
    const owners = await graphqlOk<{ createRole: { id: string } }>(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, n: `Billing desk ${uniqueEmail("r")}`, p: ["billing:view"] },
    });
    const given = await graphql(SET_ROLE, {
      token: supervisor.token,
      variables: { w: workspaceId, u: member.userId, c: owners.createRole.id },
    });
    expect(errorCodes(given)).toEqual(["FORBIDDEN"]);
    // The holder of a custom role with members:update is bound like a supervisor: no admin is theirs to change.
    const demote = await graphql(SET_ROLE, {
      token: member.token,
      variables: { w: workspaceId, u: admin.userId, r: "MEMBER" },
    });
    expect(errorCodes(demote)).toEqual(["FORBIDDEN"]);
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: member.userId, r: "MEMBER" } });
  });

  test("a supervisor's change racing an admin promotion never leaves the supervisor having changed an admin", async () => {
    const target = await invitePerson(owner, [{ workspaceId, role: "AGENT" }]);
    const [bySupervisor, byOwner] = await Promise.all([
      graphql(SET_ROLE, { token: supervisor.token, variables: { w: workspaceId, u: target.userId, r: "SUPPORT" } }),
      graphql(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: target.userId, r: "ADMIN" } }),
    ]);
    expect(byOwner.errors).toBeUndefined();
    expect([[], ["FORBIDDEN"]]).toContainEqual(errorCodes(bySupervisor));
    // Serialised on the workspace lock: either the supervisor went first (then the owner's ADMIN
    // is the last word) or the target was already an admin and the supervisor was refused.
    expect(await roleOf(owner.token, workspaceId, target.userId)).toBe("ADMIN");
  });

  test("explainPermission names the preset role that decided", async () => {
    const data = await graphqlOk<{
      explainPermission: { allowed: boolean; steps: Array<{ source: string; reason: string }> };
    }>(EXPLAIN, { token: supervisor.token, variables: { w: workspaceId, u: agent.userId, p: "tickets:assign" } });
    expect(data.explainPermission.allowed).toBe(true);
    expect(data.explainPermission.steps).toContainEqual(
      expect.objectContaining({ source: "WORKSPACE_ROLE", reason: "AGENT includes tickets:assign" }),
    );
    const own = await graphqlOk<{ explainPermission: { allowed: boolean; steps: Array<{ reason: string }> } }>(
      EXPLAIN,
      {
        token: owner.token,
        variables: { w: workspaceId, u: supervisor.userId, p: "billing:view" },
      },
    );
    expect(own.explainPermission.allowed).toBe(false);
    expect(own.explainPermission.steps.map((s) => s.reason)).toContain("SUPERVISOR does not include billing:view");
  });
});

describe("SUPPORT sees the tickets assigned to them or their teams", () => {
  test("the list and each ticket: their own and their team's; any other NOT_FOUND; no delete or assign on what they see", async () => {
    const { owner, workspaceId, people } = await workspaceWith(["SUPPORT", "AGENT"]);
    const [support, agent] = people as [Person, Person];
    const team = await graphqlOk<{ createTeam: { id: string } }>(
      `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Tier 1", memberIds: $m }) { id } }`,
      { token: owner.token, variables: { w: workspaceId, m: [support.userId] } },
    );
    const mine = await createTicket(owner.token, workspaceId, { title: "Mine", assigneeId: support.userId });
    const ours = await createTicket(owner.token, workspaceId, { title: "Ours", teamId: team.createTeam.id });
    const theirs = await createTicket(owner.token, workspaceId, { title: "Theirs", assigneeId: agent.userId });
    const nobodys = await createTicket(owner.token, workspaceId, { title: "Nobody's" });

    const list = await graphqlOk<{ tickets: { nodes: Array<{ id: string }> } }>(
      `query($w: ID!) { tickets(workspaceId: $w, first: 50) { nodes { id } } }`,
      { token: support.token, variables: { w: workspaceId } },
    );
    expect(list.tickets.nodes.map((t) => t.id).sort()).toEqual([mine.id, ours.id].sort());
    const open = (id: string) =>
      graphql(
        `
          query ($id: ID!) {
            ticket(id: $id) {
              id
            }
          }
        `,
        { token: support.token, variables: { id } },
      );
    expect(errorCodes(await open(mine.id))).toEqual([]);
    expect(errorCodes(await open(ours.id))).toEqual([]);
    expect(errorCodes(await open(theirs.id))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await open(nobodys.id))).toEqual(["NOT_FOUND"]);
    // Another person's ticket answers exactly like one that does not exist.
    const missing = await open("00000000-0000-4000-8000-00000000beef");
    expect(JSON.stringify(await open(theirs.id)).replaceAll(theirs.id, "x")).toBe(
      JSON.stringify(missing).replaceAll("00000000-0000-4000-8000-00000000beef", "x"),
    );

    const as = (query: string, variables: Record<string, unknown>) =>
      graphql(query, { token: support.token, variables });
    expect(
      errorCodes(
        await as(`mutation($id: ID!) { updateTicket(id: $id, input: { title: "Edited" }) { id } }`, { id: ours.id }),
      ),
    ).toEqual([]);
    expect(
      errorCodes(
        await as(`mutation($id: ID!) { changeTicketStatus(id: $id, input: { status: SOLVED }) { id } }`, {
          id: mine.id,
        }),
      ),
    ).toEqual([]);
    expect(errorCodes(await as(`mutation($id: ID!) { deleteTicket(id: $id) }`, { id: mine.id }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(
      errorCodes(
        await as(`mutation($id: ID!, $a: ID) { assignTicket(id: $id, input: { assigneeId: $a }) { id } }`, {
          id: ours.id,
          a: support.userId,
        }),
      ),
    ).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await as(`mutation($id: ID!) { deleteTicket(id: $id) }`, { id: theirs.id }))).toEqual([
      "NOT_FOUND",
    ]);
    // The agent sees every ticket of the workspace.
    const agents = await graphqlOk<{ tickets: { nodes: Array<{ id: string }> } }>(
      `query($w: ID!) { tickets(workspaceId: $w, first: 50) { nodes { id } } }`,
      { token: agent.token, variables: { w: workspaceId } },
    );
    expect(agents.tickets.nodes.map((t) => t.id).sort()).toEqual([mine.id, ours.id, theirs.id, nobodys.id].sort());
  });
});

describe("preset roles are built in", () => {
  test("member toggles bind MEMBERs only: with creating, editing and deleting tickets off, an AGENT still does all three", async () => {
    const { owner, workspaceId, people } = await workspaceWith(["AGENT", "SUPPORT", "MEMBER"]);
    const [agent, support, member] = people as [Person, Person, Person];
    await graphqlOk(
      `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: {
         membersCanCreateTickets: false, membersCanEditTickets: false, membersCanDeleteTickets: false,
         membersCanSeeAllAnalytics: true }) { ticketsEnabled } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const create = (token: string) =>
      graphql<{ createTicket: { id: string } }>(
        `
          mutation ($w: ID!) {
            createTicket(workspaceId: $w, input: { title: "Toggles" }) {
              id
            }
          }
        `,
        { token, variables: { w: workspaceId } },
      );
    expect(errorCodes(await create(member.token))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await create(support.token))).toEqual([]);
    const created = await create(agent.token);
    expect(created.errors).toBeUndefined();
    const id = created.data!.createTicket.id;
    expect(
      errorCodes(
        await graphql(
          `
            mutation ($id: ID!) {
              updateTicket(id: $id, input: { title: "Edited" }) {
                id
              }
            }
          `,
          {
            token: agent.token,
            variables: { id },
          },
        ),
      ),
    ).toEqual([]);
    expect(
      await graphqlOk(`mutation($id: ID!) { deleteTicket(id: $id) }`, { token: agent.token, variables: { id } }),
    ).toEqual({
      deleteTicket: id,
    });
    // A toggle that gives MEMBERs more does not give it to the preset roles either.
    expect(await permissionsOf(member.token, workspaceId)).toContain("analytics:view_all");
    expect(await permissionsOf(agent.token, workspaceId)).not.toContain("analytics:view_all");
    expect(await permissionsOf(support.token, workspaceId)).not.toContain("analytics:view_all");
  });

  test("on BASIC (no custom roles at all) every preset role can be given; none can be edited or deleted as a custom role", async () => {
    const { owner, workspaceId, people } = await workspaceWith(["MEMBER"], "BASIC");
    const [person] = people as [Person];
    const custom = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, n: "Desk", p: ["tickets:list"] },
    });
    expect(errorCodes(custom)).toEqual(["PLAN_LIMIT"]);
    for (const role of ["SUPERVISOR", "AGENT", "SUPPORT"]) {
      const given = await graphqlOk<{ setMemberRole: { role: string } }>(SET_ROLE, {
        token: owner.token,
        variables: { w: workspaceId, u: person.userId, r: role },
      });
      expect(given.setMemberRole.role).toBe(role);
    }
    const roles = await graphqlOk<{
      workspace: {
        roles: {
          totalCount: number;
          nodes: Array<{ id: string; builtIn: boolean; ticketAccess: string; permissions: string[] }>;
        };
      };
    }>(
      `query($id: ID!) { workspace(id: $id) { roles(first: 20) { totalCount nodes { id builtIn ticketAccess permissions } } } }`,
      {
        token: owner.token,
        variables: { id: workspaceId },
      },
    );
    expect(roles.workspace.roles.nodes.map((r) => [r.id, r.builtIn, r.ticketAccess])).toEqual([
      ["OWNER", true, "ALL"],
      ["ADMIN", true, "ALL"],
      ["SUPERVISOR", true, "ALL"],
      ["AGENT", true, "ALL"],
      ["SUPPORT", true, "ASSIGNED_TO_ME_OR_MY_TEAMS"],
      ["MEMBER", true, "ALL"],
    ]);
    const supervisor = roles.workspace.roles.nodes.find((r) => r.id === "SUPERVISOR")!;
    expect(supervisor.permissions.filter((p) => p.startsWith("billing:"))).toEqual([]);
    // Built-in roles are no custom roles: not found to the custom-role mutations; their names are taken.
    for (const id of ["SUPERVISOR", "AGENT", "SUPPORT"]) {
      const update = await graphql(
        `
          mutation ($id: ID!) {
            updateRole(id: $id, input: { name: "Renamed" }) {
              id
            }
          }
        `,
        {
          token: owner.token,
          variables: { id },
        },
      );
      const remove = await graphql(
        `
          mutation ($id: ID!) {
            deleteRole(id: $id)
          }
        `,
        {
          token: owner.token,
          variables: { id },
        },
      );
      expect([id, errorCodes(update), errorCodes(remove)]).toEqual([id, ["NOT_FOUND"], ["NOT_FOUND"]]);
    }
    await setPlan(owner, workspaceId, { plan: "PRO" });
    const named = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, n: "support", p: ["tickets:list"] },
    });
    expect(errorCodes(named)).toEqual(["CONFLICT"]);
    // The allowance (PRO: one custom role) is untouched by the preset roles a member holds.
    const first = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, n: "Desk", p: ["tickets:list"] },
    });
    expect(first.errors).toBeUndefined();
  });

  test("hostile input: an unknown role is refused before anything happens; a role of the enum but OWNER is BAD_USER_INPUT", async () => {
    const { owner, workspaceId, people } = await workspaceWith(["AGENT"]);
    const [agent] = people as [Person];
    const unknown = await graphql(SET_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, u: agent.userId, r: "SUPERUSER" },
    });
    expect(errorCodes(unknown)).toEqual(["BAD_USER_INPUT"]);
    const ownerRole = await graphql(SET_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, u: agent.userId, r: "OWNER" },
    });
    expect(errorCodes(ownerRole)).toEqual(["BAD_USER_INPUT"]);
    const inviteUnknown = await graphql(INVITE, {
      token: owner.token,
      variables: {
        i: { firstName: "A", lastName: "B", email: uniqueEmail("x"), workspaces: [{ workspaceId, role: "OWNER" }] },
      },
    });
    expect(errorCodes(inviteUnknown)).toEqual(["BAD_USER_INPUT"]);
    expect(await roleOf(owner.token, workspaceId, agent.userId)).toBe("AGENT");
  });
});
