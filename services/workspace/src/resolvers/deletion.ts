import { badUserInput, forbidden, notFound } from "@support/errors";
import { eventActorFrom } from "@support/events";
import type { WorkspaceContext } from "../context.js";
import type { WorkspaceDeletion } from "../db/generated/client.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { loadAccess, requireUser } from "./access.js";
import { isUuid } from "@support/validation";
import type { MutationDeleteWorkspaceArgs, QueryWorkspaceDeletionArgs } from "../generated/graphql.js";

/** The services that purge their data of a deleted workspace, and the record column of each. */
export const PURGING_SERVICES = ["identity", "ticketing", "billing"] as const;
export type PurgingService = (typeof PURGING_SERVICES)[number];

export function deletionView(deletion: WorkspaceDeletion) {
  const purgedAt: Record<PurgingService, Date | null> = {
    identity: deletion.identityPurgedAt,
    ticketing: deletion.ticketingPurgedAt,
    billing: deletion.billingPurgedAt,
  };
  return {
    workspaceId: deletion.workspaceId,
    name: deletion.name,
    requestedAt: deletion.requestedAt.toISOString(),
    // The workspace service's own rows go in the deleting transaction.
    services: [
      { service: "workspace", purgedAt: deletion.requestedAt.toISOString() },
      ...PURGING_SERVICES.map((service) => ({ service, purgedAt: purgedAt[service]?.toISOString() ?? null })),
    ],
    done: PURGING_SERVICES.every((service) => purgedAt[service] !== null),
  };
}

/**
 * Deletes a workspace (SPEC section 7): owner only, with its exact name typed as confirmation.
 * In one transaction the workspace and every row of it in this database go (memberships,
 * roles, overrides, teams, join requests, API keys, reserved invitations) and
 * `workspace.deleted` is written to the outbox; from the next request on it is NOT_FOUND.
 * The other services purge their data when the event reaches them (docs/adr/0010).
 */
export async function deleteWorkspace(args: MutationDeleteWorkspaceArgs, ctx: WorkspaceContext) {
  const actor = requireUser(ctx.actor, "delete workspaces");
  const access = await loadAccess(ctx.db, actor, args.id);
  if (access.membership?.role !== "OWNER") {
    // loadAccess reads the workspace and the caller's membership side by side: a deletion that
    // committed between the two reads (a second deleteWorkspace) leaves the workspace seen and the
    // owner's membership gone. The workspace is gone then too, and that is the answer.
    const stillThere = await ctx.db.workspace.findUnique({ where: { id: access.workspace.id }, select: { id: true } });
    if (!stillThere) throw notFound("Workspace");
    throw forbidden("Only the workspace's owner can delete it");
  }
  if (typeof args.confirmName !== "string" || args.confirmName !== access.workspace.name)
    throw badUserInput("confirmName must be the workspace's name, exactly as it is written", "confirmName");

  const deletion = await ctx.db.$transaction(async (tx) => {
    // Serialised with every membership change and with a second deletion of the same workspace.
    const [locked] = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM workspace WHERE id = ${access.workspace.id}::uuid FOR UPDATE`;
    const workspace = locked ? await tx.workspace.findUnique({ where: { id: locked.id } }) : null;
    if (!workspace) throw notFound("Workspace");
    const record = await tx.workspaceDeletion.create({
      data: {
        workspaceId: workspace.id,
        organisationId: workspace.organisationId,
        name: workspace.name,
        requestedBy: actor.userId,
      },
    });
    // Memberships first: a membership's custom role is ON DELETE RESTRICT.
    await tx.membership.deleteMany({ where: { workspaceId: workspace.id } });
    await tx.workspace.delete({ where: { id: workspace.id } });
    await publish(
      tx,
      workspaceEvent(
        workspace,
        eventActorFrom(actor),
        "workspace.deleted",
        { type: "workspace", id: workspace.id, label: workspace.name },
        [{ field: "name", old: workspace.name, new: null }],
        {},
      ),
    );
    return record;
  });
  // The workspace's API keys went with it: every gateway forgets them (docs/adr/0011).
  await ctx.invalidations.credentials({ workspaceIds: [args.id] });
  return deletionView(deletion);
}

/** Which services have purged a deleted workspace: for whoever deleted it and the organisation's admins. */
export async function workspaceDeletion(args: QueryWorkspaceDeletionArgs, ctx: WorkspaceContext) {
  const actor = requireUser(ctx.actor, "read deletions");
  if (!isUuid(args.workspaceId)) throw notFound("WorkspaceDeletion");
  const deletion = await ctx.db.workspaceDeletion.findUnique({ where: { workspaceId: args.workspaceId } });
  const allowed =
    deletion &&
    deletion.organisationId === actor.organisationId &&
    (deletion.requestedBy === actor.userId || actor.orgRole === "ORG_ADMIN");
  if (!allowed) throw notFound("WorkspaceDeletion");
  return deletionView(deletion);
}
