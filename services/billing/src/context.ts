import type DataLoader from "dataloader";
import type { FastifyBaseLogger } from "fastify";
import type { Actor } from "@support/actor-context";
import type { PermissionsClient, WorkspacePeopleClient } from "@support/service-kit";
import type { BillingStripe } from "./clients/stripe.js";
import type { Db } from "./db/client.js";
import type { BillingAccount } from "./db/generated/client.js";

export interface BillingContext {
  actor: Actor;
  db: Db;
  /** The caller's standing in a workspace, asked of the workspace service (src/authorization.ts). */
  workspaces: PermissionsClient;
  /** Per request: billing accounts by workspace id, one query per batch (db/accounts.ts). */
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
