import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { parseInput } from "@support/validation";
import { freshAccess } from "../../authorization.js";
import { unlessDuplicate } from "../../db/client.js";
import { renameWorkspace } from "../../db/workspaces.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { duplicateWorkspaceName, workspaceInput } from "./createWorkspace.js";

/** Renames a workspace (workspace_settings:update); the same name changes nothing. */
export const updateWorkspace: MutationResolvers["updateWorkspace"] = async (_, args, ctx) => {
  const { workspace: before } = await authorize(freshAccess(ctx), args.id, "workspace_settings:update");
  const { name } = parseInput(workspaceInput, args.input, ["input"]);
  if (name === before.name) return before;
  return unlessDuplicate(
    () =>
      ctx.db.$transaction(async (tx) => {
        const workspace = await renameWorkspace(tx, before.id, name);
        await publish(tx, {
          type: "workspace.updated",
          ...eventScope(workspace),
          actor: eventActor(ctx.actor),
          target: { type: "workspace", id: workspace.id, label: workspace.name },
          changes: [{ field: "name", old: before.name, new: name }],
          data: {},
        });
        return workspace;
      }),
    () => duplicateWorkspaceName(name),
  );
};
