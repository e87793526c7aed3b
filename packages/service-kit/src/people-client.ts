import { z } from "zod";
import { AppError, ErrorCode, notFound } from "@support/errors";
import { failIfUnavailable, postToWorkspace, type InternalAnswer, type InternalCallRequest } from "./internal-call.js";

export { INTERNAL_CALL_TIMEOUT_MS } from "./internal-call.js";

/** What identity reads of workspace's `POST /internal/permissions` answer (docs/adr/0004). */
export const workspaceAccessSchema = z.object({
  workspaceId: z.string(),
  organisationId: z.string(),
  name: z.string(),
  role: z.string().nullable(),
  customRoleId: z.string().nullable().optional(),
  permissions: z.array(z.string()),
});
export type WorkspaceAccess = z.infer<typeof workspaceAccessSchema>;

export const workspaceMembershipSchema = z.object({
  userId: z.string(),
  workspaceId: z.string(),
  role: z.string(),
  customRoleId: z.string().nullable().optional(),
});
export type WorkspaceMembership = z.infer<typeof workspaceMembershipSchema>;

/** A workspace's seats in use, for billing's seat changes (members plus pending invitations). */
export const seatUsageSchema = workspaceAccessSchema.extend({
  seats: z.number().int(),
  memberCount: z.number().int(),
  pendingInvitations: z.number().int(),
});
export type SeatUsage = z.infer<typeof seatUsageSchema>;

const membershipsAnswerSchema = z.object({ memberships: z.array(workspaceMembershipSchema) });

export interface MembershipChange {
  userId: string;
  set: Array<{ workspaceId: string; role: string; customRoleId?: string | null }>;
  remove: string[];
}

/** An invitation's seats, reserved in each of its workspaces before identity records it. */
export interface InvitationSeats {
  invitationId: string;
  email: string;
  expiresAt: string;
  workspaces: Array<{ workspaceId: string; role: string; customRoleId?: string | null }>;
  /** The account the email already has in the organisation, if any: a member of a workspace is not invited into it. */
  userId?: string | null;
}

/** Answers of the internal endpoints that refuse with SPEC codes (HTTP 200 either way). */
const decisionAnswerSchema = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ error: z.object({ code: z.string(), message: z.string(), reason: z.string().optional() }) }),
]);

const ownedAnswerSchema = z.object({ workspaces: z.array(z.object({ id: z.string(), name: z.string() })) });

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Identity's half of docs/adr/0004: asks the workspace service about workspaces and
 * memberships on behalf of the end user, forwarding the gateway-signed actor context it
 * received, so workspace authorizes that user (never "the identity service"). Answers are
 * memoised for one request only.
 */
export class WorkspacePeopleClient {
  private readonly accessMemo = new Map<string, Promise<WorkspaceAccess>>();

  constructor(
    private readonly workspaceServiceUrl: string,
    private readonly request: InternalCallRequest,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  /** The caller's access to a workspace; NOT_FOUND when they may not see it. */
  access(workspaceId: string): Promise<WorkspaceAccess> {
    let pending = this.accessMemo.get(workspaceId);
    if (!pending) {
      pending = this.post("/internal/permissions", { workspaceId }).then((response) => {
        if (response.status === 404) throw notFound("Workspace");
        return workspaceAccessSchema.parse(this.json(response, "/internal/permissions"));
      });
      this.accessMemo.set(workspaceId, pending);
    }
    return pending;
  }

  /** The caller's access plus the workspace's seats in use; NOT_FOUND when they may not see it. */
  async seatUsage(workspaceId: string): Promise<SeatUsage> {
    const response = await this.post("/internal/permissions", { workspaceId, include: ["seats"] });
    if (response.status === 404) throw notFound("Workspace");
    return seatUsageSchema.parse(this.json(response, "/internal/permissions"));
  }

  /**
   * Memberships in the caller's organisation, limited to the workspaces the caller administers
   * (all of them for org admins); optionally only those of some users.
   */
  async memberships(userIds?: string[]): Promise<WorkspaceMembership[]> {
    const response = await this.post("/internal/memberships/query", userIds ? { userIds } : {});
    return membershipsAnswerSchema.parse(this.json(response, "/internal/memberships/query")).memberships;
  }

  /** Sets and removes one user's workspace memberships, all or nothing; the workspace's refusal is rethrown as is. */
  async applyMemberships(change: MembershipChange): Promise<void> {
    await this.decide("/internal/memberships/apply", change);
  }

  /**
   * Reserves one seat per workspace of an invitation, deciding the inviter's right, the custom
   * roles and the seats under the workspace's lock; all or nothing. The refusal is rethrown as is.
   */
  async reserveInvitationSeats(seats: InvitationSeats): Promise<void> {
    await this.decide("/internal/invitations/reserve", seats);
  }

  /** Gives back the seats of an invitation that was not recorded after all. */
  async releaseInvitationSeats(invitationId: string): Promise<void> {
    const response = await this.post("/internal/invitations/release", { invitationId });
    this.json(response, "/internal/invitations/release");
  }

  /** Every workspace of the organisation the user owns (org admins only), from the memberships themselves. */
  async ownedWorkspaces(userId: string): Promise<Array<{ id: string; name: string }>> {
    const response = await this.post("/internal/memberships/owned", { userId });
    return ownedAnswerSchema.parse(this.json(response, "/internal/memberships/owned")).workspaces;
  }

  private async decide(path: string, body: unknown): Promise<void> {
    const answer = decisionAnswerSchema.parse(this.json(await this.post(path, body), path, true));
    if ("error" in answer) {
      const { code, message, reason } = answer.error;
      if (KNOWN_CODES.has(code)) throw new AppError(code as ErrorCode, message, reason ? { reason } : {});
      throw new Error(`workspace refused ${path} with unknown code ${code}: ${message}`);
    }
  }

  private post(path: string, body: unknown): Promise<InternalAnswer> {
    return postToWorkspace(this.workspaceServiceUrl, this.request, path, body, this.options.timeoutMs);
  }

  /** Error answers carrying `{ error: { code, message } }` are read when `errorBodies` is set. */
  private json(answer: InternalAnswer, path: string, errorBodies = false): unknown {
    if (answer.ok) return answer.json();
    failIfUnavailable(answer, "workspace");
    if (errorBodies && answer.contentType?.includes("application/json")) {
      const body: unknown = answer.json();
      if (typeof body === "object" && body !== null && "error" in body && typeof body.error === "object") return body;
    }
    throw new Error(`workspace ${path} answered HTTP ${answer.status}`);
  }
}
