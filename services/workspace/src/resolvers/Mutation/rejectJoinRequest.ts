import { eventActor, eventScope } from "@support/events";
import { authorizeJoinRequest } from "../../authorization.js";
import { decideJoinRequest, lockJoinRequest } from "../../db/join-requests.js";
import { memberTarget } from "../../db/memberships.js";
import { actingUserId, assertPending, joinRequestTarget } from "../../domain/members.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Rejects a pending join request (members:invite, as approving it). */
export const rejectJoinRequest: MutationResolvers["rejectJoinRequest"] = async (_, args, ctx) => {
  const { row: request, access } = await authorizeJoinRequest(ctx, args.id, "members:invite");
  return ctx.db.$transaction(async (tx) => {
    assertPending(await lockJoinRequest(tx, request.id));
    const decided = await decideJoinRequest(tx, request.id, {
      status: "REJECTED",
      decidedBy: actingUserId(ctx.actor),
    });
    await publish(tx, {
      type: "join_request.rejected",
      ...eventScope(access.workspace),
      actor: eventActor(ctx.actor),
      target: joinRequestTarget(decided, await memberTarget(tx, request.userId)),
      changes: [{ field: "status", old: "PENDING", new: "REJECTED" }],
      data: { joinRequestId: decided.id, userId: request.userId },
    });
    return decided;
  });
};
