import { z } from "zod";
import { invalidInput } from "@support/errors";
import { diffFields } from "@support/events";
import type { TicketingContext } from "../context.js";
import { publish, ticketingEvent } from "../events/publish.js";
import { requirePermission, workspaceAccess } from "./access.js";
import type { MutationUpdateSlaPolicyArgs } from "../generated/graphql.js";

const DEFAULT_POLICY = {
  hours: null,
  warningLeadMinutes: 60,
  recipient: "ASSIGNEE_OR_CREATOR" as const,
  updatedAt: null,
};

const policyInput = z.object({
  hours: z
    .number()
    .positive("must be positive")
    .max(24 * 365, "must be at most a year")
    .nullish(),
  warningLeadMinutes: z
    .number()
    .min(0, "must not be negative")
    .max(60 * 24 * 30, "must be at most 30 days")
    .nullish(),
  recipient: z.enum(["ASSIGNEE_OR_CREATOR", "ASSIGNEE", "CREATOR"]).nullish(),
});

export async function slaPolicyOf(workspaceId: string, ctx: TicketingContext) {
  const { access } = await workspaceAccess(ctx, workspaceId);
  requirePermission(access, "workspace_settings:view");
  return (await ctx.db.slaPolicy.findUnique({ where: { workspaceId } })) ?? DEFAULT_POLICY;
}

/** Hours omitted or null: SLA off. Tickets already open keep the due time they were opened with. */
export async function updateSlaPolicy(args: MutationUpdateSlaPolicyArgs, ctx: TicketingContext) {
  const { access } = await workspaceAccess(ctx, args.workspaceId);
  requirePermission(access, "workspace_settings:manage_sla");
  const parsed = policyInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  return ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`sla_policy:${args.workspaceId}`}))`;
    const before = (await tx.slaPolicy.findUnique({ where: { workspaceId: args.workspaceId } })) ?? DEFAULT_POLICY;
    const next = {
      hours: parsed.data.hours ?? null,
      warningLeadMinutes: parsed.data.warningLeadMinutes ?? before.warningLeadMinutes,
      recipient: parsed.data.recipient ?? before.recipient,
    };
    const changes = diffFields(before, next, ["hours", "warningLeadMinutes", "recipient"]);
    const policy = await tx.slaPolicy.upsert({
      where: { workspaceId: args.workspaceId },
      create: { workspaceId: args.workspaceId, ...next },
      update: next,
    });
    if (changes.length > 0)
      await publish(
        tx,
        ticketingEvent(
          "sla.policy_updated",
          { workspaceId: args.workspaceId, organisationId: access.organisationId },
          ctx.actor,
          { type: "workspace", id: args.workspaceId, label: null },
          changes,
          { workspaceId: args.workspaceId },
        ),
      );
    return policy;
  });
}
