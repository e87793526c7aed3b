import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/billing.graphql",
  context: "../context.js#BillingContext",
  mappers: {
    BillingAccount: "../resolvers/BillingAccount.js#AccountView",
    Workspace: "{ id: string }",
  },
});
