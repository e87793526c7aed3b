import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/identity.graphql",
  context: "../context.js#IdentityContext",
  mappers: {
    User: "../db/generated/client.js#User",
    Organisation: "../db/generated/client.js#Organisation",
    // Read with its workspaces (`include`), which `Invitation.workspaces` answers.
    Invitation: "../db/invitations.js#InvitationWithWorkspaces",
    InvitationWorkspace: "../db/generated/client.js#InvitationWorkspace",
    // An entity of the workspace service: identity answers its key only.
    Workspace: "{ id: string }",
  },
});
