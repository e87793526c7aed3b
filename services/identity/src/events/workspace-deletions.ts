import type { TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { publish } from "./publish.js";

/**
 * `workspace.deleted`: the workspace leaves every invitation into it; an invitation left with no
 * workspace (it was only for this one) is removed. Then `workspace_data.purged_by_identity`, in
 * the same transaction. Users stay: they belong to the organisation, not the workspace.
 */
export async function onWorkspaceDeleted(event: TypedEvent, tx: Tx): Promise<void> {
  if (event.type !== "workspace.deleted" || !event.workspaceId) return;
  const workspaceId = event.workspaceId;
  const invitationIds = (
    await tx.invitationWorkspace.findMany({ where: { workspaceId }, select: { invitationId: true } })
  ).map((row) => row.invitationId);
  const links = await tx.invitationWorkspace.deleteMany({ where: { workspaceId } });
  const invitations = await tx.invitation.deleteMany({
    where: { id: { in: invitationIds }, organisationId: event.organisationId, workspaces: { none: {} } },
  });
  await publish(tx, {
    type: "workspace_data.purged_by_identity",
    workspaceId,
    organisationId: event.organisationId,
    actor: { type: "system" },
    target: { type: "workspace" as const, id: workspaceId, label: event.target.label },
    changes: [],
    data: { rows: links.count + invitations.count },
  });
}
