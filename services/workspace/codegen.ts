import { subgraphCodegen } from "@support/service-kit/codegen";

export default subgraphCodegen({
  schema: "src/schema/workspace.graphql",
  context: "../context.js#WorkspaceContext",
  mappers: {
    Workspace: "../db/generated/client.js#Workspace",
    WorkspaceMember: "../resolvers/members.js#MemberView",
    JoinRequest: "../db/generated/client.js#JoinRequest",
    ApiKey: "../db/generated/client.js#ApiKey",
    Role: "../resolvers/roles.js#RoleView",
    Team: "../resolvers/teams.js#TeamView",
    User: "../resolvers/users.js#CountedUser",
  },
});
