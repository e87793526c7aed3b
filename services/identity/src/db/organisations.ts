import type { Tx } from "./client.js";

/**
 * Serialises the organisation's people changes: every transaction that checks "at least one
 * org admin remains" (or counts pending invitations) first locks the organisation row, so two
 * concurrent demotions cannot both see the other admin.
 */
export async function lockOrganisation(tx: Tx, organisationId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM organisation WHERE id = ${organisationId}::uuid FOR UPDATE`;
}
