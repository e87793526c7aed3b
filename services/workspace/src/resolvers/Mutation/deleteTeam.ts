import { eventActor, eventScope } from "@support/events";
import { authorizeTeam } from "../../authorization.js";
import { deleteTeamRow, teamMemberIds } from "../../db/teams.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Deletes a team (teams:delete); answers its id. */
export const deleteTeam: MutationResolvers["deleteTeam"] = async (_, args, ctx) => {
  const { row: team, access } = await authorizeTeam(ctx, args.id, "teams:delete");
  return ctx.db.$transaction(async (tx) => {
    const ids = await teamMemberIds(tx, team.id);
    await deleteTeamRow(tx, team.id);
    await publish(tx, {
      type: "team.deleted",
      ...eventScope(access.workspace),
      actor: eventActor(ctx.actor),
      target: { type: "team", id: team.id, label: team.name },
      changes: [
        { field: "name", old: team.name, new: null },
        { field: "memberIds", old: ids, new: null },
      ],
      data: { teamId: team.id },
    });
    return team.id;
  });
};
