import { describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, graphql, graphqlOk, signUp } from "../harness/stack.js";
import { createOrgMember } from "../harness/people.js";
import { permissionsOf, setPlan, workspaceWithMembers } from "../harness/workspace.js";

const CREATE_ROLE = `mutation($w: ID!, $input: CreateRoleInput!) { createRole(workspaceId: $w, input: $input) { id name builtIn permissions ticketAccess } }`;
const UPDATE_ROLE = `mutation($id: ID!, $input: UpdateRoleInput!) { updateRole(id: $id, input: $input) { id name permissions ticketAccess } }`;
const DELETE_ROLE = `mutation($id: ID!) { deleteRole(id: $id) }`;
const SET_ROLE = `mutation($w: ID!, $u: ID!, $r: WorkspaceRole, $c: ID) { setMemberRole(workspaceId: $w, userId: $u, input: { role: $r, customRoleId: $c }) { role customRole { name } } }`;
const ROLES = `query($id: ID!) { workspace(id: $id) { roles(first: 10) { totalCount nodes { id name builtIn ticketAccess members(first: 5) { nodes { user { id } } } } } } }`;
const SETTINGS = `mutation($w: ID!, $input: WorkspaceSettingsInput!) { updateWorkspaceSettings(id: $w, input: $input) { ticketsEnabled membersCanDeleteTickets membersCanCreateTickets } }`;
const EXPLAIN = `query($w: ID!, $u: ID!, $p: String!) { explainPermission(workspaceId: $w, userId: $u, permission: $p) { allowed steps { source effect reason } } }`;

type Role = { id: string; name: string; builtIn: boolean; permissions: string[]; ticketAccess: string };

describe("custom roles", () => {
  test("lifecycle: PLAN_LIMIT on BASIC, one on PRO, validation, assignment, edits apply at once, delete guarded", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const member = members[0]!;
    const input = {
      name: "Triage",
      permissions: ["tickets:assign", "teams:create"],
      ticketAccess: "ASSIGNED_TO_ME_OR_MY_TEAMS",
    };

    const onBasic = await graphql(CREATE_ROLE, { token: owner.token, variables: { w: workspaceId, input } });
    expect(errorCodes(onBasic)).toEqual(["PLAN_LIMIT"]);
    expect(onBasic.errors?.[0]?.message).toMatch(/BASIC plan includes no custom roles/);

    await setPlan(owner, workspaceId, { plan: "PRO" });

    // Bad input is refused with a message, and nothing is written.
    const empty = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { ...input, name: "  " } },
    });
    expect(errorCodes(empty)).toEqual(["BAD_USER_INPUT"]);
    expect(empty.errors?.[0]?.message).toMatch(/name/);
    const unknown = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { ...input, permissions: ["tickets:assign", "tickets:teleport"] } },
    });
    expect(errorCodes(unknown)).toEqual(["BAD_USER_INPUT"]);
    expect(unknown.errors?.[0]?.message).toMatch(/tickets:teleport/);
    const ownerOnly = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { ...input, permissions: ["billing:manage"] } },
    });
    expect(errorCodes(ownerOnly)).toEqual(["BAD_USER_INPUT"]);
    const builtInName = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { ...input, name: "admin" } },
    });
    expect(errorCodes(builtInName)).toEqual(["CONFLICT"]);
    expect(builtInName.errors?.[0]?.message).toMatch(/A role named "admin" already exists/);
    const none = await graphqlOk<{ workspace: { roles: { nodes: Role[]; totalCount: number } } }>(ROLES, {
      token: owner.token,
      variables: { id: workspaceId },
    });
    expect(none.workspace.roles.nodes.filter((r) => !r.builtIn)).toEqual([]);
    expect(none.workspace.roles.totalCount).toBe(6); // OWNER, ADMIN, the three preset roles, MEMBER

    const created = await graphqlOk<{ createRole: Role }>(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input },
    });
    // Closed under prerequisites: each action brings its group's base.
    expect(created.createRole).toMatchObject({
      name: "Triage",
      builtIn: false,
      permissions: ["tickets:list", "tickets:assign", "teams:list", "teams:create"],
      ticketAccess: "ASSIGNED_TO_ME_OR_MY_TEAMS",
    });
    const roleId = created.createRole.id;

    const second = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { ...input, name: "Second" } },
    });
    expect(errorCodes(second)).toEqual(["PLAN_LIMIT"]);
    expect(second.errors?.[0]?.message).toMatch(/PRO plan includes 1 custom role/);

    await setPlan(owner, workspaceId, { plan: "UNLIMITED" });
    const duplicate = await graphql(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { ...input, name: "triage" } },
    });
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toMatch(/A role named "triage" already exists/);
    expect(duplicate.errors?.[0]?.extensions?.field).toBe("input.name");

    // Assign: the member's next request has exactly the role's permissions.
    const assigned = await graphqlOk<{ setMemberRole: { role: string; customRole: { name: string } } }>(SET_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, u: member.userId, c: roleId },
    });
    expect(assigned.setMemberRole).toEqual({ role: "CUSTOM", customRole: { name: "Triage" } });
    expect(await permissionsOf(member.token, workspaceId)).toEqual([
      "tickets:list",
      "tickets:assign",
      "teams:list",
      "teams:create",
    ]);

    // Editing the role applies on the holder's very next request.
    const updated = await graphqlOk<{ updateRole: Role }>(UPDATE_ROLE, {
      token: owner.token,
      variables: {
        id: roleId,
        input: { permissions: ["members:list", "tickets:view"], ticketAccess: "ASSIGNED_TO_ME" },
      },
    });
    expect(updated.updateRole.permissions).toEqual(["tickets:list", "tickets:view", "members:list"]);
    expect(await permissionsOf(member.token, workspaceId)).toEqual(["tickets:list", "tickets:view", "members:list"]);

    const listed = await graphqlOk<{
      workspace: { roles: { nodes: Array<Role & { members: { nodes: Array<{ user: { id: string } }> } }> } };
    }>(ROLES, {
      token: owner.token,
      variables: { id: workspaceId },
    });
    expect(
      listed.workspace.roles.nodes.map((r) => [
        r.name,
        r.builtIn,
        r.ticketAccess,
        r.members.nodes.map((m) => m.user.id),
      ]),
    ).toEqual([
      ["OWNER", true, "ALL", [owner.userId]],
      ["ADMIN", true, "ALL", []],
      ["SUPERVISOR", true, "ALL", []],
      ["AGENT", true, "ALL", []],
      ["SUPPORT", true, "ASSIGNED_TO_ME_OR_MY_TEAMS", []],
      ["MEMBER", true, "ALL", []],
      ["Triage", false, "ASSIGNED_TO_ME", [member.userId]],
    ]);

    const held = await graphql(DELETE_ROLE, { token: owner.token, variables: { id: roleId } });
    expect(errorCodes(held)).toEqual(["CONFLICT"]);
    expect(held.errors?.[0]?.message).toMatch(/held by 1 member/);

    // A member without roles:* cannot touch roles.
    await graphqlOk(SET_ROLE, { token: owner.token, variables: { w: workspaceId, u: member.userId, r: "MEMBER" } });
    expect(errorCodes(await graphql(DELETE_ROLE, { token: member.token, variables: { id: roleId } }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(await graphqlOk(DELETE_ROLE, { token: owner.token, variables: { id: roleId } })).toEqual({
      deleteRole: roleId,
    });
  });

  test("another tenant's role is NOT_FOUND", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Roles home");
    await setPlan(owner, workspaceId, { plan: "PRO" });
    const created = await graphqlOk<{ createRole: Role }>(CREATE_ROLE, {
      token: owner.token,
      variables: { w: workspaceId, input: { name: "Mine", permissions: ["tickets:view"] } },
    });
    const stranger = await signUp();
    const result = await graphql(UPDATE_ROLE, {
      token: stranger.token,
      variables: { id: created.createRole.id, input: { name: "Theirs" } },
    });
    expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
    expect(
      errorCodes(await graphql(DELETE_ROLE, { token: stranger.token, variables: { id: created.createRole.id } })),
    ).toEqual(["NOT_FOUND"]);
  });
});

describe("toggles and explanations", () => {
  test("settings have the SPEC defaults; a toggle change applies on the member's very next request", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const member = members[0]!;
    const settings = await graphqlOk<{ workspace: { settings: Record<string, boolean> } }>(
      `query($id: ID!) { workspace(id: $id) { settings { membersCanSeeAllAnalytics membersCanManageExcludedChats membersCanExportData sharedBroadcastTemplates ticketsEnabled membersCanCreateTickets membersCanEditTickets membersCanDeleteTickets messageAttribution } } }`,
      { token: owner.token, variables: { id: workspaceId } },
    );
    expect(settings.workspace.settings).toEqual({
      membersCanSeeAllAnalytics: false,
      membersCanManageExcludedChats: true,
      membersCanExportData: false,
      sharedBroadcastTemplates: false,
      ticketsEnabled: true,
      membersCanCreateTickets: true,
      membersCanEditTickets: true,
      membersCanDeleteTickets: true,
      messageAttribution: false,
    });
    expect(await permissionsOf(member.token, workspaceId)).toContain("tickets:delete");

    const denied = await graphql(SETTINGS, {
      token: member.token,
      variables: { w: workspaceId, input: { membersCanDeleteTickets: false } },
    });
    expect(errorCodes(denied)).toEqual(["FORBIDDEN"]);

    await graphqlOk(SETTINGS, {
      token: owner.token,
      variables: { w: workspaceId, input: { membersCanDeleteTickets: false } },
    });
    expect(await permissionsOf(member.token, workspaceId)).not.toContain("tickets:delete");
    expect(await permissionsOf(owner.token, workspaceId)).toContain("tickets:delete");

    const why = await graphqlOk<{
      explainPermission: { allowed: boolean; steps: Array<{ source: string; effect: string; reason: string }> };
    }>(EXPLAIN, { token: owner.token, variables: { w: workspaceId, u: member.userId, p: "tickets:delete" } });
    expect(why.explainPermission.allowed).toBe(false);
    expect(why.explainPermission.steps.map((s) => [s.source, s.effect])).toEqual([
      ["ORG_ROLE", "NONE"],
      ["WORKSPACE_ROLE", "GRANT"],
      ["OVERRIDE", "NONE"],
      ["TOGGLE", "DENY"],
    ]);
    expect(why.explainPermission.steps[3]?.reason).toMatch(/membersCanDeleteTickets/);

    // The master switch binds everyone, the owner included.
    await graphqlOk(SETTINGS, { token: owner.token, variables: { w: workspaceId, input: { ticketsEnabled: false } } });
    expect((await permissionsOf(owner.token, workspaceId)).filter((p) => p.startsWith("tickets:"))).toEqual([]);

    const planWhy = await graphqlOk<{
      explainPermission: { allowed: boolean; steps: Array<{ source: string; effect: string }> };
    }>(EXPLAIN, { token: owner.token, variables: { w: workspaceId, u: owner.userId, p: "analytics:view_all" } });
    expect(planWhy.explainPermission.allowed).toBe(false);
    expect(planWhy.explainPermission.steps.at(-1)).toEqual({
      source: "PLAN",
      effect: "DENY",
      reason: expect.stringMatching(/BASIC/),
    });

    const bad = await graphql(EXPLAIN, {
      token: owner.token,
      variables: { w: workspaceId, u: member.userId, p: "tickets:nope" },
    });
    expect(errorCodes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors?.[0]?.message).toMatch(/tickets:nope/);
    const byMember = await graphql(EXPLAIN, {
      token: member.token,
      variables: { w: workspaceId, u: owner.userId, p: "tickets:view" },
    });
    expect(errorCodes(byMember)).toEqual(["FORBIDDEN"]);
  });

  test("an org admin who is not a member administers the workspace, except owner-only actions", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Org admin reach");
    const orgAdmin = await createOrgMember(owner.organisationId, { orgRole: "ORG_ADMIN" });
    const perms = await permissionsOf(orgAdmin.token, workspaceId);
    expect(perms).toContain("members:update");
    expect(perms).toContain("roles:create");
    expect(perms).not.toContain("api_keys:create");
    expect(perms).not.toContain("billing:manage");
    await graphqlOk(SETTINGS, {
      token: orgAdmin.token,
      variables: { w: workspaceId, input: { membersCanCreateTickets: false } },
    });

    const explained = await graphqlOk<{
      explainPermission: { allowed: boolean; steps: Array<{ source: string; effect: string }> };
    }>(EXPLAIN, { token: owner.token, variables: { w: workspaceId, u: orgAdmin.userId, p: "roles:create" } });
    expect(explained.explainPermission.allowed).toBe(true);
    expect(explained.explainPermission.steps[0]).toMatchObject({ source: "ORG_ROLE", effect: "GRANT" });
  });

  test("permissionCatalogue is derived from the typed catalogue", async () => {
    const owner = await signUp();
    const data = await graphqlOk<{
      permissionCatalogue: Array<{
        permission: string;
        group: string;
        prerequisite: string | null;
        ownerOnly: boolean;
      }>;
    }>(`{ permissionCatalogue { permission group prerequisite ownerOnly } }`, { token: owner.token });
    expect(data.permissionCatalogue[0]).toEqual({
      permission: "tickets:list",
      group: "tickets",
      prerequisite: null,
      ownerOnly: false,
    });
    expect(data.permissionCatalogue.find((p) => p.permission === "api_keys:revoke")).toEqual({
      permission: "api_keys:revoke",
      group: "api_keys",
      prerequisite: "api_keys:list",
      ownerOnly: true,
    });
  });

  test("updateWorkspace renames (workspace_settings:update) and validates", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const RENAME = `mutation($id: ID!, $name: String!) { updateWorkspace(id: $id, input: { name: $name }) { name } }`;
    expect(
      errorCodes(await graphql(RENAME, { token: members[0]!.token, variables: { id: workspaceId, name: "Mine" } })),
    ).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await graphql(RENAME, { token: owner.token, variables: { id: workspaceId, name: "" } }))).toEqual(
      ["BAD_USER_INPUT"],
    );
    expect(
      await graphqlOk(RENAME, { token: owner.token, variables: { id: workspaceId, name: "Renamed desk" } }),
    ).toEqual({
      updateWorkspace: { name: "Renamed desk" },
    });
  });
});

describe("a custom role of another workspace", () => {
  test("answers exactly like a role that does not exist (NOT_FOUND) and assigns nothing", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const other = await signUp();
    const otherWorkspace = await createWorkspace(other.token, "Elsewhere");
    await setPlan(other, otherWorkspace, { plan: "PRO" });
    const foreignRole = await graphqlOk<{ createRole: { id: string } }>(
      `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Theirs", permissions: ["tickets:list"] }) { id } }`,
      { token: other.token, variables: { w: otherWorkspace } },
    );
    const assign = (c: string) =>
      graphql(SET_ROLE, {
        token: owner.token,
        variables: { w: workspaceId, u: members[0]!.userId, r: "CUSTOM", c },
      });
    const foreign = await assign(foreignRole.createRole.id);
    const missing = await assign("00000000-0000-4000-8000-00000000f00d");
    expect(errorCodes(foreign)).toEqual(["NOT_FOUND"]);
    expect(foreign.errors?.[0]?.message).toBe(missing.errors?.[0]?.message);
    expect(await permissionsOf(members[0]!.token, workspaceId)).toContain("tickets:create"); // still a MEMBER
  });
});
