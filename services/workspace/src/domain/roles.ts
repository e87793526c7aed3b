import { z } from "zod";
import { cursorCodec, cursorKey } from "@support/validation";
import {
  BUILT_IN_ROLES,
  CUSTOM_ROLE_ALLOWANCE,
  builtInRolePermissions,
  builtInRoleTicketAccess,
  canCreateCustomRole,
  type BuiltInRole,
  type Plan,
  type TicketAccess,
} from "@support/permissions";
import { conflict, planLimit } from "@support/errors";
import { compareText } from "./pages.js";

/** A role as the graph shows it: built-in ones are listed too, with their fixed ticket access. */
export interface RoleView {
  id: string;
  workspaceId: string;
  name: string;
  builtIn: boolean;
  permissions: string[];
  ticketAccess: TicketAccess;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export const builtInRoleView = (workspaceId: string, role: BuiltInRole): RoleView => ({
  id: role,
  workspaceId,
  name: role,
  builtIn: true,
  permissions: builtInRolePermissions(role),
  ticketAccess: builtInRoleTicketAccess(role),
  createdAt: null,
  updatedAt: null,
});

/** A stored custom role, as `RoleView`. */
export const customRoleView = (role: Omit<RoleView, "builtIn">): RoleView => ({ ...role, builtIn: false });

export const duplicateRoleName = (name: string) =>
  conflict(`A role named "${name}" already exists in this workspace`, "input.name");

/** Built-in names are taken: a custom role called "Admin" would be ambiguous in every list. */
export function refuseBuiltInName(name: string): void {
  if (BUILT_IN_ROLES.some((role) => role.toLowerCase() === name.toLowerCase())) throw duplicateRoleName(name);
}

/** PLAN_LIMIT unless the plan's custom-role allowance leaves room beside the `existing` ones. */
export function assertCustomRoleAllowed(plan: Plan, existing: number): void {
  if (canCreateCustomRole(plan, existing)) return;
  const allowance = CUSTOM_ROLE_ALLOWANCE[plan];
  throw planLimit(
    allowance === 0
      ? `The ${plan} plan includes no custom roles; upgrade to PRO or UNLIMITED to create one`
      : `The ${plan} plan includes ${allowance} custom role${allowance === 1 ? "" : "s"} and this workspace has ${existing}; upgrade to create more`,
  );
}

/**
 * A role's place in the list: built-in roles first (OWNER, ADMIN, SUPERVISOR, AGENT, SUPPORT,
 * MEMBER), then custom ones by name.
 */
export type RoleKey = [number, string, string];
export const roleKey = (role: RoleView): RoleKey => [
  role.builtIn ? BUILT_IN_ROLES.indexOf(role.id as BuiltInRole) : BUILT_IN_ROLES.length,
  role.name,
  role.id,
];
export const compareRoleKeys = (a: RoleKey, b: RoleKey): number =>
  a[0] - b[0] ||
  compareText(a[1].toLowerCase(), b[1].toLowerCase()) ||
  compareText(a[1], b[1]) ||
  compareText(a[2], b[2]);
export const roleCursor = cursorCodec(
  z.tuple([
    cursorKey.integer(0, BUILT_IN_ROLES.length),
    z.string().max(500),
    z.union([z.enum(BUILT_IN_ROLES as [BuiltInRole, ...BuiltInRole[]]), cursorKey.uuid()]),
  ]),
);
