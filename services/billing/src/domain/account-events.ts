import { eventScope, type EventActor, type NewEvent } from "@support/events";
import type { BillingChange, BillingState } from "./subscription.js";

/** An account just after a change: its state, its version and whose it is. */
export interface ChangedAccount extends BillingState {
  workspaceId: string;
  organisationId: string;
  version: number;
}

/**
 * What billing says about a change of an account's subscription: one event per kind of change,
 * each listing its own fields old -> new, and each carrying the whole state after the change, so a
 * consumer can keep a copy from any one.
 */
export function accountChangeEvents(account: ChangedAccount, changes: BillingChange[], actor: EventActor): NewEvent[] {
  const about = {
    ...eventScope({ id: account.workspaceId, organisationId: account.organisationId }),
    actor,
    target: { type: "billing_account" as const, id: account.workspaceId, label: null },
  };
  const pick = (...fields: Array<BillingChange["field"]>) => changes.filter((change) => fields.includes(change.field));
  const state = {
    plan: account.plan,
    seats: account.seats,
    status: account.status,
    periodEnd: account.periodEnd?.toISOString() ?? null,
    aggregateVersion: account.version,
  };
  const events: NewEvent[] = [];
  const plan = pick("plan");
  if (plan.length) events.push({ ...about, type: "billing.plan_changed", changes: plan, data: state });
  const seats = pick("seats");
  if (seats.length) events.push({ ...about, type: "billing.seats_changed", changes: seats, data: state });
  const status = pick("status");
  if (status.length) events.push({ ...about, type: "billing.status_changed", changes: status, data: state });
  const period = pick("periodEnd", "trialEnd", "cancelAtPeriodEnd");
  if (period.length) {
    events.push({
      ...about,
      type: "billing.period_changed",
      changes: period,
      data: {
        ...state,
        trialEnd: account.trialEnd?.toISOString() ?? null,
        cancelAtPeriodEnd: account.cancelAtPeriodEnd,
      },
    });
  }
  return events;
}
