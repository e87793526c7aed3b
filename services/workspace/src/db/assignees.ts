import type { Db } from "./client.js";

/** Which of the users are members of the workspace. */
export async function membersAmong(db: Db, workspaceId: string, userIds: string[]): Promise<string[]> {
  if (!userIds.length) return [];
  const members = await db.membership.findMany({
    where: { workspaceId, userId: { in: userIds } },
    select: { userId: true },
  });
  return members.map((m) => m.userId);
}

/** Which of the teams are active teams of the workspace. */
export async function activeTeams(db: Db, workspaceId: string, teamIds: string[]): Promise<string[]> {
  if (!teamIds.length) return [];
  const teams = await db.team.findMany({
    where: { workspaceId, id: { in: teamIds }, active: true },
    select: { id: true },
  });
  return teams.map((t) => t.id);
}

/** Members (by email, those the person copy knows one of) and active teams (by name) of a workspace. */
export async function workspaceDirectory(db: Db, workspaceId: string) {
  const [members, teams] = await Promise.all([
    db.membership.findMany({ where: { workspaceId }, select: { userId: true } }),
    db.team.findMany({ where: { workspaceId, active: true }, select: { id: true, name: true } }),
  ]);
  const people = await db.person.findMany({
    where: { userId: { in: members.map((m) => m.userId) }, deletedAt: null },
    select: { userId: true, email: true },
  });
  return {
    members: people.filter((p) => p.email).map((p) => ({ userId: p.userId, email: p.email })),
    activeTeams: teams,
  };
}
