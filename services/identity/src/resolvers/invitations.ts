import { pagingWindow } from "@support/service-kit";
import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { z } from "zod";
import { AppError, ErrorCode, conflict, forbidden, isAppError, notFound, unauthenticated } from "@support/errors";
import { eventActorFrom, type EventActor, type EventDataOf, type FieldChange, type NewEvent } from "@support/events";
import type { UserActor } from "@support/actor-context";
import { connectionOf, cursorCodec, cursorKey, pagingArguments, parseInput, personNameText } from "@support/validation";
import { normaliseEmail, passwordSchema } from "../domain/credentials.js";
import {
  assertAcceptable,
  hashInvitationToken,
  invitationExpiry,
  invitationState,
  invitedOrgRole,
  inviteInputSchema,
  newInvitationToken,
  type InvitationState,
} from "../domain/invitations.js";
import { hashPassword, verifyPassword } from "../domain/passwords.js";
import { throttleKeys } from "../domain/throttle.js";
import { publish } from "../events/publish.js";
import type { IdentityContext } from "../context.js";
import type { Db, Tx } from "../db/client.js";
import type { Invitation, InvitationWorkspace, Prisma, User } from "../db/generated/client.js";
import { lockInvitation } from "../db/invitation-locks.js";
import { openSession } from "./auth.js";
import { invitationMail } from "../domain/mail.js";
import { enqueueMail } from "../mail/outbox.js";
import {
  creationChanges,
  isUniqueViolation,
  lockOrganisation,
  requireUser,
  userStateData,
  userTarget,
} from "./shared.js";
import type {
  InvitationResolvers,
  InvitationWorkspaceResolvers,
  MutationAcceptInvitationArgs,
  MutationInviteUserArgs,
  MutationResendInvitationArgs,
  MutationRevokeInvitationArgs,
  QueryInvitationsArgs,
} from "../generated/graphql.js";

export type InvitationWithWorkspaces = Invitation & { workspaces: InvitationWorkspace[] };

const INVITE_PERMISSION = "members:invite";

/** Pending invitations that still hold a seat: not accepted, not revoked, not expired. */
const holdingSeat = (now: Date): Prisma.InvitationWhereInput => ({ status: "PENDING", expiresAt: { gt: now } });

const invitationTarget = (invitation: Invitation) => ({
  type: "invitation" as const,
  id: invitation.id,
  label: invitation.email,
});

/** One event per workspace of the invitation, as the workspace service keeps one copy per workspace. */
function perWorkspace<T extends "invitation.sent" | "invitation.accepted" | "invitation.revoked">(
  invitation: InvitationWithWorkspaces,
  actor: EventActor,
  type: T,
  build: (workspace: InvitationWorkspace) => { changes: FieldChange[]; data: EventDataOf<T> },
): NewEvent<T>[] {
  return invitation.workspaces.map((workspace) => ({
    type,
    workspaceId: workspace.workspaceId,
    organisationId: invitation.organisationId,
    actor,
    target: invitationTarget(invitation),
    ...build(workspace),
  }));
}

export async function inviteUser(args: MutationInviteUserArgs, ctx: IdentityContext) {
  const actor = requireUser(ctx);
  const input = parseInput(inviteInputSchema, args.input, ["input"]);
  const orgRole = invitedOrgRole(actor, input.orgRole);
  const emailNormalized = normaliseEmail(input.email);

  const existing = await ctx.db.user.findUnique({ where: { emailNormalized } });
  if (existing && existing.organisationId !== actor.organisationId) {
    // Emails are unique across organisations; such an invitation could never be accepted.
    throw conflict("This email address already has an account in another organisation");
  }
  const now = new Date();
  // Early and friendly; re-checked under the organisation lock below.
  await refuseDuplicate(ctx.db, actor.organisationId, emailNormalized, now);

  // The workspace service decides the inviter's right, the custom roles and the seats of every
  // workspace, and holds the seats, under the same lock as join-request approvals (docs/adr/0004).
  const invitationId = randomUUID();
  const expiresAt = invitationExpiry(now, ctx.config.INVITATION_TTL_DAYS);
  const token = newInvitationToken();
  try {
    const invitation = await ctx.db.$transaction(async (tx) => {
      // Held from before the seats are reserved until this commits or dies with its connection:
      // a reservation whose invitation is neither recorded nor locked was left by an inviteUser
      // that died in between, and the workspace service gives its seats back (/internal/invitations/known).
      await lockInvitation(tx, invitationId);
      await ctx.workspaces.reserveInvitationSeats({
        invitationId,
        email: input.email,
        expiresAt: expiresAt.toISOString(),
        workspaces: input.workspaces.map((w) => ({ ...w, customRoleId: w.customRoleId ?? null })),
        // A member of one of the workspaces is refused there (CONFLICT, reason ALREADY_MEMBER), holding no seat.
        userId: existing?.id ?? null,
      });
      // Under the organisation lock, so two concurrent invitations cannot both be the "first"
      // pending invitation for an email.
      await lockOrganisation(tx, actor.organisationId);
      await refuseDuplicate(tx, actor.organisationId, emailNormalized, now);
      const created = await tx.invitation.create({
        data: {
          id: invitationId,
          organisationId: actor.organisationId,
          email: input.email,
          emailNormalized,
          firstName: input.firstName,
          lastName: input.lastName,
          orgRole,
          tokenHash: hashInvitationToken(token),
          invitedById: actor.userId,
          expiresAt,
          workspaces: {
            create: input.workspaces.map((w) => ({
              workspaceId: w.workspaceId,
              role: w.role,
              customRoleId: w.customRoleId ?? null,
            })),
          },
        },
        include: { workspaces: true },
      });
      await enqueueInvitationMail(tx, ctx, created, token, actor.userId);
      await publish(
        tx,
        ...perWorkspace(created, eventActorFrom(actor), "invitation.sent", (workspace) => ({
          changes: [
            { field: "email", old: null, new: created.email },
            { field: "role", old: null, new: workspace.role },
            { field: "status", old: null, new: "PENDING" },
          ],
          data: {
            invitationId: created.id,
            email: created.email,
            role: workspace.role,
            customRoleId: workspace.customRoleId,
            expiresAt: created.expiresAt.toISOString(),
          },
        })),
      );
      return created;
    });
    // The token goes to the invitee's mailbox only (docs/adr/0016); the inviter never sees it.
    ctx.mail.kick();
    return { invitation };
  } catch (error) {
    // Not recorded: the seats go back (none when the reservation was refused; releasing is
    // idempotent). Should this fail too, the next reservation in the workspace gives them back.
    await ctx.workspaces
      .releaseInvitationSeats(invitationId)
      .catch((releaseError: unknown) =>
        ctx.logger.error(
          { err: releaseError, invitationId },
          "could not release the seats of an unrecorded invitation",
        ),
      );
    throw error;
  }
}

/**
 * The invitation's mail, with its token, in the transaction that stores the token's hash: the
 * invitee's mailbox is the only place the token goes (docs/adr/0016). One mail per token: the
 * dedupe key names the invitation and its token's hash.
 */
async function enqueueInvitationMail(
  tx: Tx,
  ctx: IdentityContext,
  invitation: Invitation,
  token: string,
  inviterId: string,
): Promise<void> {
  const inviter = await tx.user.findUnique({
    where: { id: inviterId },
    select: { firstName: true, lastName: true, organisation: { select: { name: true } } },
  });
  const organisation =
    inviter?.organisation ??
    (await tx.organisation.findUniqueOrThrow({ where: { id: invitation.organisationId }, select: { name: true } }));
  await enqueueMail(tx, {
    dedupeKey: `invitation:${invitation.id}:${invitation.tokenHash}`,
    to: invitation.email,
    ...invitationMail({
      appBaseUrl: ctx.config.APP_BASE_URL,
      token,
      inviteeFirstName: invitation.firstName,
      inviterName: inviter ? `${inviter.firstName} ${inviter.lastName}` : null,
      organisationName: organisation.name,
      expiresAt: invitation.expiresAt,
    }),
  });
}

async function refuseDuplicate(db: Db | Tx, organisationId: string, emailNormalized: string, now: Date) {
  const duplicate = await db.invitation.findFirst({
    where: { organisationId, emailNormalized, ...holdingSeat(now) },
    select: { id: true },
  });
  if (duplicate) {
    throw new AppError(
      ErrorCode.CONFLICT,
      "A pending invitation for this email already exists; resendInvitation sends it again with a new token",
      { reason: "INVITATION_PENDING" },
    );
  }
}

const acceptInput = z.object({
  token: z.string().min(1, "must not be empty"),
  password: z.string().min(1, "must not be empty"),
  firstName: personNameText().nullish(),
  lastName: personNameText().nullish(),
});

export async function acceptInvitation(args: MutationAcceptInvitationArgs, ctx: IdentityContext) {
  const input = parseInput(acceptInput, args);
  const tokenHash = hashInvitationToken(input.token);
  const found = await ctx.db.invitation.findUnique({ where: { tokenHash } });
  assertAcceptable(found, new Date());
  const invitation = found as Invitation;

  const existing = await ctx.db.user.findUnique({ where: { emailNormalized: invitation.emailNormalized } });
  let passwordHash: string | null = null;
  if (existing) {
    if (existing.organisationId !== invitation.organisationId) {
      throw conflict("This email address already has an account in another organisation");
    }
    // An existing person proves it is them with their own password; the invitation adds workspaces.
    // That is a sign-in, so it counts against the same throttle as logIn: otherwise whoever
    // holds the token (e.g. the admin who invited a colleague's email) could guess without limit.
    const keys = throttleKeys(existing.emailNormalized, ctx.clientAddress);
    await ctx.throttle.reserve(keys);
    const ok = await verifyPassword(existing.passwordHash, input.password);
    if (!ok || existing.status !== "ACTIVE") throw unauthenticated("Invalid email or password");
    await ctx.throttle.recordSuccess(keys);
  } else {
    passwordHash = await hashPassword(parseInput(passwordSchema, input.password, ["password"]));
  }

  try {
    return await ctx.db.$transaction(async (tx) => {
      await lockOrganisation(tx, invitation.organisationId);
      // Re-read under the lock: a concurrent accept or revoke wins once.
      const current = await tx.invitation.findUnique({ where: { id: invitation.id }, include: { workspaces: true } });
      assertAcceptable(current, new Date());
      const pending = current as InvitationWithWorkspaces;
      const user = existing ?? (await createInvitedUser(tx, pending, passwordHash as string, input));
      await tx.invitation.update({
        where: { id: pending.id },
        data: { status: "ACCEPTED", acceptedAt: new Date(), acceptedUserId: user.id },
      });
      const actor: EventActor = { type: "user", id: user.id };
      await publish(
        tx,
        ...perWorkspace(pending, actor, "invitation.accepted", (workspace) => ({
          changes: [{ field: "status", old: "PENDING", new: "ACCEPTED" }],
          data: {
            invitationId: pending.id,
            userId: user.id,
            role: workspace.role,
            customRoleId: workspace.customRoleId,
          },
        })),
      );
      const token = await openSession(tx, user, ctx.config.SESSION_TTL_HOURS);
      return { token, user };
    });
  } catch (error) {
    // Someone signed up with this email in the meantime.
    if (isUniqueViolation(error)) throw conflict("An account with this email already exists");
    throw error;
  }
}

async function createInvitedUser(
  tx: Tx,
  invitation: InvitationWithWorkspaces,
  passwordHash: string,
  input: { firstName?: string | null; lastName?: string | null },
): Promise<User> {
  const user = await tx.user.create({
    data: {
      organisationId: invitation.organisationId,
      firstName: input.firstName ?? invitation.firstName,
      lastName: input.lastName ?? invitation.lastName,
      email: invitation.email,
      emailNormalized: invitation.emailNormalized,
      passwordHash,
      orgRole: invitation.orgRole,
      status: "ACTIVE",
    },
  });
  await publish(tx, {
    type: "user.created",
    workspaceId: null,
    organisationId: invitation.organisationId,
    actor: { type: "user", id: user.id },
    target: userTarget(user),
    changes: creationChanges(user),
    data: userStateData(user),
  });
  return user;
}

const uuid = z.string().uuid();

const acceptedLoaders = new WeakMap<IdentityContext, DataLoader<string, string[]>>();

/**
 * The invitations each user accepted, for the workspace service's `workspaceCount` (federation
 * `@requires`, never in the API): a membership an acceptance creates arrives there through
 * `invitation.accepted`, and until it has, the workspace service still holds the invitation's
 * seat rows and counts them (so acceptInvitation's answer already counts the new workspace). One
 * query per request for every user asked.
 */
export function acceptedInvitations(ctx: IdentityContext): DataLoader<string, string[]> {
  let loader = acceptedLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (userIds: readonly string[]) => {
      const rows = await ctx.db.invitation.findMany({
        where: { acceptedUserId: { in: [...userIds] }, status: "ACCEPTED" },
        select: { id: true, acceptedUserId: true },
      });
      return userIds.map((id) => rows.filter((row) => row.acceptedUserId === id).map((row) => row.id));
    });
    acceptedLoaders.set(ctx, loader);
  }
  return loader;
}

async function loadOrgInvitation(ctx: IdentityContext, actor: UserActor, id: string) {
  const invitation = uuid.safeParse(id).success
    ? await ctx.db.invitation.findUnique({ where: { id }, include: { workspaces: true } })
    : null;
  if (!invitation || invitation.organisationId !== actor.organisationId) throw notFound("Invitation");
  return invitation;
}

/** The inviter's rights again: members:invite in every workspace of the invitation (org admins: all). */
async function requireInviterRights(
  ctx: IdentityContext,
  actor: UserActor,
  invitation: InvitationWithWorkspaces,
  verb: "revoke" | "resend",
): Promise<void> {
  if (actor.orgRole === "ORG_ADMIN") return;
  for (const workspace of invitation.workspaces) {
    // A workspace the caller may not see (NOT_FOUND) is one they cannot invite into; any other
    // failure (the workspace service down) is an error, not a refusal.
    const access = await ctx.workspaces.access(workspace.workspaceId).catch((error: unknown) => {
      if (isAppError(error) && error.code === "NOT_FOUND") return null;
      throw error;
    });
    if (!access?.permissions.includes(INVITE_PERMISSION)) {
      throw forbidden(`You can ${verb} only invitations into workspaces where you may invite`);
    }
  }
}

/**
 * Sends a pending invitation again (expired ones too): a new mail with a new token (the old one
 * stops working) and a new expiry, same invitation id, people and workspaces. Its seats are reserved again with
 * the workspace service (an expired invitation had given them back, so seats may have run out
 * since: PLAN_LIMIT). An accepted or revoked invitation is CONFLICT.
 */
export async function resendInvitation(args: MutationResendInvitationArgs, ctx: IdentityContext) {
  const actor = requireUser(ctx);
  const invitation = await loadOrgInvitation(ctx, actor, args.id);
  await requireInviterRights(ctx, actor, invitation, "resend");
  if (invitation.status !== "PENDING") {
    throw new AppError(ErrorCode.CONFLICT, `This invitation is already ${invitation.status.toLowerCase()}`, {
      reason: invitation.status === "ACCEPTED" ? "INVITATION_ACCEPTED" : "INVITATION_REVOKED",
    });
  }
  const expiresAt = invitationExpiry(new Date(), ctx.config.INVITATION_TTL_DAYS);
  const existing = await ctx.db.user.findUnique({ where: { emailNormalized: invitation.emailNormalized } });
  // Idempotent per invitation: refreshes the rows' expiry, checking seats and membership again.
  await ctx.workspaces.reserveInvitationSeats({
    invitationId: invitation.id,
    email: invitation.email,
    expiresAt: expiresAt.toISOString(),
    workspaces: invitation.workspaces.map((w) => ({
      workspaceId: w.workspaceId,
      role: w.role,
      customRoleId: w.customRoleId,
    })),
    userId: existing?.organisationId === invitation.organisationId ? existing.id : null,
  });
  const token = newInvitationToken();
  const resent = await ctx.db.$transaction(async (tx) => {
    await lockOrganisation(tx, invitation.organisationId);
    // A newer invitation of the same email, sent while this one was expired, stays the only pending one.
    const other = await tx.invitation.findFirst({
      where: {
        organisationId: invitation.organisationId,
        emailNormalized: invitation.emailNormalized,
        id: { not: invitation.id },
        ...holdingSeat(new Date()),
      },
      select: { id: true },
    });
    if (other) throw conflict("Another pending invitation for this email exists; resend that one");
    // Conditional: an acceptance or revocation meanwhile wins.
    const { count } = await tx.invitation.updateMany({
      where: { id: invitation.id, status: "PENDING" },
      data: { tokenHash: hashInvitationToken(token), expiresAt },
    });
    if (count !== 1) throw conflict("This invitation was accepted or revoked meanwhile");
    const updated = await tx.invitation.findUniqueOrThrow({
      where: { id: invitation.id },
      include: { workspaces: true },
    });
    await enqueueInvitationMail(tx, ctx, updated, token, actor.userId);
    await publish(
      tx,
      ...perWorkspace(updated, eventActorFrom(actor), "invitation.sent", (workspace) => ({
        changes: [{ field: "expiresAt", old: invitation.expiresAt.toISOString(), new: expiresAt.toISOString() }],
        data: {
          invitationId: updated.id,
          email: updated.email,
          role: workspace.role,
          customRoleId: workspace.customRoleId,
          expiresAt: expiresAt.toISOString(),
        },
      })),
    );
    return updated;
  });
  ctx.mail.kick();
  return { invitation: resent };
}

export async function revokeInvitation(args: MutationRevokeInvitationArgs, ctx: IdentityContext) {
  const actor = requireUser(ctx);
  const invitation = await loadOrgInvitation(ctx, actor, args.id);
  await requireInviterRights(ctx, actor, invitation, "revoke");
  return ctx.db.$transaction(async (tx) => {
    // Conditional update: an invitation accepted or revoked meanwhile is not revoked again.
    const { count } = await tx.invitation.updateMany({
      where: { id: invitation.id, status: "PENDING" },
      data: { status: "REVOKED", revokedAt: new Date() },
    });
    if (count !== 1) throw conflict(`This invitation is already ${invitation.status.toLowerCase()}`);
    const revoked = await tx.invitation.findUniqueOrThrow({
      where: { id: invitation.id },
      include: { workspaces: true },
    });
    await publish(
      tx,
      ...perWorkspace(revoked, eventActorFrom(actor), "invitation.revoked", () => ({
        changes: [{ field: "status", old: "PENDING", new: "REVOKED" }],
        data: { invitationId: revoked.id },
      })),
    );
    return revoked;
  });
}

const stateSchema = z.enum(["PENDING", "ACCEPTED", "REVOKED", "EXPIRED"]).nullish();

function stateFilter(state: InvitationState | null | undefined, now: Date): Prisma.InvitationWhereInput {
  switch (state) {
    case "PENDING":
      return holdingSeat(now);
    case "EXPIRED":
      return { status: "PENDING", expiresAt: { lte: now } };
    case "ACCEPTED":
    case "REVOKED":
      return { status: state };
    default:
      return {};
  }
}

/** Org admins see every invitation; workspace admins those touching a workspace they administer. */
const invitationsArgs = z.object({ status: stateSchema, ...pagingArguments });

/** The page cursor: the key of the list's order, newest first (when it was sent), then id. */
type InvitationKey = [createdAt: string, id: string];
const invitationsCursor = cursorCodec(z.tuple([cursorKey.instant(), cursorKey.uuid()]));
const invitationKey = (invitation: Invitation): InvitationKey => [invitation.createdAt.toISOString(), invitation.id];

/** The invitations after (or, backward, before) `key` in the list's order: createdAt descending, id ascending. */
function beyondInvitation([createdAt, id]: InvitationKey, backward: boolean): Prisma.InvitationWhereInput {
  const at = new Date(createdAt);
  return {
    OR: [{ createdAt: backward ? { gt: at } : { lt: at } }, { createdAt: at, id: backward ? { lt: id } : { gt: id } }],
  };
}

export async function invitations(args: QueryInvitationsArgs, ctx: IdentityContext) {
  const actor = requireUser(ctx);
  const { status: state, ...paging } = parseInput(invitationsArgs, args);
  const window = pagingWindow(paging, invitationsCursor);
  const where: Prisma.InvitationWhereInput = {
    organisationId: actor.organisationId,
    ...stateFilter(state, new Date()),
  };
  if (actor.orgRole !== "ORG_ADMIN") {
    const administered = [...new Set((await ctx.workspaces.memberships()).map((m) => m.workspaceId))];
    if (administered.length === 0) throw forbidden("Only organisation and workspace admins can list invitations");
    where.workspaces = { some: { workspaceId: { in: administered } } };
  }
  const rows = await ctx.db.invitation.findMany({
    where: window.from ? { AND: [where, beyondInvitation(window.from, window.backward)] } : where,
    include: { workspaces: true },
    // Backward pages read the order reversed; connectionOf puts them back.
    orderBy: window.backward ? [{ createdAt: "asc" }, { id: "desc" }] : [{ createdAt: "desc" }, { id: "asc" }],
    take: window.size + 1,
  });
  return connectionOf(rows, window, invitationKey, invitationsCursor);
}

export const invitationFields: InvitationResolvers = {
  status: (invitation) => invitationState(invitation, new Date()),
  invitedBy: (invitation, _, ctx) => (invitation.invitedById ? ctx.users.load(invitation.invitedById) : null),
};

export const invitationWorkspaceFields: InvitationWorkspaceResolvers = {
  workspace: (workspace) => ({ __typename: "Workspace", id: workspace.workspaceId }),
};
