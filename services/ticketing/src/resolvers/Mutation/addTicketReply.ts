import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { multiLineText, parseInput } from "@support/validation";
import { actorUserId, visibleTicket } from "../../authorization.js";
import { insertReply } from "../../db/replies.js";
import { saveTicket } from "../../db/tickets.js";
import { publish, ticketTarget } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const replyInput = z.object({ body: multiLineText({ min: 1, max: 20_000 }), internal: z.boolean().nullish() });

/** A reply by a person is published at once; one drafted by an API key waits for approval (SPEC section 4). */
export const addTicketReply: MutationResolvers["addTicketReply"] = async (_, args, ctx) => {
  const { ticket, grant } = await visibleTicket(ctx, args.ticketId, "tickets:respond");
  const input = parseInput(replyInput, args.input, ["input"]);
  const internal = input.internal ?? false;
  const apiKey = ctx.actor.kind === "apiKey" ? ctx.actor : null;
  const status = apiKey ? "PENDING_APPROVAL" : "PUBLISHED";
  return ctx.db.$transaction(async (tx) => {
    const reply = await insertReply(tx, {
      internal,
      status,
      ticketId: ticket.id,
      workspaceId: ticket.workspaceId,
      body: input.body,
      authorUserId: actorUserId(ctx.actor),
      authorApiKeyId: apiKey?.apiKeyId ?? null,
      authorApiKeyPrefix: apiKey?.prefix ?? null,
    });
    await saveTicket(tx, ticket.id, { updatedAt: new Date() });
    await publish(tx, {
      type: "ticket.reply_added",
      ...eventScope({ id: ticket.workspaceId, organisationId: grant.organisationId }),
      actor: eventActor(ctx.actor),
      target: ticketTarget(ticket),
      changes: [
        // An internal note's text never leaves this service (SPEC section 6): the log says a note
        // was added, by whom and when, not what it says.
        ...(internal ? [] : [{ field: "body", old: null, new: reply.body }]),
        { field: "internal", old: null, new: internal },
        { field: "status", old: null, new: status },
      ],
      data: { ticketId: ticket.id, number: ticket.number, replyId: reply.id, internal, status },
    });
    return reply;
  });
};
