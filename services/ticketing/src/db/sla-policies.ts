import type { Db, Tx } from "./client.js";
import type { SlaPolicy } from "./generated/client.js";

/** A workspace's SLA policy as the graph answers it: no row reads as the defaults, SLA off. */
export type SlaPolicySettings = Pick<SlaPolicy, "hours" | "warningLeadMinutes" | "recipient"> & {
  updatedAt: Date | null;
};

const DEFAULT_POLICY: SlaPolicySettings = {
  hours: null,
  warningLeadMinutes: 60,
  recipient: "ASSIGNEE_OR_CREATOR",
  updatedAt: null,
};

export async function findSlaPolicy(db: Db | Tx, workspaceId: string): Promise<SlaPolicy | null> {
  return db.slaPolicy.findUnique({ where: { workspaceId } });
}

export async function slaPolicySettings(db: Db | Tx, workspaceId: string): Promise<SlaPolicySettings> {
  return (await findSlaPolicy(db, workspaceId)) ?? DEFAULT_POLICY;
}

/** Serializes changes of one workspace's policy until the transaction ends. */
export async function lockSlaPolicy(tx: Tx, workspaceId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`sla_policy:${workspaceId}`}))`;
}

export async function saveSlaPolicy(
  tx: Tx,
  workspaceId: string,
  settings: Pick<SlaPolicy, "hours" | "warningLeadMinutes" | "recipient">,
): Promise<SlaPolicy> {
  return tx.slaPolicy.upsert({ where: { workspaceId }, create: { workspaceId, ...settings }, update: settings });
}

/** Whom each workspace's SLA notifications go to, for the workspaces that have a policy. */
export async function slaRecipients(
  tx: Tx,
  workspaceIds: readonly string[],
): Promise<Map<string, SlaPolicy["recipient"]>> {
  const policies = await tx.slaPolicy.findMany({ where: { workspaceId: { in: [...new Set(workspaceIds)] } } });
  return new Map(policies.map((policy) => [policy.workspaceId, policy.recipient]));
}
