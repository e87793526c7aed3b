import type { Resolvers } from "../generated/graphql.js";
import { BillingAccount } from "./BillingAccount.js";
import { cancelSubscription } from "./Mutation/cancelSubscription.js";
import { changeSeats } from "./Mutation/changeSeats.js";
import { openBillingPortal } from "./Mutation/openBillingPortal.js";
import { startCheckout } from "./Mutation/startCheckout.js";
import { Workspace } from "./Workspace.js";

export const resolvers: Resolvers = {
  Workspace,
  BillingAccount,
  Mutation: { startCheckout, openBillingPortal, changeSeats, cancelSubscription },
};
