import { badUserInput } from "@support/errors";
import { OWNER_ONLY, partitionPermissions, withPrerequisites, type Permission } from "@support/permissions";

/** Permission strings from the graph: every one must be in the catalogue; the error names the others. */
export function knownPermissions(values: readonly string[], field: string): Permission[] {
  const { known, unknown } = partitionPermissions(values);
  if (unknown.length > 0) {
    throw badUserInput(`Unknown permission${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, field);
  }
  return known;
}

function refuseOwnerOnly(permissions: readonly Permission[], field: string, holder: string): void {
  const ownerOnly = permissions.filter((p) => OWNER_ONLY.has(p));
  if (ownerOnly.length > 0) {
    throw badUserInput(`Owner-only permissions cannot be given to ${holder}: ${ownerOnly.join(", ")}`, field);
  }
}

/** A custom role's or API key's permissions: known, never owner-only, closed under prerequisites. */
export function grantablePermissions(values: readonly string[], field: string, holder: string): Permission[] {
  const permissions = knownPermissions(values, field);
  const closed = withPrerequisites(permissions);
  refuseOwnerOnly(closed, field, holder);
  return closed;
}

export interface Overrides {
  granted: Permission[];
  denied: Permission[];
}

/**
 * Per-member overrides (SPEC section 2): grants are closed under prerequisites and cannot lift
 * owner-only actions; a permission cannot be both granted and denied. Errors name `<at>grant`
 * or `<at>deny` (`input.grant`: setMemberPermissions' input).
 */
export function parseOverrides(grant: readonly string[], deny: readonly string[], at = "input."): Overrides {
  const granted = withPrerequisites(knownPermissions(grant, `${at}grant`));
  refuseOwnerOnly(granted, `${at}grant`, "a member");
  // Denying a base takes its whole group at decision time; the stored list stays as given.
  const denied = [...new Set(knownPermissions(deny, `${at}deny`))];
  const both = granted.filter((p) => denied.includes(p));
  if (both.length > 0) throw badUserInput(`Both granted and denied: ${both.join(", ")}`, `${at}deny`);
  return { granted, denied };
}
