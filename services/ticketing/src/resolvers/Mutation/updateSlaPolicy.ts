import { z } from "zod";
import { diffFields, eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { parseInput } from "@support/validation";
import { lockSlaPolicy, saveSlaPolicy, slaPolicySettings } from "../../db/sla-policies.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

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

/** Hours omitted or null: SLA off. Tickets already open keep the due time they were opened with. */
export const updateSlaPolicy: MutationResolvers["updateSlaPolicy"] = async (_, args, ctx) => {
  const grant = await authorize(ctx, args.workspaceId, "workspace_settings:manage_sla");
  const input = parseInput(policyInput, args.input, ["input"]);
  return ctx.db.$transaction(async (tx) => {
    await lockSlaPolicy(tx, args.workspaceId);
    const before = await slaPolicySettings(tx, args.workspaceId);
    const next = {
      hours: input.hours ?? null,
      warningLeadMinutes: input.warningLeadMinutes ?? before.warningLeadMinutes,
      recipient: input.recipient ?? before.recipient,
    };
    const changes = diffFields(before, next, ["hours", "warningLeadMinutes", "recipient"]);
    const policy = await saveSlaPolicy(tx, args.workspaceId, next);
    if (changes.length > 0)
      await publish(tx, {
        type: "sla.policy_updated",
        ...eventScope({ id: args.workspaceId, organisationId: grant.organisationId }),
        actor: eventActor(ctx.actor),
        target: { type: "workspace", id: args.workspaceId, label: null },
        changes,
        data: { workspaceId: args.workspaceId },
      });
    return policy;
  });
};
