import { badUserInput, forbidden, notFound } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { freshAccess, requireUser } from "../../authorization.js";
import { deleteWorkspaceRows, findWorkspace, lockedWorkspace } from "../../db/workspaces.js";
import { deletionView } from "../../domain/deletion.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/**
 * Deletes a workspace (SPEC section 7): owner only, with its exact name typed as confirmation.
 * In one transaction the workspace and every row of it in this database go and
 * `workspace.deleted` is written to the outbox; from the next request on it is NOT_FOUND.
 * The other services purge their data when the event reaches them (docs/adr/0010).
 */
export const deleteWorkspace: MutationResolvers["deleteWorkspace"] = async (_, args, ctx) => {
  const actor = requireUser(ctx.actor, "delete workspaces");
  const access = await authorize(freshAccess({ actor, db: ctx.db }), args.id);
  if (access.membership?.role !== "OWNER") {
    // The standing reads the workspace and the caller's membership side by side: a deletion that
    // committed between the two reads (a second deleteWorkspace) leaves the workspace seen and the
    // owner's membership gone. The workspace is gone then too, and that is the answer.
    if (!(await findWorkspace(ctx.db, access.workspace.id))) throw notFound("Workspace");
    throw forbidden("Only the workspace's owner can delete it");
  }
  if (typeof args.confirmName !== "string" || args.confirmName !== access.workspace.name)
    throw badUserInput("confirmName must be the workspace's name, exactly as it is written", "confirmName");

  const deletion = await ctx.db.$transaction(async (tx) => {
    // Serialised with every membership change and with a second deletion of the same workspace.
    const workspace = await lockedWorkspace(tx, access.workspace.id);
    if (!workspace) throw notFound("Workspace");
    const record = await deleteWorkspaceRows(tx, workspace, actor.userId);
    await publish(tx, {
      type: "workspace.deleted",
      ...eventScope(workspace),
      actor: eventActor(actor),
      target: { type: "workspace", id: workspace.id, label: workspace.name },
      changes: [{ field: "name", old: workspace.name, new: null }],
      data: {},
    });
    return record;
  });
  // The workspace's API keys went with it: every gateway forgets them (docs/adr/0011).
  await ctx.invalidations.credentials({ workspaceIds: [args.id] });
  return deletionView(deletion);
};
