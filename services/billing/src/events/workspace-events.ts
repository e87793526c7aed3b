import { createEvent, enqueueEvents, topicFor, type EventEnvelope } from "@support/events";
import type { Tx } from "../db/client.js";
import { TRIAL, trialEnd } from "../domain/trial.js";

/** Opens the trial billing account of every new workspace. */
export async function onWorkspaceEvent(event: EventEnvelope, tx: Tx): Promise<void> {
  if (event.type !== "workspace.created" || !event.workspaceId) return;
  const periodEnd = trialEnd(new Date(event.occurredAt));
  await tx.billingAccount.create({
    data: {
      workspaceId: event.workspaceId,
      organisationId: event.organisationId,
      plan: TRIAL.plan,
      status: TRIAL.status,
      seats: TRIAL.seats,
      periodEnd,
    },
  });
  await enqueueEvents(tx, topicFor("billing"), [
    createEvent({
      type: "billing.trial_started",
      workspaceId: event.workspaceId,
      organisationId: event.organisationId,
      actor: { type: "system" },
      target: { type: "billing_account", id: event.workspaceId, label: event.target.label },
      changes: [
        { field: "plan", old: null, new: TRIAL.plan },
        { field: "seats", old: null, new: TRIAL.seats },
        { field: "status", old: null, new: TRIAL.status },
      ],
      data: { plan: TRIAL.plan, seats: TRIAL.seats, status: TRIAL.status, periodEnd: periodEnd.toISOString() },
    }),
  ]);
}
