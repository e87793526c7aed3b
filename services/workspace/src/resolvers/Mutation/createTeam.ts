import { z } from "zod";
import { conflict } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { descriptionText, entityNameText, parseInput } from "@support/validation";
import { freshAccess } from "../../authorization.js";
import { unlessDuplicate } from "../../db/client.js";
import { checkTeamMembers, createTeamRow, teamNameTaken } from "../../db/teams.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

export const teamFields = {
  name: entityNameText(),
  description: descriptionText(),
  active: z.boolean(),
  memberIds: z.array(z.string().uuid("must be a member id")).max(1000),
};

const createTeamInput = z.object({
  name: teamFields.name,
  description: teamFields.description.nullish(),
  active: teamFields.active.nullish(),
  memberIds: teamFields.memberIds.nullish(),
});

export const duplicateTeamName = (name: string) =>
  conflict(`A team named "${name}" already exists in this workspace`, "input.name");

/** Creates a team of members of the workspace (teams:create). */
export const createTeam: MutationResolvers["createTeam"] = async (_, args, ctx) => {
  const { workspace } = await authorize(freshAccess(ctx), args.workspaceId, "teams:create");
  const input = parseInput(createTeamInput, args.input, ["input"]);
  return unlessDuplicate(
    () =>
      ctx.db.$transaction(async (tx) => {
        const ids = await checkTeamMembers(tx, workspace.id, input.memberIds ?? []);
        if (await teamNameTaken(tx, workspace.id, input.name)) throw duplicateTeamName(input.name);
        const team = await createTeamRow(
          tx,
          workspace.id,
          { name: input.name, description: input.description ?? "", active: input.active ?? true },
          ids,
        );
        await publish(tx, {
          type: "team.created",
          ...eventScope(workspace),
          actor: eventActor(ctx.actor),
          target: { type: "team", id: team.id, label: team.name },
          changes: [
            { field: "name", old: null, new: team.name },
            { field: "description", old: null, new: team.description },
            { field: "active", old: null, new: team.active },
            { field: "memberIds", old: null, new: ids },
          ],
          data: { teamId: team.id },
        });
        return { memberIds: ids, ...team };
      }),
    () => duplicateTeamName(input.name),
  );
};
