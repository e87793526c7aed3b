import { invitationTokenFor } from "@support/infra/mail-catcher";
import { createWorkspace, graphqlOk, mailCatcherUrl, signUp, uniqueEmail, type SignedUpUser } from "./stack.js";
import { logIn } from "./identity.js";
import { invitePerson, type Person, type WorkspaceRoleName } from "./people.js";
import { setPlan } from "./workspace.js";

export type Caller =
  | "owner"
  | "admin"
  | "member"
  | "memberOff"
  | "custom"
  | "orgAdmin"
  | "otherOrg"
  | "apiKey"
  | "anonymous"
  | "supervisor"
  | "agent"
  | "support";

/** The built-in role each member caller holds in the main workspace (the preset ones included). */
const ROLE_OF: Partial<Record<Caller, WorkspaceRoleName>> = {
  admin: "ADMIN",
  member: "MEMBER",
  memberOff: "MEMBER",
  custom: "MEMBER",
  supervisor: "SUPERVISOR",
  agent: "AGENT",
  support: "SUPPORT",
};

/** The cast of the permission matrix: one organisation with every kind of caller, and an outsider. */
export interface MatrixFixture {
  owner: SignedUpUser;
  /** The workspace most rows act on (UNLIMITED plan, plenty of seats). */
  workspaceId: string;
  /** Same owner and member; member toggles flipped. */
  toggledWorkspaceId: string;
  /** A workspace the org admin belongs to (an invitation needs one). */
  elsewhereWorkspaceId: string;
  customRoleId: string;
  /** A MEMBER of the main workspace that operations act on. */
  target: Person;
  loginPerson: { email: string; password: string };
  people: Partial<Record<Caller, Person>>;
  apiKey: string;
  otherOrg: SignedUpUser;
  tokenFor(caller: Caller): string | undefined;
  /** A second session (or the key) of the caller, for operations that end a session. */
  freshTokenFor(caller: Caller): Promise<string | undefined>;
  workspaceFor(caller: Caller): string;
  invite(workspaceId: string, role: WorkspaceRoleName): Promise<{ id: string; token: string }>;
  createRole(): Promise<string>;
  createTeam(): Promise<string>;
  createApiKey(): Promise<string>;
  /** A fresh workspace of the owner with the target and (if a user of the organisation) the caller in it. */
  workspaceForTransfer(caller: Caller): Promise<string>;
}

export async function matrixFixture(): Promise<MatrixFixture> {
  const owner = await signUp();
  const ownerPassword = "correct horse battery";
  const workspaceId = await createWorkspace(owner.token, `Matrix ${Date.now()}`);
  const toggledWorkspaceId = await createWorkspace(owner.token, `Matrix toggled ${Date.now()}`);
  const elsewhereWorkspaceId = await createWorkspace(owner.token, `Matrix elsewhere ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "UNLIMITED", seats: 200 });
  await setPlan(owner, toggledWorkspaceId, { plan: "UNLIMITED", seats: 20 });
  await setPlan(owner, elsewhereWorkspaceId, { seats: 200 });
  await graphqlOk(
    `mutation($w: ID!) { updateWorkspaceSettings(id: $w, input: {
       membersCanCreateTickets: false, membersCanDeleteTickets: false,
       membersCanExportData: true, membersCanSeeAllAnalytics: true }) { ticketsEnabled } }`,
    { token: owner.token, variables: { w: toggledWorkspaceId } },
  );
  const role = await graphqlOk<{ createRole: { id: string } }>(
    `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Triage",
       permissions: ["tickets:list", "members:list", "teams:create"] }) { id } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );
  const customRoleId = role.createRole.id;

  const admin = await invitePerson(owner, [{ workspaceId, role: "ADMIN" }]);
  const member = await invitePerson(owner, [
    { workspaceId, role: "MEMBER" },
    { workspaceId: toggledWorkspaceId, role: "MEMBER" },
  ]);
  const custom = await invitePerson(owner, [{ workspaceId, role: "MEMBER", customRoleId }]);
  const target = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
  const supervisor = await invitePerson(owner, [{ workspaceId, role: "SUPERVISOR" }]);
  const agent = await invitePerson(owner, [{ workspaceId, role: "AGENT" }]);
  const support = await invitePerson(owner, [{ workspaceId, role: "SUPPORT" }]);
  const orgAdmin = await invitePerson(owner, [{ workspaceId: elsewhereWorkspaceId, role: "MEMBER" }], {
    orgRole: "ORG_ADMIN",
  });
  const otherOrg = await signUp({ organisationName: "Someone Else Ltd" });
  await createWorkspace(otherOrg.token, "Their own");
  const key = await graphqlOk<{ createApiKey: { key: string } }>(
    `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "matrix", permissions: ["members:list", "teams:create"]) { key } }`,
    { token: owner.token, variables: { w: workspaceId } },
  );

  const people: Partial<Record<Caller, Person>> = {
    owner: { userId: owner.userId, email: owner.email, token: owner.token, password: ownerPassword },
    admin,
    member,
    memberOff: member,
    custom,
    orgAdmin,
    otherOrg: { userId: otherOrg.userId, email: otherOrg.email, token: otherOrg.token, password: ownerPassword },
    supervisor,
    agent,
    support,
  };

  const fx: MatrixFixture = {
    owner,
    workspaceId,
    toggledWorkspaceId,
    elsewhereWorkspaceId,
    customRoleId,
    target,
    loginPerson: { email: owner.email, password: ownerPassword },
    people,
    apiKey: key.createApiKey.key,
    otherOrg,
    tokenFor: (caller) => (caller === "apiKey" ? fx.apiKey : people[caller]?.token),
    freshTokenFor: async (caller) => {
      if (caller === "apiKey") return fx.apiKey;
      const person = people[caller];
      return person ? logIn(person.email, person.password) : undefined;
    },
    workspaceFor: (caller) => (caller === "memberOff" ? toggledWorkspaceId : workspaceId),
    invite: async (w, r) => {
      const email = uniqueEmail("inv");
      const data = await graphqlOk<{ inviteUser: { invitation: { id: string } } }>(
        "mutation($i: InviteUserInput!) { inviteUser(input: $i) { invitation { id } } }",
        {
          token: owner.token,
          variables: {
            i: { firstName: "In", lastName: "Vitee", email, workspaces: [{ workspaceId: w, role: r }] },
          },
        },
      );
      // The token is in the invitee's mailbox only.
      return { id: data.inviteUser.invitation.id, token: await invitationTokenFor(mailCatcherUrl(), email) };
    },
    createRole: async () => {
      const data = await graphqlOk<{ createRole: { id: string } }>(
        `mutation($w: ID!, $n: String!) { createRole(workspaceId: $w, input: { name: $n, permissions: ["tickets:list"] }) { id } }`,
        { token: owner.token, variables: { w: workspaceId, n: `Role ${uniqueEmail("r")}` } },
      );
      return data.createRole.id;
    },
    createTeam: async () => {
      const data = await graphqlOk<{ createTeam: { id: string } }>(
        `mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }`,
        { token: owner.token, variables: { w: workspaceId, n: `Team ${uniqueEmail("t")}` } },
      );
      return data.createTeam.id;
    },
    createApiKey: async () => {
      const data = await graphqlOk<{ createApiKey: { apiKey: { id: string } } }>(
        `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "temp", permissions: ["tickets:list"]) { apiKey { id } } }`,
        { token: owner.token, variables: { w: workspaceId } },
      );
      return data.createApiKey.apiKey.id;
    },
    workspaceForTransfer: async (caller) => {
      const w = await createWorkspace(owner.token, `Transfer ${uniqueEmail("w")}`);
      const callerRole = ROLE_OF[caller];
      const members = [target, ...(callerRole ? [people[caller]] : [])];
      for (const person of members) {
        if (!person) continue;
        // The caller holds their own built-in role there (a custom role's holder: MEMBER).
        const role = person === target ? "MEMBER" : (callerRole ?? "MEMBER");
        await graphqlOk(
          "mutation($u: ID!, $w: ID!, $r: InvitedWorkspaceRole!) { updateUser(id: $u, input: { setWorkspaces: [{ workspaceId: $w, role: $r }] }) { id } }",
          { token: owner.token, variables: { u: person.userId, w, r: role } },
        );
      }
      return w;
    },
  };
  return fx;
}

/** A new member of the workspace, through an invitation the owner sends and the person accepts. */
export async function freshMember(fx: MatrixFixture, workspaceId: string, role: WorkspaceRoleName): Promise<Person> {
  return invitePerson(fx.owner, [{ workspaceId, role }]);
}

/** A pending join request to the main workspace from a new person of the organisation. */
export async function freshJoinRequest(fx: MatrixFixture): Promise<string> {
  const person = await invitePerson(fx.owner, [{ workspaceId: fx.elsewhereWorkspaceId, role: "MEMBER" }]);
  const data = await graphqlOk<{ requestToJoin: { id: string } }>(
    "mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }",
    { token: person.token, variables: { w: fx.workspaceId } },
  );
  return data.requestToJoin.id;
}
