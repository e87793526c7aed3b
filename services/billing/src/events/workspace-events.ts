import { createEvent, enqueueEvents, topicFor, type TypedEvent } from "@support/events";
import type { Tx } from "../db/client.js";
import { TRIAL, trialEnd } from "../domain/trial.js";

/** Opens the trial billing account of every new workspace. */
export async function onWorkspaceEvent(event: TypedEvent, tx: Tx): Promise<void> {
  if (event.type !== "workspace.created" || !event.workspaceId) return;
  const account = await tx.billingAccount.create({
    data: {
      workspaceId: event.workspaceId,
      organisationId: event.organisationId,
      plan: TRIAL.plan,
      status: TRIAL.status,
      seats: TRIAL.seats,
      periodEnd: trialEnd(new Date(event.occurredAt)),
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
    }),
  ]);
}
