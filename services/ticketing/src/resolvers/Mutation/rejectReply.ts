import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { parseInput, singleLineText } from "@support/validation";
import { actorUserId, visibleReply } from "../../authorization.js";
import { decidePendingReply } from "../../db/replies.js";
import { publish, ticketTarget } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const rejectInput = z.object({ reason: singleLineText({ max: 500 }) });

/** Discards a reply an API key drafted, with the reason shown beside it; CONFLICT once it was decided. */
export const rejectReply: MutationResolvers["rejectReply"] = async (_, args, ctx) => {
  // Who may reject is checked before the reason, so an outsider learns nothing from validation.
  const { reply: pending, ticket, grant } = await visibleReply(ctx, args.id, "tickets:reject");
  const { reason } = parseInput(rejectInput, args.input, ["input"]);
  return ctx.db.$transaction(async (tx) => {
    const decidedBy = actorUserId(ctx.actor);
    const reply = await decidePendingReply(tx, pending.id, decidedBy, { status: "REJECTED", rejectionReason: reason });
    await publish(tx, {
      type: "ticket.reply_rejected",
      ...eventScope({ id: ticket.workspaceId, organisationId: grant.organisationId }),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes: [
        { field: "status", old: "PENDING_APPROVAL", new: "REJECTED" },
        { field: "rejectionReason", old: null, new: reason },
      ],
      data: { ticketId: ticket.id, number: ticket.number, replyId: reply.id, internal: reply.internal, reason },
    });
    return reply;
  });
};
