import { postToWorkspace } from "@support/service-kit";
import type { FastifyRequest } from "fastify";
import { notFound } from "@support/errors";

/** Asks the workspace service which users are members and which teams are active there (docs/adr/0003's channel). */
export class AssigneeChecker {
  constructor(
    private readonly workspaceServiceUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id">,
  ) {}

  async check(
    workspaceId: string,
    userIds: string[],
    teamIds: string[],
  ): Promise<{ memberIds: string[]; activeTeamIds: string[] }> {
    const response = await postToWorkspace(
      this.workspaceServiceUrl,
      this.request,
      "/internal/assignees/check",
      { workspaceId, userIds, teamIds },
      undefined,
      { readOnly: true },
    );
    if (response.status === 404) throw notFound("Workspace");
    if (!response.ok) throw new Error(`assignee check failed with HTTP ${response.status}`);
    return (await response.json()) as { memberIds: string[]; activeTeamIds: string[] };
  }

  /** The workspace's members by email and active teams by name, for imports. */
  async directory(
    workspaceId: string,
  ): Promise<{ members: Array<{ userId: string; email: string }>; activeTeams: Array<{ id: string; name: string }> }> {
    const response = await postToWorkspace(
      this.workspaceServiceUrl,
      this.request,
      "/internal/assignees/directory",
      { workspaceId },
      undefined,
      { readOnly: true },
    );
    if (response.status === 404) throw notFound("Workspace");
    if (!response.ok) throw new Error(`assignee directory failed with HTTP ${response.status}`);
    return (await response.json()) as {
      members: Array<{ userId: string; email: string }>;
      activeTeams: Array<{ id: string; name: string }>;
    };
  }
}
