import { PERMISSION_CATALOGUE } from "./catalogue.js";
import { builtInRolePermissions } from "./effective.js";

/**
 * docs/permissions.md, derived from the catalogue and the built-in roles so the page can never
 * disagree with the rules (a test compares the checked-in file with this output).
 */
export function permissionsMarkdown(): string {
  const admin = new Set(builtInRolePermissions("ADMIN"));
  const member = new Set(builtInRolePermissions("MEMBER"));
  const yes = (v: boolean) => (v ? "✓" : "");
  const lines = [
    "# Permission catalogue",
    "",
    "Generated from `packages/permissions/src/catalogue.ts` by",
    "`npx tsx packages/permissions/scripts/write-docs.ts`; do not edit by hand.",
    "",
    "The first action of each group is its base permission, a prerequisite of every other action",
    "in the group. OWNER has every permission. MEMBER's column is before the member toggles; org",
    "admins have everything but the owner-only actions.",
    "",
    "| permission | title | description | prerequisite | owner only | ADMIN | MEMBER |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const p of PERMISSION_CATALOGUE) {
    lines.push(
      `| \`${p.permission}\` | ${p.title} | ${p.description} | ${p.prerequisite ? `\`${p.prerequisite}\`` : ""} | ${yes(p.ownerOnly)} | ${yes(admin.has(p.permission))} | ${yes(member.has(p.permission))} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
