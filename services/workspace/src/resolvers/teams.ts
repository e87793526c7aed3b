import { pagingWindow } from "@support/service-kit";
import DataLoader from "dataloader";
import { z } from "zod";
import { badUserInput, conflict, invalidInput, isAppError, notFound } from "@support/errors";
import { eventActorFrom, type FieldChange } from "@support/events";
import { descriptionText, entityNameText, isUuid, type PagingArguments } from "@support/validation";
import type { Prisma, Team } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import type { Tx } from "../db/client.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { authorize, isUniqueViolation, loadAccessMany, requirePermission } from "./access.js";
import { compareText, idCursor, keyset, nameIdCursor, page, pageOf, type Page } from "./pages.js";
import type { MutationCreateTeamArgs, MutationDeleteTeamArgs, MutationUpdateTeamArgs } from "../generated/graphql.js";

export type TeamView = Team & { memberIds: string[] };

const teamName = entityNameText();
const description = descriptionText();
const memberIds = z.array(z.string().uuid("must be a member id")).max(1000);
const createTeamInput = z.object({
  name: teamName,
  description: description.nullish(),
  active: z.boolean().nullish(),
  memberIds: memberIds.nullish(),
});
const updateTeamInput = z.object({
  name: teamName.nullish(),
  description: description.nullish(),
  active: z.boolean().nullish(),
  memberIds: memberIds.nullish(),
});

const teamTarget = (team: Team) => ({ type: "team" as const, id: team.id, label: team.name });
const duplicateName = (name: string) =>
  conflict(`A team named "${name}" already exists in this workspace`, "input.name");

/** Team members must be members of the team's workspace (seed 002). */
async function checkMembers(tx: Tx, workspaceId: string, userIds: string[]): Promise<string[]> {
  const unique = [...new Set(userIds)];
  const found = await tx.membership.findMany({
    where: { workspaceId, userId: { in: unique } },
    select: { userId: true },
  });
  const outsiders = unique.filter((id) => !found.some((m) => m.userId === id));
  if (outsiders.length > 0)
    throw badUserInput(`Not members of this workspace: ${outsiders.join(", ")}`, "input.memberIds");
  return unique.sort();
}

async function sameNameExists(tx: Tx, workspaceId: string, name: string, exceptId?: string): Promise<boolean> {
  const found = await tx.team.findFirst({
    where: { workspaceId, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
  });
  return found !== null;
}

async function membersOf(tx: Tx | WorkspaceContext["db"], teamId: string): Promise<string[]> {
  const rows = await tx.teamMember.findMany({ where: { teamId }, orderBy: { userId: "asc" } });
  return rows.map((r) => r.userId);
}

export async function createTeam(args: MutationCreateTeamArgs, ctx: WorkspaceContext): Promise<TeamView> {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "teams:create");
  const parsed = createTeamInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const input = parsed.data;
  try {
    return await ctx.db.$transaction(async (tx) => {
      const ids = await checkMembers(tx, access.workspace.id, input.memberIds ?? []);
      if (await sameNameExists(tx, access.workspace.id, input.name)) throw duplicateName(input.name);
      const team = await tx.team.create({
        data: {
          workspaceId: access.workspace.id,
          name: input.name,
          description: input.description ?? "",
          active: input.active ?? true,
          members: { create: ids.map((userId) => ({ userId })) },
        },
      });
      await publish(
        tx,
        workspaceEvent(
          access.workspace,
          eventActorFrom(ctx.actor),
          "team.created",
          teamTarget(team),
          [
            { field: "name", old: null, new: team.name },
            { field: "description", old: null, new: team.description },
            { field: "active", old: null, new: team.active },
            { field: "memberIds", old: null, new: ids },
          ],
          { teamId: team.id },
        ),
      );
      return { ...team, memberIds: ids };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name);
    throw error;
  }
}

async function loadTeam(ctx: WorkspaceContext, id: string, permission: "teams:update" | "teams:delete") {
  const team = isUuid(id) ? await ctx.db.team.findUnique({ where: { id } }) : null;
  if (!team) throw notFound("Team");
  try {
    return { team, access: await authorize(ctx.db, ctx.actor, team.workspaceId, permission) };
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("Team");
    throw error;
  }
}

export async function updateTeam(args: MutationUpdateTeamArgs, ctx: WorkspaceContext): Promise<TeamView> {
  const { team: loaded, access } = await loadTeam(ctx, args.id, "teams:update");
  const parsed = updateTeamInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const input = parsed.data;
  try {
    return await ctx.db.$transaction(async (tx) => {
      // Re-read under a row lock: two concurrent edits of different fields both stick, and the
      // event's old values are the ones actually replaced.
      await tx.$queryRaw`SELECT id FROM team WHERE id = ${loaded.id}::uuid FOR UPDATE`;
      const before = await tx.team.findUnique({ where: { id: loaded.id } });
      if (!before) throw notFound("Team");
      const beforeIds = await membersOf(tx, before.id);
      const ids = input.memberIds ? await checkMembers(tx, before.workspaceId, input.memberIds) : beforeIds;
      const name = input.name ?? before.name;
      if (name !== before.name && (await sameNameExists(tx, before.workspaceId, name, before.id)))
        throw duplicateName(name);
      const next = {
        name,
        description: input.description ?? before.description,
        active: input.active ?? before.active,
      };
      const changes: FieldChange[] = [
        ...(["name", "description", "active"] as const)
          .filter((field) => next[field] !== before[field])
          .map((field) => ({ field, old: before[field], new: next[field] })),
        ...(JSON.stringify(ids) !== JSON.stringify(beforeIds)
          ? [{ field: "memberIds", old: beforeIds, new: ids }]
          : []),
      ];
      if (changes.length === 0) return { ...before, memberIds: beforeIds };
      const team = await tx.team.update({ where: { id: before.id }, data: next });
      if (input.memberIds) {
        await tx.teamMember.deleteMany({ where: { teamId: team.id } });
        await tx.teamMember.createMany({ data: ids.map((userId) => ({ teamId: team.id, userId })) });
      }
      await publish(
        tx,
        workspaceEvent(access.workspace, eventActorFrom(ctx.actor), "team.updated", teamTarget(team), changes, {
          teamId: team.id,
        }),
      );
      return { ...team, memberIds: ids };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(input.name ?? loaded.name);
    throw error;
  }
}

export async function deleteTeam(args: MutationDeleteTeamArgs, ctx: WorkspaceContext): Promise<string> {
  const { team, access } = await loadTeam(ctx, args.id, "teams:delete");
  return ctx.db.$transaction(async (tx) => {
    const ids = await membersOf(tx, team.id);
    await tx.team.delete({ where: { id: team.id } });
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActorFrom(ctx.actor),
        "team.deleted",
        teamTarget(team),
        [
          { field: "name", old: team.name, new: null },
          { field: "memberIds", old: ids, new: null },
        ],
        { teamId: team.id },
      ),
    );
    return team.id;
  });
}

/** A page of the workspace's teams by name, each with its member ids (one query for the page's). */
export async function listTeams(
  workspaceId: string,
  args: PagingArguments,
  ctx: WorkspaceContext,
): Promise<Page<TeamView>> {
  const access = await ctx.accesses.load(workspaceId);
  if (!access) throw notFound("Workspace");
  requirePermission(access, "teams:list");
  const window = pagingWindow(args, nameIdCursor);
  const { where, orderBy, take } = keyset<Prisma.TeamWhereInput, Prisma.TeamOrderByWithRelationInput[]>(
    window,
    ["name", "id"],
    true,
  );
  const teams = await ctx.db.team.findMany({
    where: { AND: [{ workspaceId }, where] },
    include: { members: { orderBy: { userId: "asc" } } },
    orderBy,
    take,
  });
  const views = teams.map(({ members, ...team }) => ({ ...team, memberIds: members.map((m) => m.userId) }));
  return page(
    views,
    window,
    (team): [string, string] => [team.name, team.id],
    nameIdCursor,
    () => ctx.teamCounts.load(workspaceId),
  );
}

/** A page of a team's members (User references) by id, from the member ids its view holds. */
export function teamMembers(team: TeamView, args: PagingArguments) {
  const members = [...team.memberIds].sort(compareText).map((id) => ({ __typename: "User" as const, id }));
  return pageOf(
    members,
    args,
    idCursor,
    (user): [string] => [user.id],
    (a, b) => compareText(a[0], b[0]),
  );
}

/**
 * Per request: teams by id for `_entities` (a page of tickets names its teams), one query for
 * the whole batch plus one access check for all their workspaces. A team of a workspace the caller
 * cannot see is null, which the reference resolver turns into NOT_FOUND.
 */
export function teamLoader(ctx: Pick<WorkspaceContext, "actor" | "db">): DataLoader<string, TeamView | null> {
  return new DataLoader(async (ids: readonly string[]) => {
    if (ctx.actor.kind === "anonymous") return ids.map(() => null);
    const teams = await ctx.db.team.findMany({ where: { id: { in: ids.filter(isUuid) } } });
    // The members and the caller's access in parallel: two round trips per page of teams, not three.
    const [members, visible] = await Promise.all([
      teams.length
        ? ctx.db.teamMember.findMany({
            where: { teamId: { in: teams.map((t) => t.id) } },
            select: { teamId: true, userId: true },
            orderBy: { userId: "asc" },
          })
        : [],
      loadAccessMany(ctx.db, ctx.actor, [...new Set(teams.map((t) => t.workspaceId))]),
    ]);
    const byId = new Map(
      teams
        .filter((t) => visible.has(t.workspaceId))
        .map((team) => [
          team.id,
          { ...team, memberIds: members.filter((m) => m.teamId === team.id).map((m) => m.userId) },
        ]),
    );
    return ids.map((id) => byId.get(id) ?? null);
  });
}
