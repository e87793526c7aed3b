import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import { badUserInput, invalidInput, notFound } from "@support/errors";
import { eventActorFrom } from "@support/events";
import type { CustomRole, Membership, Prisma, Workspace } from "../db/generated/client.js";
import type { PagingArguments } from "@support/validation";
import type { WorkspaceContext } from "../context.js";
import {
  assertCanChangeRole,
  assertCanEditOverrides,
  assertCanRemove,
  assertCanTransfer,
  assertExactlyOneOwner,
  assertMayGive,
  assertMayManage,
  assertWithinOwn,
  assignableRole,
  managerOf,
} from "../domain/members.js";
import { parseOverrides } from "../domain/permission-input.js";
import { changeMembershipRole, lockWorkspace, memberTarget, removeMembership } from "../db/memberships.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { authorize, requirePermission, requireUser } from "./access.js";
import { instantOf, keyset, memberKey, page, timeIdCursor, type Page } from "./pages.js";
import { customRoleOf } from "./roles.js";
import type { Tx } from "../db/client.js";
import { isUuid } from "@support/validation";
import type {
  MutationRemoveMemberArgs,
  MutationSetMemberPermissionsArgs,
  MutationSetMemberRoleArgs,
  MutationTransferOwnershipArgs,
} from "../generated/graphql.js";

const actorUserId = (ctx: WorkspaceContext): string | null => (ctx.actor.kind === "user" ? ctx.actor.userId : null);

async function memberOf(tx: Tx | WorkspaceContext["db"], workspaceId: string, userId: string): Promise<Membership> {
  const membership = isUuid(userId)
    ? await tx.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } })
    : null;
  if (!membership) throw notFound("Member");
  return membership;
}

export async function setMemberRole(args: MutationSetMemberRoleArgs, ctx: WorkspaceContext): Promise<Membership> {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "members:update");
  const next = assignableRole(args.input.role, args.input.customRoleId, "input");
  return ctx.db.$transaction(async (tx) => {
    // Serialised with transferOwnership: otherwise the heir could be read as ADMIN, made OWNER
    // by a concurrent transfer, then overwritten here, leaving the workspace without an owner.
    await lockWorkspace(tx, access.workspace.id);
    const target = await memberOf(tx, access.workspace.id, args.userId);
    assertCanChangeRole(actorUserId(ctx), target);
    const manager = managerOf(ctx.actor, access);
    assertMayManage(manager, [target]);
    const custom = next.customRoleId ? await customRoleOf(tx, access.workspace.id, next.customRoleId) : null;
    assertMayGive(manager, next, custom?.permissions ?? null);
    return changeMembershipRole(tx, {
      workspace: access.workspace,
      membership: target,
      role: next.role,
      customRoleId: next.customRoleId,
      actor: eventActorFrom(ctx.actor),
    });
  });
}

export async function removeMember(args: MutationRemoveMemberArgs, ctx: WorkspaceContext) {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "members:remove");
  return ctx.db.$transaction(async (tx) => {
    // As in setMemberRole: the target's role is read under the lock transferOwnership takes.
    await lockWorkspace(tx, access.workspace.id);
    const target = await memberOf(tx, access.workspace.id, args.userId);
    assertCanRemove(actorUserId(ctx), target);
    assertMayManage(managerOf(ctx.actor, access), [target]);
    await removeMembership(tx, {
      workspace: access.workspace,
      membership: target,
      actor: eventActorFrom(ctx.actor),
      reason: "removed",
    });
    return target.userId;
  });
}

const overridesArgs = z.object({
  input: z.object({
    grant: z.array(z.string()).nullish(),
    deny: z.array(z.string()).nullish(),
  }),
  userIds: z
    .array(z.string())
    .min(1, "name at least one member")
    .max(500)
    .superRefine((ids, check) => {
      const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
      if (twice.length > 0) check.addIssue({ code: "custom", message: `listed more than once: ${twice.join(", ")}` });
    }),
});

/**
 * Bulk override edit (seed 003): validated as a whole first, then written in one transaction;
 * any refused member refuses the whole request.
 */
export async function setMemberPermissions(
  args: MutationSetMemberPermissionsArgs,
  ctx: WorkspaceContext,
): Promise<Membership[]> {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "members:update");
  const parsed = overridesArgs.safeParse(args);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const { grant, deny } = parsed.data.input;
  if (!grant && !deny) throw badUserInput("Give grant, deny or both", "input.grant");
  const { userIds } = parsed.data;
  const badIds = userIds.filter((id) => !isUuid(id));
  if (badIds.length > 0) throw badUserInput(`Not member ids: ${badIds.join(", ")}`, "userIds");
  return ctx.db.$transaction(async (tx) => {
    // A concurrent transfer must not make a target the owner between this check and the write.
    await lockWorkspace(tx, access.workspace.id);
    const targets = await tx.membership.findMany({
      where: { workspaceId: access.workspace.id, userId: { in: userIds } },
    });
    const missing = userIds.filter((id) => !targets.some((t) => t.userId === id));
    if (missing.length > 0) throw notFound(`Member ${missing.join(", ")}`);
    assertCanEditOverrides(actorUserId(ctx), targets);
    const manager = managerOf(ctx.actor, access);
    assertMayManage(manager, targets);
    if (grant) assertWithinOwn(manager, parseOverrides(grant, []).granted, "grant");
    const updated: Membership[] = [];
    for (const target of targets) {
      // A list that is not given keeps the member's current one; the pair is validated together.
      const overrides = parseOverrides(grant ?? target.granted, deny ?? target.denied);
      const changes = [
        ...(JSON.stringify(overrides.granted) !== JSON.stringify(target.granted)
          ? [{ field: "granted", old: target.granted, new: overrides.granted }]
          : []),
        ...(JSON.stringify(overrides.denied) !== JSON.stringify(target.denied)
          ? [{ field: "denied", old: target.denied, new: overrides.denied }]
          : []),
      ];
      const row = await tx.membership.update({
        where: { workspaceId_userId: { workspaceId: access.workspace.id, userId: target.userId } },
        data: { granted: overrides.granted, denied: overrides.denied },
      });
      if (changes.length > 0) {
        await publish(
          tx,
          workspaceEvent(
            access.workspace,
            eventActorFrom(ctx.actor),
            "member.permissions_changed",
            await memberTarget(tx, target.userId),
            changes,
            { userId: target.userId, granted: overrides.granted, denied: overrides.denied },
          ),
        );
      }
      updated.push(row);
    }
    return userIds.map((id) => updated.find((m) => m.userId === id) as Membership);
  });
}

export async function transferOwnership(
  args: MutationTransferOwnershipArgs,
  ctx: WorkspaceContext,
): Promise<Workspace> {
  const actor = requireUser(ctx.actor, "transfer ownership");
  const access = await authorize(ctx.db, actor, args.workspaceId, "members:list");
  return ctx.db.$transaction(async (tx) => {
    await lockWorkspace(tx, access.workspace.id);
    const owner = await tx.membership.findFirst({ where: { workspaceId: access.workspace.id, role: "OWNER" } });
    if (!owner) throw new Error(`workspace ${access.workspace.id} has no owner`);
    const target = await memberOf(tx, access.workspace.id, args.userId);
    assertCanTransfer(actor.userId, owner, target);
    await tx.membership.update({
      where: { workspaceId_userId: { workspaceId: access.workspace.id, userId: owner.userId } },
      data: { role: "ADMIN", customRoleId: null },
    });
    // The new owner's overrides would be meaningless (the owner cannot be restricted).
    await tx.membership.update({
      where: { workspaceId_userId: { workspaceId: access.workspace.id, userId: target.userId } },
      data: { role: "OWNER", customRoleId: null, granted: [], denied: [] },
    });
    assertExactlyOneOwner(await tx.membership.findMany({ where: { workspaceId: access.workspace.id } }));
    const eventActor = eventActorFrom(actor);
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActor,
        "ownership.transferred",
        { type: "workspace", id: access.workspace.id, label: access.workspace.name },
        [{ field: "ownerId", old: owner.userId, new: target.userId }],
        {
          userId: target.userId,
          role: "OWNER",
          customRoleId: null,
          previousOwnerId: owner.userId,
          reason: "transferred",
        },
      ),
      workspaceEvent(
        access.workspace,
        eventActor,
        "member.role_changed",
        await memberTarget(tx, owner.userId),
        [{ field: "role", old: "OWNER", new: "ADMIN" }],
        { userId: owner.userId, role: "ADMIN", customRoleId: null },
      ),
      workspaceEvent(
        access.workspace,
        eventActor,
        "member.role_changed",
        await memberTarget(tx, target.userId),
        [
          { field: "role", old: target.role, new: "OWNER" },
          ...(target.customRoleId ? [{ field: "customRoleId", old: target.customRoleId, new: null }] : []),
        ],
        { userId: target.userId, role: "OWNER", customRoleId: null },
      ),
    );
    return access.workspace;
  });
}

type MemberRow = Membership & { customRole: CustomRole | null };

/** What `WorkspaceMember`'s fields read: a membership, with its custom role when a page loaded it. */
export type MemberView = Membership & { customRole?: CustomRole | null };

/**
 * A page of a workspace's members (or of those holding one role), in the order they joined. The
 * custom role comes along, so a page costs one query, not one per member; the caller's access is
 * read through the request's loader, so a list of workspaces checks it once for all of them.
 */
export async function listMembers(
  workspaceId: string,
  args: PagingArguments,
  ctx: WorkspaceContext,
): Promise<Page<MemberRow>> {
  const access = await ctx.accesses.load(workspaceId);
  if (!access) throw notFound("Workspace");
  requirePermission(access, "members:list");
  const window = pagingWindow(args, timeIdCursor);
  const { where, orderBy, take } = keyset<Prisma.MembershipWhereInput, Prisma.MembershipOrderByWithRelationInput[]>(
    instantOf(window),
    ["createdAt", "userId"],
    true,
  );
  const rows = await ctx.db.membership.findMany({
    where: { AND: [{ workspaceId }, where] },
    include: { customRole: true },
    orderBy,
    take,
  });
  return page(rows, window, memberKey, timeIdCursor, () => ctx.memberCounts.load(workspaceId));
}
