import { describe, expect, test } from "@jest/globals";
import { invitePerson } from "../harness/people.js";
import { createWorkspace, eventually, graphqlOk, signUp } from "../harness/stack.js";
import { setPlan } from "../harness/workspace.js";

interface Entry {
  action: string;
  actor: { type: string; id: string | null };
  target: { type: string; id: string };
  changes: Array<{ field: string; old: unknown; new: unknown }>;
}

async function activity(token: string, workspaceId: string): Promise<Entry[]> {
  const data = await graphqlOk<{ activityLog: { nodes: Entry[] } }>(
    `query($w: ID!) { activityLog(workspaceId: $w, first: 100) {
       nodes { action actor { type id } target { type id } changes { field old new } } } }`,
    { token, variables: { w: workspaceId } },
  );
  return data.activityLog.nodes;
}

describe("people changes reach the activity log with old -> new values", () => {
  test("invitations, membership, role, settings, custom role and override changes, each by its actor", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, `Activity ${Date.now()}`);
    await setPlan(owner, workspaceId, { plan: "PRO", seats: 10 });
    const member = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);

    await graphqlOk(
      `mutation($w: ID!, $u: ID!) { setMemberRole(workspaceId: $w, userId: $u, input: { role: ADMIN }) { role } }`,
      {
        token: owner.token,
        variables: { w: workspaceId, u: member.userId },
      },
    );
    await graphqlOk(
      `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: { membersCanExportData: true }) { membersCanExportData } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const role = await graphqlOk<{ createRole: { id: string } }>(
      `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Triage", permissions: ["tickets:list"] }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    await graphqlOk(`mutation($id: ID!) { updateRole(id: $id, input: { name: "First line" }) { id } }`, {
      token: owner.token,
      variables: { id: role.createRole.id },
    });
    await graphqlOk(
      `mutation($w: ID!, $u: [ID!]!) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { deny: ["teams:create"] }) { role } }`,
      { token: owner.token, variables: { w: workspaceId, u: [member.userId] } },
    );

    const expected: Array<{ action: string; actorId: string; change?: { field: string; old: unknown; new: unknown } }> =
      [
        { action: "invitation.sent", actorId: owner.userId },
        { action: "invitation.accepted", actorId: member.userId },
        { action: "member.added", actorId: member.userId },
        {
          action: "member.role_changed",
          actorId: owner.userId,
          change: { field: "role", old: "MEMBER", new: "ADMIN" },
        },
        {
          action: "workspace.settings_changed",
          actorId: owner.userId,
          change: { field: "membersCanExportData", old: false, new: true },
        },
        { action: "role.created", actorId: owner.userId },
        { action: "role.updated", actorId: owner.userId, change: { field: "name", old: "Triage", new: "First line" } },
        { action: "member.permissions_changed", actorId: owner.userId },
      ];
    const entries = await eventually(
      async () => {
        const found = await activity(owner.token, workspaceId);
        return expected.every((e) => found.some((f) => f.action === e.action)) ? found : undefined;
      },
      20_000,
      "every change in the activity log",
    );
    for (const e of expected) {
      const entry = entries.find((f) => f.action === e.action);
      expect({ action: e.action, actor: entry?.actor }).toEqual({
        action: e.action,
        actor: { type: "user", id: e.actorId },
      });
      // The activity log shows values JSON-encoded (its FieldChange is documented so).
      if (e.change) {
        expect(entry?.changes).toContainEqual({
          field: e.change.field,
          old: e.change.old,
          new: e.change.new,
        });
      } else expect(entry?.changes.length).toBeGreaterThan(0);
    }
  });
});
