import DataLoader from "dataloader";
import { forbidden, notFound } from "@support/errors";
import type { FastifyRequest } from "fastify";
import { postToWorkspace } from "./workspace-call.js";

/** The workspace service's bound on one lookup (services/workspace/src/internal/permissions.ts). */
const MAX_WORKSPACES_PER_LOOKUP = 100;

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
 * Asks the workspace service for the caller's effective permissions in workspaces (docs/adr/0003),
 * forwarding the gateway-signed actor context it received. The workspaces asked about in one tick
 * (a page of entities) go in one call; answers are memoised per request and never cached across
 * requests: a role, override or toggle change applies to the very next request.
 */
export class PermissionsClient {
  private readonly loader: DataLoader<string, WorkspacePermissions | null>;

  constructor(
    private readonly workspaceServiceUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id">,
  ) {
    this.loader = new DataLoader((workspaceIds) => this.fetch(workspaceIds), {
      maxBatchSize: MAX_WORKSPACES_PER_LOOKUP,
    });
  }

  /** NOT_FOUND when the workspace does not exist or the caller may not see it. */
  async forWorkspace(workspaceId: string): Promise<WorkspacePermissions> {
    const permissions = await this.loader.load(workspaceId);
    if (!permissions) throw notFound("Workspace");
    return permissions;
  }

  async require(workspaceId: string, permission: string): Promise<WorkspacePermissions> {
    const access = await this.forWorkspace(workspaceId);
    if (!access.permissions.includes(permission)) throw forbidden(`Missing permission ${permission}`);
    return access;
  }

  private async fetch(workspaceIds: readonly string[]): Promise<Array<WorkspacePermissions | null>> {
    const response = await postToWorkspace(this.workspaceServiceUrl, this.request, "/internal/permissions", {
      workspaceIds,
    });
    if (!response.ok) throw new Error(`permission lookup failed with HTTP ${response.status}`);
    const { workspaces } = (await response.json()) as { workspaces: Array<WorkspacePermissions | null> };
    return workspaces;
  }
}
