import { z } from "zod";
import { defineEvents } from "./define.js";
import { aggregateVersion, billingStatus, plan, timestamp } from "./fields.js";

/**
 * A billing account's state after the change: the workspace service keeps plan and seats of
 * each workspace from these (docs/adr/0004), replacing them when `aggregateVersion` is newer.
 */
const accountState = z.object({
  plan,
  seats: z.number().int().min(0),
  status: billingStatus,
  periodEnd: timestamp("end of the current (or trial) period").nullable(),
  aggregateVersion,
});

/** Events the billing service publishes. */
export const billingEvents = defineEvents({
  "billing.trial_started": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "A new workspace's billing account opened on the trial plan.",
    data: accountState,
  },
  "billing.plan_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "A workspace's plan changed (Stripe is the source of truth).",
    data: accountState,
  },
  "billing.seats_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "A workspace's seat count changed (Stripe is the source of truth).",
    data: accountState,
  },
  "billing.status_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The subscription's status changed, e.g. ACTIVE -> PAST_DUE (Stripe is the source of truth).",
    data: accountState,
  },
  "billing.period_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description:
      "The billing period's end, the trial's end or cancel-at-period-end changed (Stripe is the source of truth).",
    data: accountState.extend({
      trialEnd: timestamp("end of the trial").nullable(),
      cancelAtPeriodEnd: z.boolean().describe("the subscription ends at periodEnd"),
    }),
  },
  "billing.duplicate_subscription_canceled": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description:
      "A second paid subscription arrived for a workspace that already has a live one; billing cancelled it at Stripe at once (the workspace's plan is unchanged; a refund is the operator's call).",
    data: z.object({
      plan: plan.nullable().describe("the plan the cancelled subscription was for (null: not one of ours)"),
      seats: z.number().int().min(0).describe("its seat count"),
    }),
  },
  "workspace_data.purged_by_billing": {
    version: 1,
    category: "workspace_data",
    targetType: "workspace",
    producer: "billing",
    description:
      "The billing service removed its data of a deleted workspace (its billing account, after Stripe confirmed the cancellation); workspaceDeletion shows the progress.",
    data: z.object({ rows: z.number().int().min(0).describe("rows removed") }),
  },
});
