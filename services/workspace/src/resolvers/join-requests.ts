import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import { conflict, invalidInput, isAppError, notFound } from "@support/errors";
import { eventActorFrom } from "@support/events";
import { isUuid, multiLineText } from "@support/validation";
import type { JoinRequest, Prisma } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { assertMayGive, assignableRole, managerOf } from "../domain/members.js";
import { addMembership, memberTarget } from "../db/memberships.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { authorize, requireUser } from "./access.js";
import { customRoleOf } from "./roles.js";
import { instantOf, keyset, page, timeIdCursor, type Page } from "./pages.js";
import type { Tx } from "../db/client.js";
import type {
  MutationApproveJoinRequestArgs,
  MutationRejectJoinRequestArgs,
  MutationRequestToJoinArgs,
  QueryJoinRequestsArgs,
} from "../generated/graphql.js";

/**
 * Join requests (seed 001). Deciding them needs `members:invite` — the catalogue's "invite people
 * and approve join requests" — which org admins and the workspace's owner, admins and supervisors
 * have (and any custom role or override that grants it); only administrators approve with
 * ADMIN or SUPERVISOR (domain/members.ts, `assertMayGive`).
 */
const requestTarget = (request: JoinRequest, label: string | null) => ({
  type: "join_request" as const,
  id: request.id,
  label,
});

export async function requestToJoin(args: MutationRequestToJoinArgs, ctx: WorkspaceContext): Promise<JoinRequest> {
  const actor = requireUser(ctx.actor, "ask to join a workspace");
  const parsed = z.object({ message: multiLineText({ max: 500 }).nullish() }).safeParse({ message: args.message });
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const workspace = isUuid(args.workspaceId)
    ? await ctx.db.workspace.findUnique({ where: { id: args.workspaceId } })
    : null;
  // Only a workspace of one's own organisation can be asked for; any other is not there.
  if (!workspace || workspace.organisationId !== actor.organisationId) throw notFound("Workspace");
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM workspace WHERE id = ${workspace.id}::uuid FOR UPDATE`;
    const member = await tx.membership.findUnique({
      where: { workspaceId_userId: { workspaceId: workspace.id, userId: actor.userId } },
    });
    if (member) throw conflict("You are already a member of this workspace");
    const pending = await tx.joinRequest.findFirst({
      where: { workspaceId: workspace.id, userId: actor.userId, status: "PENDING" },
    });
    if (pending) throw conflict("You already asked to join this workspace; the request is pending");
    const request = await tx.joinRequest.create({
      data: { workspaceId: workspace.id, userId: actor.userId, message: parsed.data.message || null },
    });
    const target = await memberTarget(tx, actor.userId);
    await publish(
      tx,
      workspaceEvent(
        workspace,
        eventActorFrom(actor),
        "join_request.created",
        requestTarget(request, target.label),
        [{ field: "status", old: null, new: "PENDING" }],
        { joinRequestId: request.id, userId: actor.userId },
      ),
    );
    return request;
  });
}

async function loadPending(ctx: WorkspaceContext, id: string) {
  const request = isUuid(id) ? await ctx.db.joinRequest.findUnique({ where: { id } }) : null;
  if (!request) throw notFound("Join request");
  try {
    const access = await authorize(ctx.db, ctx.actor, request.workspaceId, "members:invite");
    return { request, access };
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("Join request");
    throw error;
  }
}

/**
 * Reads a request under a row lock, so two decisions taken at once are serialised: the second
 * sees the first one's status (CONFLICT) instead of both being written.
 */
async function lockRequest(tx: Tx, id: string): Promise<Pick<JoinRequest, "status">> {
  const rows = await tx.$queryRaw<Array<Pick<JoinRequest, "status">>>`
    SELECT status FROM join_request WHERE id = ${id}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw notFound("Join request");
  return row;
}

function refuseDecided(request: Pick<JoinRequest, "status">): void {
  if (request.status !== "PENDING") throw conflict(`This join request was already ${request.status.toLowerCase()}`);
}

export async function approveJoinRequest(
  args: MutationApproveJoinRequestArgs,
  ctx: WorkspaceContext,
): Promise<JoinRequest> {
  const { request, access } = await loadPending(ctx, args.id);
  const given = args.input ?? {};
  const role = assignableRole(given.role ?? (given.customRoleId ? null : "MEMBER"), given.customRoleId, "input");
  const eventActor = eventActorFrom(ctx.actor);
  return ctx.db.$transaction(async (tx) => {
    refuseDecided(await lockRequest(tx, request.id));
    const custom = role.customRoleId ? await customRoleOf(tx, access.workspace.id, role.customRoleId) : null;
    // A supervisor approves people as agents, support staff, members or custom roles within their own reach.
    assertMayGive(managerOf(ctx.actor, access), role, custom?.permissions ?? null);
    const existing = await tx.membership.findUnique({
      where: { workspaceId_userId: { workspaceId: access.workspace.id, userId: request.userId } },
    });
    if (existing) throw conflict("This person is already a member of the workspace");
    // Takes a seat: PLAN_LIMIT when members plus pending invitations already fill the seats.
    await addMembership(tx, {
      workspace: access.workspace,
      userId: request.userId,
      role: role.role,
      customRoleId: role.customRoleId,
      actor: eventActor,
      checkSeats: true,
      via: "join_request",
    });
    const decided = await tx.joinRequest.update({
      where: { id: request.id },
      data: {
        status: "APPROVED",
        role: role.role,
        customRoleId: role.customRoleId,
        decidedAt: new Date(),
        decidedBy: ctx.actor.kind === "user" ? ctx.actor.userId : null,
      },
    });
    const target = await memberTarget(tx, request.userId);
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActor,
        "join_request.approved",
        requestTarget(decided, target.label),
        [
          { field: "status", old: "PENDING", new: "APPROVED" },
          { field: "role", old: null, new: role.role },
        ],
        { joinRequestId: decided.id, userId: request.userId, role: role.role, customRoleId: role.customRoleId },
      ),
    );
    return decided;
  });
}

export async function rejectJoinRequest(
  args: MutationRejectJoinRequestArgs,
  ctx: WorkspaceContext,
): Promise<JoinRequest> {
  const { request, access } = await loadPending(ctx, args.id);
  return ctx.db.$transaction(async (tx) => {
    refuseDecided(await lockRequest(tx, request.id));
    const decided = await tx.joinRequest.update({
      where: { id: request.id },
      data: {
        status: "REJECTED",
        decidedAt: new Date(),
        decidedBy: ctx.actor.kind === "user" ? ctx.actor.userId : null,
      },
    });
    const target = await memberTarget(tx, request.userId);
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActorFrom(ctx.actor),
        "join_request.rejected",
        requestTarget(decided, target.label),
        [{ field: "status", old: "PENDING", new: "REJECTED" }],
        { joinRequestId: decided.id, userId: request.userId },
      ),
    );
    return decided;
  });
}

/** A page of a workspace's join requests, newest first, of one status or all. */
export async function listJoinRequests(args: QueryJoinRequestsArgs, ctx: WorkspaceContext): Promise<Page<JoinRequest>> {
  await authorize(ctx.db, ctx.actor, args.workspaceId, "members:invite");
  const window = pagingWindow(args, timeIdCursor);
  const { where, orderBy, take } = keyset<Prisma.JoinRequestWhereInput, Prisma.JoinRequestOrderByWithRelationInput[]>(
    instantOf(window),
    ["createdAt", "id"],
    false,
  );
  const listed: Prisma.JoinRequestWhereInput = {
    workspaceId: args.workspaceId,
    ...(args.status ? { status: args.status } : {}),
  };
  const rows = await ctx.db.joinRequest.findMany({ where: { AND: [listed, where] }, orderBy, take });
  return page(
    rows,
    window,
    (r): [string, string] => [r.createdAt.toISOString(), r.id],
    timeIdCursor,
    () => ctx.db.joinRequest.count({ where: listed }),
  );
}
