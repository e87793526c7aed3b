import { eventActor, eventScope } from "@support/events";
import { actorUserId, visibleReply } from "../../authorization.js";
import { decidePendingReply } from "../../db/replies.js";
import { publish, ticketTarget } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Publishes a reply an API key drafted; CONFLICT once it was decided (two approvers racing cannot both publish it). */
export const approveReply: MutationResolvers["approveReply"] = async (_, args, ctx) => {
  const { reply: pending, ticket, grant } = await visibleReply(ctx, args.id, "tickets:approve");
  return ctx.db.$transaction(async (tx) => {
    const decidedBy = actorUserId(ctx.actor);
    const reply = await decidePendingReply(tx, pending.id, decidedBy, { status: "PUBLISHED", rejectionReason: null });
    await publish(tx, {
      type: "ticket.reply_approved",
      ...eventScope({ id: ticket.workspaceId, organisationId: grant.organisationId }),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes: [{ field: "status", old: "PENDING_APPROVAL", new: "PUBLISHED" }],
      data: { ticketId: ticket.id, number: ticket.number, replyId: reply.id, internal: reply.internal },
    });
    return reply;
  });
};
