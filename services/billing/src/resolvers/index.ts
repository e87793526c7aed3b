export { billingResolvers as resolvers } from "./billing.js";
