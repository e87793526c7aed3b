import { forbidden, notFound } from "@support/errors";
import type { FastifyRequest } from "fastify";
import { postToWorkspace } from "./workspace-call.js";

/** The answer of the workspace service's `/internal/permissions` without `include` (docs/adr/0004). */
export interface WorkspacePermissions {
  workspaceId: string;
  organisationId: string;
  /** OWNER | ADMIN | MEMBER | CUSTOM, or null for org admins who are not members and API keys. */
  role: string | null;
  customRoleId: string | null;
  permissions: string[];
  ticketAccess: "ALL" | "ASSIGNED_TO_ME_OR_MY_TEAMS" | "ASSIGNED_TO_ME";
  /** The caller's active teams in the workspace. */
  teamIds: string[];
  plan: "BASIC" | "PRO" | "UNLIMITED";
}

/**
 * Asks the workspace service for the caller's effective permissions in a workspace (docs/adr/0003),
 * forwarding the gateway-signed actor context it received. One call per workspace per request
 * (memoised), never cached across requests: a role, override or toggle change applies to the
 * very next request.
 */
export class PermissionsClient {
  private readonly memo = new Map<string, Promise<WorkspacePermissions>>();

  constructor(
    private readonly workspaceServiceUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id">,
  ) {}

  /** NOT_FOUND when the workspace does not exist or the caller may not see it. */
  forWorkspace(workspaceId: string): Promise<WorkspacePermissions> {
    let pending = this.memo.get(workspaceId);
    if (!pending) {
      pending = this.fetch(workspaceId);
      this.memo.set(workspaceId, pending);
    }
    return pending;
  }

  async require(workspaceId: string, permission: string): Promise<WorkspacePermissions> {
    const access = await this.forWorkspace(workspaceId);
    if (!access.permissions.includes(permission)) throw forbidden(`Missing permission ${permission}`);
    return access;
  }

  private async fetch(workspaceId: string): Promise<WorkspacePermissions> {
    const response = await postToWorkspace(this.workspaceServiceUrl, this.request, "/internal/permissions", {
      workspaceId,
    });
    if (response.status === 404) throw notFound("Workspace");
    if (!response.ok) throw new Error(`permission lookup failed with HTTP ${response.status}`);
    return (await response.json()) as WorkspacePermissions;
  }
}
