import { createOrgMember, publishBillingChange, type OrgMember } from "./people.js";
import { createWorkspace, eventually, graphqlOk, signUp, type SignedUpUser } from "./stack.js";

/** Brings a same-organisation person in through the join-request flow (the only way on this branch). */
export async function joinThroughRequest(
  owner: SignedUpUser,
  workspaceId: string,
  member: OrgMember,
  role: { role?: string; customRoleId?: string } = { role: "MEMBER" },
): Promise<void> {
  const requested = await graphqlOk<{ requestToJoin: { id: string } }>(
    `mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }`,
    { token: member.token, variables: { w: workspaceId } },
  );
  await graphqlOk(
    `mutation($id: ID!, $role: WorkspaceRole, $c: ID) { approveJoinRequest(id: $id, input: { role: $role, customRoleId: $c }) { id status } }`,
    {
      token: owner.token,
      variables: { id: requested.requestToJoin.id, role: role.role ?? null, c: role.customRoleId ?? null },
    },
  );
}

export interface WorkspaceFixture {
  owner: SignedUpUser;
  workspaceId: string;
  members: OrgMember[];
}

/** An org admin owning a fresh workspace, plus `memberCount` MEMBERs of the same organisation. */
export async function workspaceWithMembers(memberCount: number, name = "Support"): Promise<WorkspaceFixture> {
  const owner = await signUp();
  const workspaceId = await createWorkspace(owner.token, `${name} ${Date.now()}`);
  if (memberCount + 1 > 3) await setPlan(owner, workspaceId, { seats: memberCount + 5 });
  const members: OrgMember[] = [];
  for (let i = 0; i < memberCount; i += 1) {
    const member = await createOrgMember(owner.organisationId);
    await joinThroughRequest(owner, workspaceId, member);
    members.push(member);
  }
  return { owner, workspaceId, members };
}

/** Publishes a billing change and waits until the workspace service has applied it. */
export async function setPlan(
  owner: SignedUpUser,
  workspaceId: string,
  change: { plan?: "BASIC" | "PRO" | "UNLIMITED"; seats?: number },
): Promise<void> {
  // The change is a new version of the trial's billing account, which billing opens on workspace.created.
  await eventually(async () => {
    const data = await graphqlOk<{ workspace: { billing: { plan: string; pending: boolean } | null } }>(
      `query($id: ID!) { workspace(id: $id) { billing { plan pending } } }`,
      { token: owner.token, variables: { id: workspaceId } },
    );
    return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
  });
  await publishBillingChange(workspaceId, owner.organisationId, change);
  await eventually(
    async () => {
      const data = await graphqlOk<{ workspace: { plan: string; seats: number } }>(
        `query($id: ID!) { workspace(id: $id) { plan seats } }`,
        { token: owner.token, variables: { id: workspaceId } },
      );
      const planOk = !change.plan || data.workspace.plan === change.plan;
      const seatsOk = change.seats === undefined || data.workspace.seats === change.seats;
      return planOk && seatsOk ? true : undefined;
    },
    20_000,
    "the billing change to reach the workspace service",
  );
}

export async function permissionsOf(token: string, workspaceId: string): Promise<string[]> {
  const data = await graphqlOk<{ myPermissions: string[] }>(`query($w: ID!) { myPermissions(workspaceId: $w) }`, {
    token,
    variables: { w: workspaceId },
  });
  return data.myPermissions;
}
