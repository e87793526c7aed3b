import { z } from "zod";
import { diffFields, eventActor, eventScope } from "@support/events";
import { authorize, type MemberToggles } from "@support/permissions";
import { parseInput } from "@support/validation";
import { freshAccess } from "../../authorization.js";
import { updateToggles } from "../../db/workspaces.js";
import { TOGGLE_NAMES, togglesOf } from "../../domain/settings.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const settingsInput = z.object(Object.fromEntries(TOGGLE_NAMES.map((name) => [name, z.boolean().nullish()]))).strict();

/** Changes member toggles (workspace_settings:update); omitted ones, and GraphQL nulls, stay. */
export const updateWorkspaceSettings: MutationResolvers["updateWorkspaceSettings"] = async (_, args, ctx) => {
  const access = await authorize(freshAccess(ctx), args.id, "workspace_settings:update");
  const given = parseInput(settingsInput, args.input, ["input"]);
  // GraphQL null means "leave as is", like an omitted field.
  const next = Object.fromEntries(
    Object.entries(given).filter(([, value]) => typeof value === "boolean"),
  ) as Partial<MemberToggles>;
  const before = togglesOf(access.workspace);
  const changes = diffFields(before as unknown as Record<string, unknown>, next, TOGGLE_NAMES);
  if (changes.length === 0) return before;
  return ctx.db.$transaction(async (tx) => {
    const workspace = await updateToggles(tx, access.workspace.id, next);
    await publish(tx, {
      type: "workspace.settings_changed",
      ...eventScope(workspace),
      actor: eventActor(ctx.actor),
      target: { type: "workspace", id: workspace.id, label: workspace.name },
      changes,
      data: { settings: togglesOf(workspace) },
    });
    return togglesOf(workspace);
  });
};
