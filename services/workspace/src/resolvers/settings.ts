import { z } from "zod";
import { invalidInput } from "@support/errors";
import { eventActorFrom, diffFields } from "@support/events";
import type { MemberToggles } from "@support/permissions";
import type { WorkspaceContext } from "../context.js";
import { TOGGLE_NAMES, togglesOf } from "../domain/settings.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { authorize } from "./access.js";
import type { MutationUpdateWorkspaceSettingsArgs } from "../generated/graphql.js";

const settingsInput = z.object(Object.fromEntries(TOGGLE_NAMES.map((name) => [name, z.boolean().nullish()]))).strict();

export async function updateWorkspaceSettings(
  args: MutationUpdateWorkspaceSettingsArgs,
  ctx: WorkspaceContext,
): Promise<MemberToggles> {
  const access = await authorize(ctx.db, ctx.actor, args.id, "workspace_settings:update");
  const parsed = settingsInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  // GraphQL null means "leave as is", like an omitted field.
  const next = Object.fromEntries(
    Object.entries(parsed.data).filter(([, value]) => typeof value === "boolean"),
  ) as Partial<MemberToggles>;
  const before = togglesOf(access.workspace);
  const changes = diffFields(before as unknown as Record<string, unknown>, next, TOGGLE_NAMES);
  if (changes.length === 0) return before;
  return ctx.db.$transaction(async (tx) => {
    const workspace = await tx.workspace.update({ where: { id: access.workspace.id }, data: next });
    await publish(
      tx,
      workspaceEvent(
        workspace,
        eventActorFrom(ctx.actor),
        "workspace.settings_changed",
        { type: "workspace", id: workspace.id, label: workspace.name },
        changes,
        { settings: togglesOf(workspace) },
      ),
    );
    return togglesOf(workspace);
  });
}
