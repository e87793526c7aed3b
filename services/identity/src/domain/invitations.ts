import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { badUserInput, forbidden, notFound } from "@support/errors";
import { personNameText } from "@support/validation";
import { emailSchema } from "./credentials.js";
import type { OrgRole } from "./people.js";

export const INVITATION_TOKEN_PREFIX = "inv_";

export const invitationWorkspaceSchema = z.object({
  workspaceId: z.string().uuid("must be a workspace id"),
  role: z.enum(["ADMIN", "MEMBER"]),
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

/** EXPIRED is derived, never stored: a pending invitation past its expiry. */
export function invitationState(
  invitation: { status: "PENDING" | "ACCEPTED" | "REVOKED"; expiresAt: Date },
  now: Date,
): InvitationState {
  return invitation.status === "PENDING" && invitation.expiresAt <= now ? "EXPIRED" : invitation.status;
}

/**
 * Only a pending, unexpired invitation can be accepted. Accepted and revoked ones answer as
 * an unknown token (the token is spent); an expired one says so, so the invitee asks again.
 */
export function assertAcceptable(
  invitation: { status: "PENDING" | "ACCEPTED" | "REVOKED"; expiresAt: Date } | null,
  now: Date,
): void {
  if (!invitation || invitation.status !== "PENDING") throw notFound("Invitation");
  if (invitationState(invitation, now) === "EXPIRED") {
    throw badUserInput("This invitation has expired; ask for a new one", "token");
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
