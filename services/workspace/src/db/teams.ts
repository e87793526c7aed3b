import { badUserInput } from "@support/errors";
import { isUuid, type PagingArguments } from "@support/validation";
import { nameIdCursor, type Page } from "../domain/pages.js";
import type { Db, Tx } from "./client.js";
import type { Prisma, Team } from "./generated/client.js";
import { readPage } from "./pages.js";

/** A team with its members' ids, sorted. */
export type TeamView = Team & { memberIds: string[] };

export interface TeamFields {
  name: string;
  description: string;
  active: boolean;
}

/** Team members must be members of the team's workspace (seed 002). Answers them unique and sorted. */
export async function checkTeamMembers(tx: Tx, workspaceId: string, userIds: string[]): Promise<string[]> {
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

/** Whether another team of the workspace has this name, whatever its case. */
export async function teamNameTaken(tx: Tx, workspaceId: string, name: string, exceptId?: string) {
  const found = await tx.team.findFirst({
    where: { workspaceId, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
  });
  return found !== null;
}

export async function teamMemberIds(db: Db | Tx, teamId: string): Promise<string[]> {
  const rows = await db.teamMember.findMany({ where: { teamId }, orderBy: { userId: "asc" } });
  return rows.map((r) => r.userId);
}

/** A team by id; null for a missing one and for what is not an id. */
export const findTeam = async (db: Db | Tx, id: string) => (isUuid(id) ? db.team.findUnique({ where: { id } }) : null);

/** A team read again under its row lock (two edits of different fields both stick), null once it is gone. */
export async function lockedTeam(tx: Tx, id: string): Promise<Team | null> {
  await tx.$queryRaw`SELECT id FROM team WHERE id = ${id}::uuid FOR UPDATE`;
  return findTeam(tx, id);
}

export const createTeamRow = (tx: Tx, workspaceId: string, fields: TeamFields, memberIds: string[]) =>
  tx.team.create({ data: { workspaceId, ...fields, members: { create: memberIds.map((userId) => ({ userId })) } } });

/** Writes a team's fields, and its member list when one is given. */
export async function updateTeamRow(tx: Tx, id: string, fields: TeamFields, memberIds: string[] | null) {
  const team = await tx.team.update({ where: { id }, data: fields });
  if (memberIds) {
    await tx.teamMember.deleteMany({ where: { teamId: id } });
    await tx.teamMember.createMany({ data: memberIds.map((userId) => ({ teamId: id, userId })) });
  }
  return team;
}

export const deleteTeamRow = (tx: Tx, id: string) => tx.team.delete({ where: { id } });

/** A page of the workspace's teams by name, each with its member ids (one query for the page's). */
export async function teamsPage(
  db: Db,
  workspaceId: string,
  args: PagingArguments,
  totalCount: () => Promise<number>,
): Promise<Page<TeamView>> {
  return readPage<TeamView, Prisma.TeamWhereInput, Prisma.TeamOrderByWithRelationInput[]>(
    args,
    nameIdCursor,
    { columns: ["name", "id"], ascending: true, keyOf: (team) => [team.name, team.id] },
    async ({ where, orderBy, take }) => {
      const teams = await db.team.findMany({
        where: { AND: [{ workspaceId }, where] },
        include: { members: { orderBy: { userId: "asc" } } },
        orderBy,
        take,
      });
      return teams.map(({ members, ...team }) => ({ memberIds: members.map((m) => m.userId), ...team }));
    },
    totalCount,
  );
}

/** Teams by id (what is not an id is simply not found). */
export const teamsByIds = (db: Db, ids: readonly string[]) =>
  db.team.findMany({ where: { id: { in: ids.filter(isUuid) } } });

/** The member ids of each team, one query for all of them. */
export async function memberIdsOfTeams(db: Db, teams: readonly Team[]): Promise<Map<string, string[]>> {
  const members = teams.length
    ? await db.teamMember.findMany({
        where: { teamId: { in: teams.map((t) => t.id) } },
        select: { teamId: true, userId: true },
        orderBy: { userId: "asc" },
      })
    : [];
  return new Map(teams.map((team) => [team.id, members.filter((m) => m.teamId === team.id).map((m) => m.userId)]));
}
