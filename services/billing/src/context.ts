import DataLoader from "dataloader";
import type { FastifyBaseLogger } from "fastify";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient, WorkspacePeopleClient } from "@support/service-kit";
import type { Db } from "./db/client.js";
import type { BillingAccount } from "./db/generated/client.js";
import type { BillingStripe } from "./stripe/billing-stripe.js";

export interface BillingContext {
  actor: Actor;
  db: Db;
  permissions: PermissionsClient;
  /** Per request: billing accounts by workspace id, one query per batch (`workspaces { billing }`). */
  accounts: DataLoader<string, BillingAccount | null>;
  /** Members and pending invitations of a workspace, asked of the workspace service. */
  people: WorkspacePeopleClient;
  stripe: BillingStripe;
  /** Where Checkout and the portal send the owner back to when the client names no URL. */
  returnUrl: string;
  /** The origins a client-named return URL may use (CHECKOUT_RETURN_ORIGINS and BILLING_RETURN_URL's). */
  returnOrigins: ReadonlySet<string>;
  /** The request's logger: every line carries the gateway's request id. */
  logger: FastifyBaseLogger;
}

export function accountLoader(db: Db): DataLoader<string, BillingAccount | null> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const accounts = await db.billingAccount.findMany({ where: { workspaceId: { in: [...workspaceIds] } } });
    const byWorkspace = new Map(accounts.map((account) => [account.workspaceId, account]));
    return workspaceIds.map((id) => byWorkspace.get(id) ?? null);
  });
}
