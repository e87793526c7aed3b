import { failIfUnavailable, postToWorkspace } from "@support/service-kit";
import type { FastifyRequest } from "fastify";
import { notFound } from "@support/errors";

/** Which of the users asked about are members, and which of the teams are active, in a workspace. */
export interface Assignees {
  memberIds: string[];
  activeTeamIds: string[];
}

/** A workspace's members by email and active teams by name (imports and exports name them so). */
export interface WorkspaceDirectory {
  members: Array<{ userId: string; email: string }>;
  activeTeams: Array<{ id: string; name: string }>;
}

/**
 * Ticketing's HTTP client of the workspace service, for its members and teams (docs/adr/0003's
 * channel, with the request's actor context forwarded). Permissions come through `ctx.workspaces`.
 */
export class WorkspaceClient {
  constructor(
    private readonly workspaceServiceUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id">,
  ) {}

  /** Who of `assigneeId` and `teamId` may be assigned; no call when neither is given. */
  async assignees(workspaceId: string, assigneeId: string | null, teamId: string | null): Promise<Assignees> {
    if (!assigneeId && !teamId) return { memberIds: [], activeTeamIds: [] };
    return this.ask<Assignees>("/internal/assignees/check", "assignee check", {
      workspaceId,
      userIds: assigneeId ? [assigneeId] : [],
      teamIds: teamId ? [teamId] : [],
    });
  }

  /** The workspace's members by email and active teams by name, for imports and exports. */
  async directory(workspaceId: string): Promise<WorkspaceDirectory> {
    return this.ask<WorkspaceDirectory>("/internal/assignees/directory", "assignee directory", { workspaceId });
  }

  private async ask<Answer>(
    path: string,
    what: string,
    body: { workspaceId: string } & Record<string, unknown>,
  ): Promise<Answer> {
    const response = await postToWorkspace(this.workspaceServiceUrl, this.request, path, body, undefined, {
      readOnly: true,
    });
    if (response.status === 404) throw notFound("Workspace");
    failIfUnavailable(response, "workspace");
    if (!response.ok) throw new Error(`${what} failed with HTTP ${response.status}`);
    return response.json() as Answer;
  }
}
