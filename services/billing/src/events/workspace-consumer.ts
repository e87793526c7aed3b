import { eventActor, eventScope, type EventType, type TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { TRIAL, trialEnd } from "../domain/trial.js";
import { publish } from "./publish.js";

/** The types `onWorkspaceEvent` applies; every other type of `workspace.events` is skipped without a transaction. */
export const WORKSPACE_EVENT_TYPES = ["workspace.created", "workspace.deleted"] as const satisfies readonly EventType[];

/**
 * Opens the trial billing account of every new workspace; for a deleted workspace, queues the
 * immediate cancellation of its subscription, which the cancellation worker (polling every
 * second) sends to Stripe outside this transaction.
 */
export async function onWorkspaceEvent(event: TypedEvent, tx: Tx): Promise<void> {
  if (!event.workspaceId) return;
  if (event.type === "workspace.created") await openTrial(event, event.workspaceId, tx);
  if (event.type === "workspace.deleted") {
    const account = await tx.billingAccount.findUnique({ where: { workspaceId: event.workspaceId } });
    if (!account) return;
    if (!account.stripeSubscriptionId || account.status === "CANCELED") {
      await purgeAccount(tx, event.workspaceId, account.organisationId);
      return;
    }
    // The account goes once Stripe has confirmed the cancellation (stripe/cancellations.ts).
    await tx.subscriptionCancellation.upsert({
      where: { workspaceId: event.workspaceId },
      create: { workspaceId: event.workspaceId, subscriptionId: account.stripeSubscriptionId },
      update: {},
    });
  }
}

/**
 * Removes a deleted workspace's billing account and says so (`workspace_data.purged_by_billing`).
 * The subscription_cancellation row stays: it is what makes the cancellation happen only once.
 */
export async function purgeAccount(tx: Tx, workspaceId: string, organisationId: string): Promise<void> {
  const removed = await tx.billingAccount.deleteMany({ where: { workspaceId } });
  if (removed.count === 0) return;
  await publish(tx, {
    type: "workspace_data.purged_by_billing",
    ...eventScope({ id: workspaceId, organisationId }),
    actor: eventActor("system"),
    target: { type: "workspace", id: workspaceId, label: null },
    data: { rows: removed.count },
  });
}

async function openTrial(event: TypedEvent<"workspace.created">, workspaceId: string, tx: Tx): Promise<void> {
  const periodEnd = trialEnd(new Date(event.occurredAt));
  const account = await tx.billingAccount.create({
    data: {
      workspaceId,
      organisationId: event.organisationId,
      plan: TRIAL.plan,
      status: TRIAL.status,
      seats: TRIAL.seats,
      periodEnd,
      trialEnd: periodEnd,
    },
  });
  await publish(tx, {
    type: "billing.trial_started",
    ...eventScope({ id: workspaceId, organisationId: event.organisationId }),
    actor: eventActor("system"),
    target: { type: "billing_account", id: workspaceId, label: event.target.label },
    changes: [
      { field: "plan", old: null, new: account.plan },
      { field: "seats", old: null, new: account.seats },
      { field: "status", old: null, new: account.status },
    ],
    data: {
      plan: account.plan,
      seats: account.seats,
      status: account.status,
      periodEnd: account.periodEnd?.toISOString() ?? null,
      aggregateVersion: account.version,
    },
  });
}
