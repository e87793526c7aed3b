import DataLoader from "dataloader";
import type { Db } from "./client.js";
import type { BillingAccount } from "./generated/client.js";

/** Per request: billing accounts by workspace id, one query per batch (`workspaces { billing }`). */
export function accountLoader(db: Db): DataLoader<string, BillingAccount | null> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const accounts = await db.billingAccount.findMany({ where: { workspaceId: { in: [...workspaceIds] } } });
    const byWorkspace = new Map(accounts.map((account) => [account.workspaceId, account]));
    return workspaceIds.map((id) => byWorkspace.get(id) ?? null);
  });
}
