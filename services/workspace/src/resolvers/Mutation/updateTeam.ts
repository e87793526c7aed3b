import { z } from "zod";
import { notFound } from "@support/errors";
import { diffFields, eventActor, eventScope } from "@support/events";
import { parseInput } from "@support/validation";
import { authorizeTeam } from "../../authorization.js";
import { unlessDuplicate } from "../../db/client.js";
import { checkTeamMembers, lockedTeam, teamMemberIds, teamNameTaken, updateTeamRow } from "../../db/teams.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { duplicateTeamName, teamFields } from "./createTeam.js";

const updateTeamInput = z.object({
  name: teamFields.name.nullish(),
  description: teamFields.description.nullish(),
  active: teamFields.active.nullish(),
  memberIds: teamFields.memberIds.nullish(),
});

/** Edits a team (teams:update): omitted fields stay; memberIds replaces the member list. */
export const updateTeam: MutationResolvers["updateTeam"] = async (_, args, ctx) => {
  const { row: loaded, access } = await authorizeTeam(ctx, args.id, "teams:update");
  const input = parseInput(updateTeamInput, args.input, ["input"]);
  return unlessDuplicate(
    () =>
      ctx.db.$transaction(async (tx) => {
        // Re-read under a row lock: two concurrent edits of different fields both stick, and the
        // event's old values are the ones actually replaced.
        const before = await lockedTeam(tx, loaded.id);
        if (!before) throw notFound("Team");
        const beforeIds = await teamMemberIds(tx, before.id);
        const ids = input.memberIds ? await checkTeamMembers(tx, before.workspaceId, input.memberIds) : beforeIds;
        const name = input.name ?? before.name;
        if (name !== before.name && (await teamNameTaken(tx, before.workspaceId, name, before.id)))
          throw duplicateTeamName(name);
        const next = {
          name,
          description: input.description ?? before.description,
          active: input.active ?? before.active,
        };
        const changes = diffFields({ ...before, memberIds: beforeIds }, { ...next, memberIds: ids }, [
          "name",
          "description",
          "active",
          "memberIds",
        ]);
        if (changes.length === 0) return { memberIds: beforeIds, ...before };
        const team = await updateTeamRow(tx, before.id, next, input.memberIds ? ids : null);
        await publish(tx, {
          type: "team.updated",
          ...eventScope(access.workspace),
          actor: eventActor(ctx.actor),
          target: { type: "team", id: team.id, label: team.name },
          changes,
          data: { teamId: team.id },
        });
        return { memberIds: ids, ...team };
      }),
    () => duplicateTeamName(input.name ?? loaded.name),
  );
};
