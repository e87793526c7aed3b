import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError, ErrorCode, forbidden } from "@support/errors";
import { cursorCodec, cursorKey, personNameText } from "@support/validation";
import { emailSchema } from "./credentials.js";
import type { OrgRole } from "./people.js";

export const INVITATION_TOKEN_PREFIX = "inv_";

export const invitationWorkspaceSchema = z.object({
  workspaceId: z.string().uuid("must be a workspace id"),
  role: z.enum(["ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER"]),
  customRoleId: z.string().uuid("must be a role id").nullish(),
});

export const inviteInputSchema = z.object({
  firstName: personNameText(),
  lastName: personNameText(),
  email: emailSchema,
  orgRole: z.enum(["ORG_ADMIN", "MEMBER"]).nullish(),
  workspaces: z
    .array(invitationWorkspaceSchema)
    .min(1, "at least one workspace is required")
    .refine(
      (list) => new Set(list.map((w) => w.workspaceId)).size === list.length,
      "each workspace may appear only once",
    ),
});
export type InviteInput = z.infer<typeof inviteInputSchema>;

/** An org role in an invitation is the inviter's to give only when they are an org admin (SPEC section 3). */
export function invitedOrgRole(inviter: { orgRole: OrgRole }, requested: OrgRole | null | undefined): OrgRole {
  if (requested === "ORG_ADMIN" && inviter.orgRole !== "ORG_ADMIN") {
    throw forbidden("Only organisation admins can invite with an organisation role");
  }
  return requested ?? "MEMBER";
}

export type InvitationState = "PENDING" | "ACCEPTED" | "REVOKED" | "EXPIRED";
export const invitationStateSchema = z.enum(["PENDING", "ACCEPTED", "REVOKED", "EXPIRED"]);

/** EXPIRED is derived, never stored: a pending invitation past its expiry. */
export function invitationState(
  invitation: { status: "PENDING" | "ACCEPTED" | "REVOKED"; expiresAt: Date },
  now: Date,
): InvitationState {
  return invitation.status === "PENDING" && invitation.expiresAt <= now ? "EXPIRED" : invitation.status;
}

/**
 * Only a pending, unexpired invitation can be accepted. Each other case has its own answer, so
 * the invitee knows what to do (`extensions.reason`): an unknown token is NOT_FOUND
 * (`INVITATION_UNKNOWN`); a used one CONFLICT (`INVITATION_ACCEPTED`: sign in instead); a revoked
 * one CONFLICT (`INVITATION_REVOKED`); an expired one BAD_USER_INPUT on `token`
 * (`INVITATION_EXPIRED`: ask for it to be resent). Only the token's holder learns any of this.
 */
export function assertAcceptable<T extends { status: "PENDING" | "ACCEPTED" | "REVOKED"; expiresAt: Date }>(
  invitation: T | null,
  now: Date,
): asserts invitation is T {
  if (!invitation) throw new AppError(ErrorCode.NOT_FOUND, "Invitation not found", { reason: "INVITATION_UNKNOWN" });
  if (invitation.status === "ACCEPTED") {
    throw new AppError(ErrorCode.CONFLICT, "This invitation has already been accepted; sign in instead", {
      reason: "INVITATION_ACCEPTED",
    });
  }
  if (invitation.status === "REVOKED") {
    throw new AppError(ErrorCode.CONFLICT, "This invitation has been revoked", { reason: "INVITATION_REVOKED" });
  }
  if (invitationState(invitation, now) === "EXPIRED") {
    throw new AppError(ErrorCode.BAD_USER_INPUT, "This invitation has expired; ask for it to be resent", {
      field: "token",
      reason: "INVITATION_EXPIRED",
    });
  }
}

export function invitationExpiry(now: Date, ttlDays: number): Date {
  return new Date(now.getTime() + ttlDays * 86_400_000);
}

export function newInvitationToken(): string {
  return `${INVITATION_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** High-entropy token: sha256 suffices; only the hash is stored. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The invitations page's cursor: the key of the list's order, newest first (when it was sent), then id. */
export type InvitationKey = [createdAt: string, id: string];
export const invitationsCursor = cursorCodec(z.tuple([cursorKey.instant(), cursorKey.uuid()]));
export const invitationKey = (invitation: { createdAt: Date; id: string }): InvitationKey => [
  invitation.createdAt.toISOString(),
  invitation.id,
];
