import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/identity.graphql",
  context: "../context.js#IdentityContext",
  mappers: {
    User: "../db/generated/client.js#User",
    Organisation: "../db/generated/client.js#Organisation",
    Invitation: "../db/generated/client.js#Invitation",
    InvitationWorkspace: "../db/generated/client.js#InvitationWorkspace",
  },
});
