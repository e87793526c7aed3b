import { z } from "zod";
import { conflict, invalidInput, isAppError, notFound } from "@support/errors";
import { isUuid, multiLineText, singleLineText } from "@support/validation";
import type { TicketingContext } from "../context.js";
import type { Ticket, TicketReply } from "../db/generated/client.js";

import { publish, ticketingEvent, ticketTarget } from "../events/publish.js";
import { visibleTicket } from "./access.js";
import type {
  MutationAddTicketReplyArgs,
  MutationApproveReplyArgs,
  MutationRejectReplyArgs,
} from "../generated/graphql.js";

const replyInput = z.object({ body: multiLineText({ min: 1, max: 20_000 }), internal: z.boolean().nullish() });
const rejectInput = z.object({ reason: singleLineText({ max: 500 }) });

/** A reply by a person is published at once; one drafted by an API key waits for approval (SPEC section 4). */
export async function addTicketReply(args: MutationAddTicketReplyArgs, ctx: TicketingContext) {
  const { ticket, access } = await visibleTicket(ctx, args.ticketId, "tickets:respond");
  const parsed = replyInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const internal = parsed.data.internal ?? false;
  const status = ctx.actor.kind === "apiKey" ? "PENDING_APPROVAL" : "PUBLISHED";
  return ctx.db.$transaction(async (tx) => {
    const reply = await tx.ticketReply.create({
      data: {
        ticketId: ticket.id,
        workspaceId: ticket.workspaceId,
        body: parsed.data.body,
        internal,
        authorUserId: ctx.actor.kind === "user" ? ctx.actor.userId : null,
        authorApiKeyId: ctx.actor.kind === "apiKey" ? ctx.actor.apiKeyId : null,
        authorApiKeyPrefix: ctx.actor.kind === "apiKey" ? ctx.actor.prefix : null,
        status,
      },
    });
    await tx.ticket.update({ where: { id: ticket.id }, data: { updatedAt: new Date() } });
    await publish(
      tx,
      ticketingEvent(
        "ticket.reply_added",
        { workspaceId: ticket.workspaceId, organisationId: access.organisationId },
        ctx.actor,
        ticketTarget(ticket),
        [
          // An internal note's text never leaves this service (SPEC section 6): the log says a note
          // was added, by whom and when, not what it says.
          ...(internal ? [] : [{ field: "body", old: null, new: reply.body }]),
          { field: "internal", old: null, new: internal },
          { field: "status", old: null, new: status },
        ],
        { ticketId: ticket.id, number: ticket.number, replyId: reply.id, internal, status },
      ),
    );
    return reply;
  });
}

async function pendingReply(ctx: TicketingContext, id: string, permission: string) {
  const reply = isUuid(id) ? await ctx.db.ticketReply.findUnique({ where: { id } }) : null;
  if (!reply) throw notFound("TicketReply");
  let found: { ticket: Ticket; access: { organisationId: string } };
  try {
    found = await visibleTicket(ctx, reply.ticketId, permission);
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("TicketReply");
    throw error;
  }
  return { reply, ...found };
}

async function decide(
  ctx: TicketingContext,
  id: string,
  decision: { permission: string; status: "PUBLISHED" | "REJECTED"; reason?: string },
): Promise<TicketReply> {
  const { reply: loaded, ticket, access } = await pendingReply(ctx, id, decision.permission);
  return ctx.db.$transaction(async (tx) => {
    // Only a reply still pending moves: two approvers racing cannot both publish it.
    const moved = await tx.ticketReply.updateMany({
      where: { id: loaded.id, status: "PENDING_APPROVAL" },
      data: {
        status: decision.status,
        decidedBy: ctx.actor.kind === "user" ? ctx.actor.userId : null,
        decidedAt: new Date(),
        rejectionReason: decision.reason ?? null,
      },
    });
    if (moved.count === 0) throw conflict("This reply is not waiting for approval");
    const reply = await tx.ticketReply.findUniqueOrThrow({ where: { id: loaded.id } });
    const approved = decision.status === "PUBLISHED";
    await publish(
      tx,
      ticketingEvent(
        approved ? "ticket.reply_approved" : "ticket.reply_rejected",
        { workspaceId: ticket.workspaceId, organisationId: access.organisationId },
        ctx.actor,
        ticketTarget(ticket),
        [
          { field: "status", old: "PENDING_APPROVAL", new: decision.status },
          ...(approved ? [] : [{ field: "rejectionReason", old: null, new: decision.reason ?? null }]),
        ],
        {
          ticketId: ticket.id,
          number: ticket.number,
          replyId: reply.id,
          internal: reply.internal,
          ...(approved ? {} : { reason: decision.reason }),
        },
      ),
    );
    return reply;
  });
}

export const approveReply = (args: MutationApproveReplyArgs, ctx: TicketingContext) =>
  decide(ctx, args.id, { permission: "tickets:approve", status: "PUBLISHED" });

export function rejectReply(args: MutationRejectReplyArgs, ctx: TicketingContext) {
  return (async () => {
    // Who may reject is checked before the reason, so an outsider learns nothing from validation.
    await pendingReply(ctx, args.id, "tickets:reject");
    const parsed = rejectInput.safeParse(args.input);
    if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
    return decide(ctx, args.id, { permission: "tickets:reject", status: "REJECTED", reason: parsed.data.reason });
  })();
}
