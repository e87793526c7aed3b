import { describe, expect, test } from "@jest/globals";
import {
  ALL_PERMISSIONS,
  MEMBER_ROLE_PERMISSIONS,
  OWNER_ONLY,
  PERMISSION_CATALOGUE,
  PERMISSION_GROUPS,
  baseOf,
  partitionPermissions,
  withPrerequisites,
  type Permission,
} from "./catalogue.js";
import {
  BUILT_IN_ROLES,
  DEFAULT_TOGGLES,
  PRESET_ROLES,
  apiKeyPermissions,
  builtInRolePermissions,
  builtInRoleTicketAccess,
  canCreateCustomRole,
  decide,
  effectivePermissions,
  type MemberToggles,
  type PermissionSubject,
  type Plan,
  type BuiltInRole,
  type WorkspaceRole,
} from "./effective.js";

const subject = (overrides: Partial<PermissionSubject> = {}): PermissionSubject => ({
  orgRole: "MEMBER",
  workspaceRole: { kind: "BUILT_IN", role: "MEMBER" },
  overrides: { granted: [], denied: [] },
  toggles: DEFAULT_TOGGLES,
  plan: "UNLIMITED",
  ...overrides,
});
const builtIn = (role: BuiltInRole): WorkspaceRole => ({ kind: "BUILT_IN", role });
const custom = (permissions: Permission[]): WorkspaceRole => ({ kind: "CUSTOM", name: "Custom", permissions });
const allOn: MemberToggles = Object.fromEntries(Object.keys(DEFAULT_TOGGLES).map((k) => [k, true])) as never;
const ownerOnly = (p: Permission) => OWNER_ONLY.has(p);

describe("the catalogue", () => {
  test("every permission belongs to exactly one group and the first action of a group is its base", () => {
    for (const group of PERMISSION_GROUPS) {
      const base = `${group.group}:${group.actions[0].action}` as Permission;
      for (const action of group.actions) {
        const permission = `${group.group}:${action.action}` as Permission;
        expect(ALL_PERMISSIONS.filter((p) => p === permission)).toHaveLength(1);
        expect(baseOf(permission)).toBe(base);
      }
    }
  });

  test("the graph's catalogue lists every permission with its prerequisite and owner-only flag", () => {
    expect(PERMISSION_CATALOGUE.map((p) => p.permission)).toEqual(ALL_PERMISSIONS);
    for (const info of PERMISSION_CATALOGUE) {
      expect(info.prerequisite).toBe(baseOf(info.permission) === info.permission ? null : baseOf(info.permission));
      expect(info.ownerOnly).toBe(OWNER_ONLY.has(info.permission));
      expect(info.title.length).toBeGreaterThan(0);
    }
  });

  test.each(ALL_PERMISSIONS.map((p) => [p]))("withPrerequisites closes %s under its base and is idempotent", (p) => {
    const closed = withPrerequisites([p]);
    expect(closed).toContain(p);
    expect(closed).toContain(baseOf(p));
    expect(withPrerequisites(closed)).toEqual(closed);
  });

  test("unknown strings are told apart from catalogue permissions", () => {
    expect(partitionPermissions(["tickets:list", "tickets:fly", "nope"])).toEqual({
      known: ["tickets:list"],
      unknown: ["tickets:fly", "nope"],
    });
  });
});

describe.each(ALL_PERMISSIONS.map((p) => [p]))("%s for every kind of holder", (permission) => {
  test("the owner always has it (all toggles on, UNLIMITED)", () => {
    expect(decide(subject({ workspaceRole: builtIn("OWNER"), toggles: allOn }), permission).allowed).toBe(true);
  });

  test("an ADMIN has it unless it is owner-only", () => {
    expect(decide(subject({ workspaceRole: builtIn("ADMIN") }), permission).allowed).toBe(!ownerOnly(permission));
  });

  test("a MEMBER has it exactly when the MEMBER role lists it (default toggles)", () => {
    expect(decide(subject(), permission).allowed).toBe(MEMBER_ROLE_PERMISSIONS.includes(permission));
  });

  test("an org admin who is not a member has it unless it is owner-only", () => {
    expect(decide(subject({ orgRole: "ORG_ADMIN", workspaceRole: null }), permission).allowed).toBe(
      !ownerOnly(permission),
    );
  });

  test("an org admin holding MEMBER is not bound by member toggles or overrides", () => {
    const toggles = { ...DEFAULT_TOGGLES, membersCanCreateTickets: false, membersCanDeleteTickets: false };
    const s = subject({ orgRole: "ORG_ADMIN", toggles, overrides: { granted: [], denied: [permission] } });
    expect(decide(s, permission).allowed).toBe(!ownerOnly(permission));
  });

  test("a custom role holding just it has it and its base, nothing else (owner-only never)", () => {
    const s = subject({ workspaceRole: custom([permission]) });
    const expected = withPrerequisites([permission]).filter((p) => !ownerOnly(p));
    expect(effectivePermissions(s)).toEqual(expected);
  });

  test("a non-member without org admin has nothing", () => {
    expect(decide(subject({ workspaceRole: null }), permission).allowed).toBe(false);
  });

  test("a grant override gives it to a MEMBER unless owner-only; overrides never lift owner-only", () => {
    const toggles = { ...DEFAULT_TOGGLES, membersCanSeeAllAnalytics: true };
    const s = subject({ toggles, overrides: { granted: [permission], denied: [] } });
    expect(decide(s, permission).allowed).toBe(!ownerOnly(permission));
    if (!ownerOnly(permission)) expect(decide(s, baseOf(permission)).allowed).toBe(true);
  });

  test("a deny override takes it from an ADMIN; denying the base takes the whole group", () => {
    const denyIt = subject({ workspaceRole: builtIn("ADMIN"), overrides: { granted: [], denied: [permission] } });
    expect(decide(denyIt, permission).allowed).toBe(false);
    const denyBase = subject({
      workspaceRole: builtIn("ADMIN"),
      overrides: { granted: [], denied: [baseOf(permission)] },
    });
    expect(decide(denyBase, permission).allowed).toBe(false);
  });

  test("the owner cannot be restricted by deny overrides", () => {
    const s = subject({ workspaceRole: builtIn("OWNER"), overrides: { granted: [], denied: [permission] } });
    expect(decide(s, permission).allowed).toBe(true);
  });

  test("a custom role without the base does not keep the action (prerequisite closure on deny)", () => {
    const s = subject({
      workspaceRole: custom([permission]),
      overrides: { granted: [], denied: [baseOf(permission)] },
    });
    expect(decide(s, permission).allowed).toBe(false);
  });
});

describe("member toggles", () => {
  const gates: Array<[keyof MemberToggles, Permission]> = [
    ["membersCanCreateTickets", "tickets:create"],
    ["membersCanEditTickets", "tickets:edit"],
    ["membersCanDeleteTickets", "tickets:delete"],
  ];
  test.each(gates)("%s off: a MEMBER loses %s, an ADMIN and a custom role keep it", (toggle, permission) => {
    const toggles = { ...DEFAULT_TOGGLES, [toggle]: false };
    const member = decide(subject({ toggles }), permission);
    expect(member.allowed).toBe(false);
    expect(member.steps.find((s) => s.source === "TOGGLE")).toMatchObject({ effect: "DENY" });
    expect(decide(subject({ toggles }), permission.replace(/:.*/, ":list") as Permission).allowed).toBe(true);
    expect(decide(subject({ toggles, workspaceRole: builtIn("ADMIN") }), permission).allowed).toBe(true);
    expect(decide(subject({ toggles, workspaceRole: custom([permission]) }), permission).allowed).toBe(true);
    expect(decide(subject({ toggles: { ...DEFAULT_TOGGLES, [toggle]: true } }), permission).allowed).toBe(true);
  });

  test("membersCanSeeAllAnalytics on lets a MEMBER see all analytics; off takes it away, even from a grant", () => {
    const granted = { granted: ["analytics:view_all" as Permission], denied: [] };
    expect(decide(subject({ overrides: granted }), "analytics:view_all").allowed).toBe(false);
    expect(decide(subject({}), "analytics:view_all").allowed).toBe(false);
    const on = { ...DEFAULT_TOGGLES, membersCanSeeAllAnalytics: true };
    expect(decide(subject({ toggles: on }), "analytics:view_all")).toMatchObject({
      allowed: true,
      steps: expect.arrayContaining([expect.objectContaining({ source: "TOGGLE", effect: "GRANT" })]),
    });
    expect(decide(subject({ toggles: on, plan: "BASIC" }), "analytics:view_all").allowed).toBe(false);
    expect(
      decide(
        subject({ overrides: granted, toggles: { ...DEFAULT_TOGGLES, membersCanSeeAllAnalytics: true } }),
        "analytics:view_all",
      ).allowed,
    ).toBe(true);
  });

  test("membersCanExportData on lets MEMBERs export workspace data, and only that", () => {
    const toggles = { ...DEFAULT_TOGGLES, membersCanExportData: true };
    expect(decide(subject({ toggles }), "workspace_data:export").allowed).toBe(true);
    expect(decide(subject({ toggles }), "workspace_data:view").allowed).toBe(false);
    expect(decide(subject(), "workspace_data:export").allowed).toBe(false);
  });

  test.each(["OWNER", "ADMIN", "MEMBER"] as const)(
    "ticketsEnabled off: a %s has no ticket or ticket-field permission at all",
    (role) => {
      const toggles = { ...DEFAULT_TOGGLES, ticketsEnabled: false };
      const perms = effectivePermissions(subject({ workspaceRole: builtIn(role), toggles }));
      expect(perms.filter((p) => p.startsWith("tickets:") || p.startsWith("ticket_fields:"))).toEqual([]);
      expect(perms).toContain("members:list");
      if (role !== "MEMBER") expect(perms).toContain("workspace_settings:manage_sla");
    },
  );
});

describe("plan", () => {
  test.each<[Plan, boolean]>([
    ["BASIC", false],
    ["PRO", true],
    ["UNLIMITED", true],
  ])("on %s the owner's analytics:view_all and workspace_data:import are %s", (plan, included) => {
    const s = subject({ workspaceRole: builtIn("OWNER"), plan });
    expect(decide(s, "analytics:view_all").allowed).toBe(included);
    expect(decide(s, "workspace_data:import").allowed).toBe(included);
    if (!included)
      expect(decide(s, "analytics:view_all").steps.at(-1)).toMatchObject({ source: "PLAN", effect: "DENY" });
  });

  test.each<[Plan, number, boolean]>([
    ["BASIC", 0, false],
    ["PRO", 0, true],
    ["PRO", 1, false],
    ["UNLIMITED", 50, true],
  ])("custom role allowance: %s with %d roles may create one more: %s", (plan, existing, allowed) => {
    expect(canCreateCustomRole(plan, existing)).toBe(allowed);
  });
});

describe("explanations and API keys", () => {
  test("steps come in the order org role, workspace role, override, toggle, plan, prerequisite", () => {
    const s = subject({ toggles: { ...DEFAULT_TOGGLES, membersCanDeleteTickets: false } });
    const decision = decide(s, "tickets:delete");
    expect(decision.steps.map((x) => x.source)).toEqual(["ORG_ROLE", "WORKSPACE_ROLE", "OVERRIDE", "TOGGLE"]);
    expect(decision.steps[1]).toMatchObject({ effect: "GRANT" });
  });

  test("built-in role listings", () => {
    expect(builtInRolePermissions("OWNER")).toEqual(ALL_PERMISSIONS);
    expect(builtInRolePermissions("ADMIN").some(ownerOnly)).toBe(false);
    expect(builtInRolePermissions("MEMBER")).toEqual(MEMBER_ROLE_PERMISSIONS);
  });

  test("an API key has exactly its permissions (closed), minus the tickets switch and the plan", () => {
    expect(apiKeyPermissions(["tickets:view"], DEFAULT_TOGGLES, "PRO")).toEqual(["tickets:list", "tickets:view"]);
    expect(apiKeyPermissions(["tickets:view"], { ...DEFAULT_TOGGLES, ticketsEnabled: false }, "PRO")).toEqual([]);
    expect(
      apiKeyPermissions(["ticket_fields:create", "members:list"], { ...DEFAULT_TOGGLES, ticketsEnabled: false }, "PRO"),
    ).toEqual(["members:list"]);
    expect(apiKeyPermissions(["analytics:view_all"], DEFAULT_TOGGLES, "BASIC")).toEqual(["analytics:view_own"]);
  });
});

describe("preset roles (SPEC section 2, seed 004)", () => {
  const holder = (role: BuiltInRole, more: Partial<PermissionSubject> = {}) =>
    effectivePermissions(subject({ workspaceRole: builtIn(role), ...more }));

  test("SUPERVISOR has what ADMIN has except billing", () => {
    const admin = holder("ADMIN");
    expect(holder("SUPERVISOR")).toEqual(admin.filter((p) => !p.startsWith("billing:")));
    expect(holder("SUPERVISOR")).toEqual(
      expect.arrayContaining(["members:update", "roles:create", "activity_log:export"]),
    );
    expect(holder("SUPERVISOR").some(ownerOnly)).toBe(false);
  });

  test("AGENT has the whole tickets group and the listed reads, nothing else", () => {
    const tickets = PERMISSION_GROUPS.find((g) => g.group === "tickets")!.actions.map((a) => `tickets:${a.action}`);
    expect(holder("AGENT")).toEqual([
      ...tickets,
      "ticket_fields:list",
      "ticket_fields:edit_values",
      "members:list",
      "teams:list",
      "activity_log:view",
      "analytics:view_own",
    ]);
  });

  test("SUPPORT has the restricted list (no delete, assign or approval) and sees its own and its teams' tickets", () => {
    expect(holder("SUPPORT")).toEqual([
      "tickets:list",
      "tickets:view",
      "tickets:create",
      "tickets:edit",
      "tickets:respond",
      "tickets:close",
      "ticket_fields:list",
      "ticket_fields:edit_values",
      "members:list",
      "teams:list",
      "analytics:view_own",
    ]);
    expect(builtInRoleTicketAccess("SUPPORT")).toBe("ASSIGNED_TO_ME_OR_MY_TEAMS");
    expect(BUILT_IN_ROLES.filter((r) => r !== "SUPPORT").map(builtInRoleTicketAccess)).toEqual(
      BUILT_IN_ROLES.filter((r) => r !== "SUPPORT").map(() => "ALL"),
    );
  });

  test.each(PRESET_ROLES)("member toggles do not bind a %s (the tickets master switch does)", (role) => {
    const off: MemberToggles = {
      ...DEFAULT_TOGGLES,
      membersCanCreateTickets: false,
      membersCanEditTickets: false,
      membersCanDeleteTickets: false,
    };
    expect(holder(role, { toggles: off })).toEqual(holder(role));
    const grants = { ...DEFAULT_TOGGLES, membersCanSeeAllAnalytics: true, membersCanExportData: true };
    expect(holder(role, { toggles: grants })).toEqual(holder(role));
    const ticketsOff = holder(role, { toggles: { ...DEFAULT_TOGGLES, ticketsEnabled: false } });
    expect(ticketsOff.filter((p) => p.startsWith("tickets:"))).toEqual([]);
  });

  test("overrides apply to preset roles as to the others; owner-only stays out of reach", () => {
    const granted = holder("SUPPORT", { overrides: { granted: ["tickets:assign"], denied: ["tickets:close"] } });
    expect(granted).toContain("tickets:assign");
    expect(granted).not.toContain("tickets:close");
    expect(holder("SUPERVISOR", { overrides: { granted: ["api_keys:create"], denied: [] } })).not.toContain(
      "api_keys:create",
    );
  });

  test("an explanation names the preset role", () => {
    const decision = decide(subject({ workspaceRole: builtIn("AGENT") }), "tickets:assign");
    expect(decision.steps[1]).toMatchObject({
      source: "WORKSPACE_ROLE",
      effect: "GRANT",
      reason: "AGENT includes tickets:assign",
    });
    const denied = decide(subject({ workspaceRole: builtIn("SUPERVISOR") }), "billing:view");
    expect(denied).toMatchObject({ allowed: false });
    expect(denied.steps[1]?.reason).toBe("SUPERVISOR does not include billing:view");
  });
});

describe("effective permissions asked again (they are kept per standing)", () => {
  const decided = (s: PermissionSubject) => ALL_PERMISSIONS.filter((p) => decide(s, p).allowed);
  const base = subject({ workspaceRole: custom(["tickets:edit", "members:list"]) });
  const member = subject();
  const admin = subject({ workspaceRole: builtIn("ADMIN") });
  // Each pair differs in one input that changes the answer: a key that left it out would answer
  // the first one's permissions for the second.
  const changes: Array<[string, PermissionSubject, PermissionSubject]> = [
    ["the organisation role", base, { ...base, orgRole: "ORG_ADMIN" }],
    ["the built-in role", base, { ...base, workspaceRole: builtIn("SUPPORT") }],
    ["the membership", base, { ...base, workspaceRole: null }],
    ["the custom role's permissions", base, { ...base, workspaceRole: custom(["tickets:edit", "teams:list"]) }],
    ["a grant", base, { ...base, overrides: { granted: ["teams:create"], denied: [] } }],
    ["a denial", base, { ...base, overrides: { granted: [], denied: ["members:list"] } }],
    ["the tickets switch", base, { ...base, toggles: { ...DEFAULT_TOGGLES, ticketsEnabled: false } }],
    ["a member toggle", member, { ...member, toggles: { ...DEFAULT_TOGGLES, membersCanEditTickets: false } }],
    ["the plan", admin, { ...admin, plan: "BASIC" }],
  ];

  test.each(changes)("a change of %s answers the new standing's permissions", (_, from, to) => {
    const before = effectivePermissions(from);
    const after = effectivePermissions(to);
    expect(after).toEqual(decided(to));
    expect(after).not.toEqual(before);
    expect(effectivePermissions(from)).toEqual(decided(from));
  });

  test("a custom role's name changes nothing, and no caller can change the kept answer", () => {
    const renamed: PermissionSubject = {
      ...base,
      workspaceRole: { kind: "CUSTOM", name: "Renamed", permissions: ["tickets:edit", "members:list"] },
    };
    const first = effectivePermissions(base);
    expect(effectivePermissions(renamed)).toEqual(first);
    expect(() => (first as Permission[]).push("billing:manage")).toThrow(TypeError);
    expect(effectivePermissions(base)).toEqual(decided(base));
  });
});
