import { z } from "zod";
import { defineEvents } from "./define.js";

const plan = z.enum(["BASIC", "PRO", "UNLIMITED"]);
const status = z.enum(["TRIALING", "ACTIVE", "PAST_DUE", "CANCELED"]);
const instant = z.string().datetime({ offset: true }).nullable();

/** The account's whole state after the change: consumers keep copies from any one event. */
const accountState = z.object({
  plan,
  seats: z.number().int().min(0),
  status,
  periodEnd: instant,
});

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
    data: accountState,
  },
  "billing.plan_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The plan changed (plan); Stripe is the source of truth.",
    data: accountState,
  },
  "billing.seats_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The number of paid seats changed (seats); Stripe is the source of truth.",
    data: accountState,
  },
  "billing.status_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description: "The subscription's status changed, e.g. ACTIVE -> PAST_DUE (status).",
    data: accountState,
  },
  "billing.period_changed": {
    version: 1,
    category: "billing",
    targetType: "billing_account",
    producer: "billing",
    description:
      "The billing period, trial end or cancel-at-period-end changed (periodEnd, trialEnd, cancelAtPeriodEnd).",
    data: accountState.extend({ trialEnd: instant, cancelAtPeriodEnd: z.boolean() }),
  },
});
