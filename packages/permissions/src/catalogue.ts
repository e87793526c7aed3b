/**
 * The permission catalogue (SPEC section 2) as typed data: the one list from which the rule
 * checks, the GraphQL `Permission` list and the docs are derived. The first action of a group
 * is its base permission and a prerequisite of every other action in that group.
 */
export interface PermissionAction {
  readonly action: string;
  readonly title: string;
  readonly description: string;
}

export interface PermissionGroup {
  readonly group: string;
  readonly title: string;
  readonly actions: readonly [PermissionAction, ...PermissionAction[]];
}

const a = (action: string, title: string, description: string): PermissionAction => ({ action, title, description });

export const PERMISSION_GROUPS = [
  {
    group: "tickets",
    title: "Tickets",
    actions: [
      a("list", "List tickets", "See the ticket list of the workspace (within the role's ticket access)."),
      a("view", "View tickets", "Open a ticket and read its details."),
      a("create", "Create tickets", "Open new tickets."),
      a("edit", "Edit tickets", "Change a ticket's title, description and field values."),
      a("respond", "Respond to tickets", "Reply on a ticket."),
      a("approve", "Approve tickets", "Approve tickets waiting for approval."),
      a("reject", "Reject tickets", "Reject tickets waiting for approval."),
      a("close", "Close tickets", "Solve or close tickets."),
      a("assign", "Assign tickets", "Assign tickets to members or teams."),
      a("change_priority", "Change priority", "Change a ticket's priority."),
      a("delete", "Delete tickets", "Delete tickets."),
    ],
  },
  {
    group: "ticket_fields",
    title: "Ticket fields",
    actions: [
      a("list", "List ticket fields", "See the custom ticket fields."),
      a("create", "Create ticket fields", "Add custom ticket fields."),
      a("update", "Update ticket fields", "Rename fields and edit their options."),
      a("delete", "Delete ticket fields", "Remove custom ticket fields."),
      a("edit_values", "Edit field values", "Set custom field values on tickets."),
    ],
  },
  {
    group: "members",
    title: "Members",
    actions: [
      a("list", "List members", "See the members of the workspace."),
      a("invite", "Invite members", "Invite people and approve join requests."),
      a("update", "Update members", "Change members' roles and permissions."),
      a("remove", "Remove members", "Remove members from the workspace."),
    ],
  },
  {
    group: "teams",
    title: "Teams",
    actions: [
      a("list", "List teams", "See the teams of the workspace."),
      a("create", "Create teams", "Create teams."),
      a("update", "Update teams", "Rename teams and change their members."),
      a("delete", "Delete teams", "Delete teams."),
    ],
  },
  {
    group: "roles",
    title: "Roles",
    actions: [
      a("list", "List roles", "See the roles and who holds them."),
      a("create", "Create roles", "Create custom roles."),
      a("update", "Update roles", "Edit custom roles."),
      a("delete", "Delete roles", "Delete custom roles no member holds."),
    ],
  },
  {
    group: "workspace_settings",
    title: "Workspace settings",
    actions: [
      a("view", "View settings", "See the workspace settings and member toggles."),
      a("update", "Update settings", "Change the workspace name, settings and member toggles."),
      a("manage_sla", "Manage SLA", "Change the SLA hours and reminder configuration."),
    ],
  },
  {
    group: "billing",
    title: "Billing",
    actions: [
      a("view", "View billing", "See the plan, seats and billing status."),
      a("manage", "Manage billing", "Buy or cancel seats and open the billing portal."),
    ],
  },
  {
    group: "api_keys",
    title: "API keys",
    actions: [
      a("list", "List API keys", "See the workspace's API keys by prefix."),
      a("create", "Create API keys", "Create and rotate API keys."),
      a("revoke", "Revoke API keys", "Revoke API keys."),
    ],
  },
  {
    group: "activity_log",
    title: "Activity log",
    actions: [
      a("view", "View activity log", "Read the workspace's activity log."),
      a("export", "Export activity log", "Download the activity log as CSV."),
      a("checkpoint", "Sign log checkpoints", "Sign a checkpoint of the activity log's hash chain on demand."),
    ],
  },
  {
    group: "workspace_data",
    title: "Workspace data",
    actions: [
      a("view", "Open workspace data", "Open the workspace data tab."),
      a("export", "Export workspace data", "Download the workspace data as a zip."),
      a("import", "Import workspace data", "Import tickets from a CSV file."),
    ],
  },
  {
    group: "analytics",
    title: "Analytics",
    actions: [
      a("view_own", "View own analytics", "See analytics about one's own work."),
      a("view_all", "View all analytics", "See analytics of every member."),
    ],
  },
] as const satisfies readonly PermissionGroup[];

type Groups = (typeof PERMISSION_GROUPS)[number];
export type PermissionGroupId = Groups["group"];
export type Permission = {
  [G in Groups as G["group"]]: `${G["group"]}:${G["actions"][number]["action"]}`;
}[PermissionGroupId];

export const ALL_PERMISSIONS: readonly Permission[] = PERMISSION_GROUPS.flatMap((g) =>
  g.actions.map((action) => `${g.group}:${action.action}` as Permission),
);

const PERMISSION_SET: ReadonlySet<string> = new Set(ALL_PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return PERMISSION_SET.has(value);
}

export function groupOf(permission: Permission): PermissionGroupId {
  return permission.slice(0, permission.indexOf(":")) as PermissionGroupId;
}

const BASE_BY_GROUP = new Map<string, Permission>(
  PERMISSION_GROUPS.map((g) => [g.group, `${g.group}:${g.actions[0].action}` as Permission]),
);

/** The base permission of a permission's group: its prerequisite. */
export function baseOf(permission: Permission): Permission {
  const base = BASE_BY_GROUP.get(groupOf(permission));
  if (!base) throw new Error(`permission ${permission} has no group`);
  return base;
}

/**
 * Closes a set under the prerequisite rule: any action brings its base; a set without a
 * group's base keeps nothing of that group.
 */
export function withPrerequisites(permissions: Iterable<Permission>): Permission[] {
  const set = new Set<Permission>();
  for (const p of permissions) {
    set.add(p);
    set.add(baseOf(p));
  }
  return ALL_PERMISSIONS.filter((p) => set.has(p));
}

/** Actions only a workspace's owner may take; no role or override lifts them (SPEC section 2). */
export const OWNER_ONLY: ReadonlySet<Permission> = new Set<Permission>([
  "billing:manage",
  "api_keys:list",
  "api_keys:create",
  "api_keys:revoke",
  "workspace_data:view",
  "workspace_data:export",
  "workspace_data:import",
]);

export const MEMBER_ROLE_PERMISSIONS: readonly Permission[] = [
  "tickets:list",
  "tickets:view",
  "tickets:create",
  "tickets:edit",
  "tickets:respond",
  "tickets:close",
  "tickets:delete",
  "ticket_fields:list",
  "ticket_fields:edit_values",
  "members:list",
  "teams:list",
  "activity_log:view",
  "analytics:view_own",
];

/**
 * The preset roles of SPEC section 2 (seed 004): built in like the three above, on every plan.
 * SUPERVISOR's set is derived from ADMIN's in effective.ts; AGENT and SUPPORT are listed here.
 */
export const AGENT_ROLE_PERMISSIONS: readonly Permission[] = [
  "tickets:list",
  "tickets:view",
  "tickets:create",
  "tickets:edit",
  "tickets:respond",
  "tickets:approve",
  "tickets:reject",
  "tickets:close",
  "tickets:assign",
  "tickets:change_priority",
  "tickets:delete",
  "ticket_fields:list",
  "ticket_fields:edit_values",
  "members:list",
  "teams:list",
  "activity_log:view",
  "analytics:view_own",
];

export const SUPPORT_ROLE_PERMISSIONS: readonly Permission[] = [
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
];

// A start-up check in the spirit of the catalogue being data: every listed set names real permissions.
for (const p of [...OWNER_ONLY, ...MEMBER_ROLE_PERMISSIONS, ...AGENT_ROLE_PERMISSIONS, ...SUPPORT_ROLE_PERMISSIONS]) {
  if (!PERMISSION_SET.has(p)) throw new Error(`permission ${p} is not in the catalogue`);
}

/** Splits strings into catalogue permissions and the unknown ones (to name them in an error). */
export function partitionPermissions(values: Iterable<string>): { known: Permission[]; unknown: string[] } {
  const known: Permission[] = [];
  const unknown: string[] = [];
  for (const value of values) {
    if (isPermission(value)) known.push(value);
    else unknown.push(value);
  }
  return { known, unknown };
}

export interface PermissionInfo {
  permission: Permission;
  group: string;
  groupTitle: string;
  action: string;
  title: string;
  description: string;
  /** The group's base permission; null for the base itself. */
  prerequisite: Permission | null;
  ownerOnly: boolean;
}

/** The catalogue flattened for the graph and docs, in catalogue order. */
export const PERMISSION_CATALOGUE: readonly PermissionInfo[] = PERMISSION_GROUPS.flatMap((g) =>
  g.actions.map((x): PermissionInfo => {
    const permission = `${g.group}:${x.action}` as Permission;
    const base = baseOf(permission);
    return {
      permission,
      group: g.group,
      groupTitle: g.title,
      action: x.action,
      title: x.title,
      description: x.description,
      prerequisite: base === permission ? null : base,
      ownerOnly: OWNER_ONLY.has(permission),
    };
  }),
);
