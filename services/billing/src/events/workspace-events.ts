import { createEvent, enqueueEvents, topicFor, type EventEnvelope } from "@support/events";
import type { Tx } from "../db/client.js";
import { TRIAL, trialEnd } from "../domain/trial.js";

/**
 * Opens the trial billing account of every new workspace; for a deleted workspace, queues the
 * immediate cancellation of its subscription, which the cancellation worker (polling every
 * second) sends to Stripe outside this transaction.
 */
export async function onWorkspaceEvent(event: EventEnvelope, tx: Tx): Promise<void> {
  if (!event.workspaceId) return;
  if (event.type === "workspace.created") await openTrial(event, event.workspaceId, tx);
  if (event.type === "workspace.deleted") {
    const account = await tx.billingAccount.findUnique({ where: { workspaceId: event.workspaceId } });
    if (!account?.stripeSubscriptionId || account.status === "CANCELED") return;
    await tx.subscriptionCancellation.upsert({
      where: { workspaceId: event.workspaceId },
      create: { workspaceId: event.workspaceId, subscriptionId: account.stripeSubscriptionId },
      update: {},
    });
  }
}

async function openTrial(event: EventEnvelope, workspaceId: string, tx: Tx): Promise<void> {
  const periodEnd = trialEnd(new Date(event.occurredAt));
  await tx.billingAccount.create({
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
  await enqueueEvents(tx, topicFor("billing"), [
    createEvent({
      type: "billing.trial_started",
      workspaceId,
      organisationId: event.organisationId,
      actor: { type: "system" },
      target: { type: "billing_account", id: workspaceId, label: event.target.label },
      changes: [
        { field: "plan", old: null, new: TRIAL.plan },
        { field: "seats", old: null, new: TRIAL.seats },
        { field: "status", old: null, new: TRIAL.status },
      ],
      data: { plan: TRIAL.plan, seats: TRIAL.seats, status: TRIAL.status, periodEnd: periodEnd.toISOString() },
    }),
  ]);
}
