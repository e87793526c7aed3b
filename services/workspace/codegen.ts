import { subgraphCodegen } from "@support/service-kit/codegen";

/** Every resolver's return is checked: a type whose resolvers answer another shape names it here. */
export default subgraphCodegen({
  schema: "src/schema/workspace.graphql",
  context: "../context.js#WorkspaceContext",
  mappers: {
    Workspace: "../db/generated/client.js#Workspace",
    WorkspaceMember: "../db/memberships.js#MemberView",
    JoinRequest: "../db/generated/client.js#JoinRequest",
    ApiKey: "../db/generated/client.js#ApiKey",
    Role: "../domain/roles.js#RoleView",
    Team: "../db/teams.js#TeamView",
    User: "../db/users.js#CountedUser",
    // Connections count their totalCount only when it is asked for (domain/pages.ts).
    WorkspaceConnection: "../domain/pages.js#Page<WorkspaceModel>",
    WorkspaceMemberConnection: "../domain/pages.js#Page<MemberViewModel>",
    RoleConnection: "../domain/pages.js#Page<RoleViewModel>",
    TeamConnection: "../domain/pages.js#Page<TeamViewModel>",
    TeamMemberConnection: "../domain/pages.js#Page<CountedUserModel>",
    JoinRequestConnection: "../domain/pages.js#Page<JoinRequestModel>",
    ApiKeyConnection: "../domain/pages.js#Page<ApiKeyModel>",
  },
});
