import { z } from "zod";
import { forbidden } from "@support/errors";
import { pagingWindow } from "@support/service-kit";
import { connectionOf, pagingArguments, parseInput } from "@support/validation";
import { requireUser } from "../../authorization.js";
import { invitationsPage } from "../../db/invitations.js";
import { invitationKey, invitationsCursor, invitationStateSchema } from "../../domain/invitations.js";
import type { QueryResolvers } from "../../generated/graphql.js";

const invitationsArgs = z.object({ status: invitationStateSchema.nullish(), ...pagingArguments });

/** Org admins see every invitation; workspace admins those touching a workspace they administer. Newest first. */
export const invitations: QueryResolvers["invitations"] = async (_, args, ctx) => {
  const actor = requireUser(ctx);
  const { status: state, ...paging } = parseInput(invitationsArgs, args);
  const window = pagingWindow(paging, invitationsCursor);
  let workspaceIds: string[] | undefined;
  if (actor.orgRole !== "ORG_ADMIN") {
    workspaceIds = [...new Set((await ctx.workspaces.memberships()).map((m) => m.workspaceId))];
    if (workspaceIds.length === 0) throw forbidden("Only organisation and workspace admins can list invitations");
  }
  const rows = await invitationsPage(ctx.db, { organisationId: actor.organisationId, state, workspaceIds }, window);
  return connectionOf(rows, window, invitationKey, invitationsCursor);
};
