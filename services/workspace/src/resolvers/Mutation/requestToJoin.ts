import { z } from "zod";
import { conflict, notFound } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { isUuid, multiLineText, parseInput } from "@support/validation";
import { requireUser } from "../../authorization.js";
import { createJoinRequest, pendingJoinRequest } from "../../db/join-requests.js";
import { findMembership, lockWorkspace, memberTarget } from "../../db/memberships.js";
import { findWorkspace } from "../../db/workspaces.js";
import { joinRequestTarget } from "../../domain/members.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const requestInput = z.object({ message: multiLineText({ max: 500 }).nullish() });

/** Asks to join a workspace of one's own organisation (seed 001); any other is not there. */
export const requestToJoin: MutationResolvers["requestToJoin"] = async (_, args, ctx) => {
  const actor = requireUser(ctx.actor, "ask to join a workspace");
  const { message } = parseInput(requestInput, { message: args.message });
  const workspace = isUuid(args.workspaceId) ? await findWorkspace(ctx.db, args.workspaceId) : null;
  if (!workspace || workspace.organisationId !== actor.organisationId) throw notFound("Workspace");
  return ctx.db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspace.id);
    if (await findMembership(tx, workspace.id, actor.userId))
      throw conflict("You are already a member of this workspace");
    if (await pendingJoinRequest(tx, workspace.id, actor.userId))
      throw conflict("You already asked to join this workspace; the request is pending");
    const request = await createJoinRequest(tx, workspace.id, actor.userId, message || null);
    await publish(tx, {
      type: "join_request.created",
      ...eventScope(workspace),
      actor: eventActor(actor),
      target: joinRequestTarget(request, await memberTarget(tx, actor.userId)),
      changes: [{ field: "status", old: null, new: "PENDING" }],
      data: { joinRequestId: request.id, userId: actor.userId },
    });
    return request;
  });
};
