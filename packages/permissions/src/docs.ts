import { PERMISSION_CATALOGUE } from "./catalogue.js";
import { builtInRolePermissions, builtInRoleTicketAccess, type BuiltInRole } from "./effective.js";

/**
 * docs/permissions.md, derived from the catalogue and the built-in roles so the page can never
 * disagree with the rules (a test compares the checked-in file with this output).
 */
export function permissionsMarkdown(): string {
  const columns: BuiltInRole[] = ["ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER"];
  const sets = columns.map((role) => new Set(builtInRolePermissions(role)));
  const yes = (v: boolean) => (v ? "✓" : "");
  const lines = [
    "# Permission catalogue",
    "",
    "Generated from `packages/permissions/src/catalogue.ts` by",
    "`npx tsx packages/permissions/scripts/write-docs.ts`; do not edit by hand.",
    "",
    "The first action of each group is its base permission, a prerequisite of every other action",
    "in the group. OWNER has every permission. MEMBER's column is before the member toggles, which",
    "bind MEMBER role holders only; org admins have everything but the owner-only actions.",
    "",
    "SUPERVISOR, AGENT and SUPPORT are the preset roles: built in, not editable, on every plan and",
    "outside the custom-role allowance. A SUPERVISOR cannot give the roles OWNER, ADMIN or",
    "SUPERVISOR, nor invite, edit or remove their holders. Ticket access is ALL for every built-in",
    `role but SUPPORT (${builtInRoleTicketAccess("SUPPORT")}).`,
    "",
    `| permission | title | description | prerequisite | owner only | ${columns.join(" | ")} |`,
    `| --- | --- | --- | --- | --- | ${columns.map(() => "---").join(" | ")} |`,
  ];
  for (const p of PERMISSION_CATALOGUE) {
    const cells = sets.map((set) => yes(set.has(p.permission))).join(" | ");
    lines.push(
      `| \`${p.permission}\` | ${p.title} | ${p.description} | ${p.prerequisite ? `\`${p.prerequisite}\`` : ""} | ${yes(p.ownerOnly)} | ${cells} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
