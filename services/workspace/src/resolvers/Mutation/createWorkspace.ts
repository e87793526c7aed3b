import { z } from "zod";
import { conflict, forbidden, unauthenticated } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { entityNameText, parseInput } from "@support/validation";
import { unlessDuplicate } from "../../db/client.js";
import { createWorkspaceRow } from "../../db/workspaces.js";
import { publish } from "../../events/publish.js";
import { addMembership } from "../../memberships.js";
import type { MutationResolvers } from "../../generated/graphql.js";

export const workspaceInput = z.object({ name: entityNameText() });

export const duplicateWorkspaceName = (name: string) =>
  conflict(`A workspace named "${name}" already exists in this organisation`, "input.name");

/** Org admins only; the creator becomes the workspace's OWNER (its first seat). */
export const createWorkspace: MutationResolvers["createWorkspace"] = async (_, args, ctx) => {
  const { actor } = ctx;
  if (actor.kind !== "user")
    throw actor.kind === "anonymous" ? unauthenticated() : forbidden("API keys cannot create workspaces");
  if (actor.orgRole !== "ORG_ADMIN") throw forbidden("Only organisation admins can create workspaces");
  const { name } = parseInput(workspaceInput, args.input, ["input"]);
  return unlessDuplicate(
    () =>
      ctx.db.$transaction(async (tx) => {
        const workspace = await createWorkspaceRow(tx, actor.organisationId, name);
        await publish(tx, {
          type: "workspace.created",
          ...eventScope(workspace),
          actor: eventActor(actor),
          target: { type: "workspace", id: workspace.id, label: workspace.name },
          changes: [{ field: "name", old: null, new: workspace.name }],
          data: { ownerId: actor.userId },
        });
        // The owner's seat is the first; a new workspace always has one.
        await addMembership(tx, {
          workspace,
          userId: actor.userId,
          role: "OWNER",
          customRoleId: null,
          actor: eventActor(actor),
          checkSeats: false,
          via: "workspace_created",
        });
        return workspace;
      }),
    () => duplicateWorkspaceName(name),
  );
};
