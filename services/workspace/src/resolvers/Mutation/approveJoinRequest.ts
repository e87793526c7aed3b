import { conflict } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { authorizeJoinRequest } from "../../authorization.js";
import { decideJoinRequest, lockJoinRequest } from "../../db/join-requests.js";
import { findMembership, memberTarget } from "../../db/memberships.js";
import { customRoleOf } from "../../db/roles.js";
import {
  actingUserId,
  assertMayGive,
  assertPending,
  assignableRole,
  joinRequestTarget,
  managerOf,
} from "../../domain/members.js";
import { publish } from "../../events/publish.js";
import { addMembership } from "../../memberships.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/**
 * Approves a pending join request with a role, MEMBER unless the input says, taking a seat.
 * Deciding needs `members:invite` — the catalogue's "invite people and approve join requests" —
 * which org admins and the workspace's owner, admins and supervisors have; only administrators
 * approve with ADMIN or SUPERVISOR (domain/members.ts, `assertMayGive`).
 */
export const approveJoinRequest: MutationResolvers["approveJoinRequest"] = async (_, args, ctx) => {
  const { row: request, access } = await authorizeJoinRequest(ctx, args.id, "members:invite");
  const given = args.input ?? {};
  const role = assignableRole(given.role ?? (given.customRoleId ? null : "MEMBER"), given.customRoleId, "input");
  const { workspace } = access;
  return ctx.db.$transaction(async (tx) => {
    assertPending(await lockJoinRequest(tx, request.id));
    const custom = role.customRoleId ? await customRoleOf(tx, workspace.id, role.customRoleId) : null;
    // A supervisor approves people as agents, support staff, members or custom roles within their own reach.
    assertMayGive(managerOf(ctx.actor, access), role, custom?.permissions ?? null);
    if (await findMembership(tx, workspace.id, request.userId))
      throw conflict("This person is already a member of the workspace");
    // Takes a seat: PLAN_LIMIT when members plus pending invitations already fill the seats.
    await addMembership(tx, {
      workspace,
      userId: request.userId,
      ...role,
      actor: eventActor(ctx.actor),
      checkSeats: true,
      via: "join_request",
    });
    const decided = await decideJoinRequest(tx, request.id, {
      status: "APPROVED",
      ...role,
      decidedBy: actingUserId(ctx.actor),
    });
    await publish(tx, {
      type: "join_request.approved",
      ...eventScope(workspace),
      actor: eventActor(ctx.actor),
      target: joinRequestTarget(decided, await memberTarget(tx, request.userId)),
      changes: [
        { field: "status", old: "PENDING", new: "APPROVED" },
        { field: "role", old: null, new: role.role },
      ],
      data: { joinRequestId: decided.id, userId: request.userId, ...role },
    });
    return decided;
  });
};
