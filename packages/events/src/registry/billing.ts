import { z } from "zod";
import { defineEvents } from "./define.js";

const plan = z.enum(["BASIC", "PRO", "UNLIMITED"]);
const status = z.enum(["TRIALING", "ACTIVE", "PAST_DUE", "CANCELED"]);
const seats = z.number().int().min(0);
const instant = z.string().datetime({ offset: true }).nullable();

/**
 * Events the billing service publishes. Target: the workspace's billing account
 * (`billing_account`, id = workspace id). Changes driven by Stripe webhooks carry actor `stripe`;
 * `changes` lists old -> new of the fields named in each description.
 */
export const billingEvents = defineEvents({
  "billing.trial_started": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "A new workspace's BASIC trial started (plan, seats, status).",
    data: z.object({ plan, seats, status, periodEnd: instant }),
  },
  "billing.plan_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The plan changed (plan); data also carries the seats bought with it.",
    data: z.object({ plan, seats }),
  },
  "billing.seats_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The number of paid seats changed (seats).",
    data: z.object({ seats }),
  },
  "billing.status_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The subscription's status changed, e.g. ACTIVE -> PAST_DUE (status).",
    data: z.object({ status }),
  },
  "billing.period_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description:
      "The billing period, trial end or cancel-at-period-end changed (periodEnd, trialEnd, cancelAtPeriodEnd).",
    data: z.object({ periodEnd: instant, trialEnd: instant, cancelAtPeriodEnd: z.boolean() }),
  },
});
