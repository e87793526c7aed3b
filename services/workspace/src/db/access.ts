import type { PageWindow } from "@support/validation";
import type { MembershipFacts } from "../domain/access.js";
import { selectColumns, type SqlReader } from "@support/service-kit";
import { queryFixed } from "@support/events";
import type { Db, Tx } from "./client.js";
import { Prisma, type Workspace } from "./generated/client.js";

/**
 * Every column of a workspace row by its field: a field added to the model fails the type check
 * until it is read here too, so the raw statement below answers whole `Workspace` rows.
 */
const WORKSPACE_COLUMNS: Record<keyof Workspace, string> = {
  id: "id::text",
  organisationId: "organisation_id::text",
  name: "name",
  membersCanSeeAllAnalytics: "members_can_see_all_analytics",
  membersCanManageExcludedChats: "members_can_manage_excluded_chats",
  membersCanExportData: "members_can_export_data",
  sharedBroadcastTemplates: "shared_broadcast_templates",
  ticketsEnabled: "tickets_enabled",
  membersCanCreateTickets: "members_can_create_tickets",
  membersCanEditTickets: "members_can_edit_tickets",
  membersCanDeleteTickets: "members_can_delete_tickets",
  messageAttribution: "message_attribution",
  plan: "plan::text",
  seats: "seats",
  billingVersion: "billing_version",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

const WORKSPACE_SELECT = Prisma.raw(selectColumns(WORKSPACE_COLUMNS, "w"));

interface StandingRow extends Workspace {
  memberRole: MembershipFacts["role"] | null;
  memberGranted: string[] | null;
  memberDenied: string[] | null;
  customRoleId: string | null;
  customRoleName: string | null;
  customRolePermissions: string[] | null;
  customRoleTicketAccess: NonNullable<MembershipFacts["customRole"]>["ticketAccess"] | null;
  teamIds: string[] | null;
}

/** A workspace asked about, the user's membership of it (with its custom role) and their active teams there. */
export interface WorkspaceStanding {
  workspace: Workspace;
  membership: MembershipFacts | null;
  /** Only when asked for (`withTeams`); empty otherwise, and for an API key. */
  teamIds: string[];
}

/**
 * The standing rows `where` selects: each workspace with the user's membership of it (with its
 * custom role; none for an API key, `userId` null) and, when asked, the user's active teams there.
 * On node-postgres for the hot reads (the service's `TransactionPool`), in a Prisma transaction
 * for a mutation's checks: the same one raw statement either way (docs/adr/0025).
 */
async function standingRows(
  reader: SqlReader,
  userId: string | null,
  withTeams: boolean,
  where: Prisma.Sql,
  preparedAs?: string,
): Promise<WorkspaceStanding[]> {
  // Whether the text reads the user's teams: with `where`, what fixes the statement's text.
  const readsTeams = withTeams && userId !== null;
  const teams = readsTeams
    ? Prisma.sql`ARRAY(SELECT tm.team_id::text FROM team_member tm JOIN team t ON t.id = tm.team_id
                          WHERE tm.user_id = ${userId}::uuid AND t.workspace_id = w.id AND t.active)`
    : Prisma.sql`NULL::text[]`;
  const statement = Prisma.sql`
    SELECT ${WORKSPACE_SELECT},
           m.role::text AS "memberRole", m.granted AS "memberGranted", m.denied AS "memberDenied",
           cr.id::text AS "customRoleId", cr.name AS "customRoleName", cr.permissions AS "customRolePermissions",
           cr.ticket_access::text AS "customRoleTicketAccess",
           ${teams} AS "teamIds"
      FROM workspace w
      LEFT JOIN membership m ON m.workspace_id = w.id AND m.user_id = ${userId}::uuid
      LEFT JOIN custom_role cr ON cr.id = m.custom_role_id
     ${where}`;
  // Prisma.sql composes the statement and numbers its parameters; any SqlReader runs it. Prepared
  // when the caller names it (a fixed text: every request's permission check, ADR 0033).
  const rows = preparedAs
    ? await queryFixed<StandingRow>(
        reader,
        `${preparedAs}${readsTeams ? "_teams" : ""}`,
        statement.text,
        statement.values,
      )
    : await reader.$queryRawUnsafe<StandingRow[]>(statement.text, ...statement.values);
  return rows.map((row) => {
    const {
      memberRole,
      memberGranted,
      memberDenied,
      customRoleId,
      customRoleName,
      customRolePermissions,
      customRoleTicketAccess,
      teamIds,
      ...workspace
    } = row;
    const customRole =
      customRoleId !== null &&
      customRoleName !== null &&
      customRolePermissions !== null &&
      customRoleTicketAccess !== null
        ? {
            id: customRoleId,
            name: customRoleName,
            permissions: customRolePermissions,
            ticketAccess: customRoleTicketAccess,
          }
        : null;
    return {
      workspace,
      membership:
        memberRole === null
          ? null
          : { role: memberRole, customRole, granted: memberGranted ?? [], denied: memberDenied ?? [] },
      teamIds: teamIds ?? [],
    };
  });
}

/**
 * What a caller's standing in workspaces is computed from, in one statement whatever their
 * number (`standingRows`). The permission check of every request and of every other subgraph's
 * lookup runs it, so it is one raw statement rather than the three an ORM include makes
 * (issue 25: the workspace service's CPU).
 */
export async function workspaceStandings(
  reader: SqlReader,
  userId: string | null,
  workspaceIds: readonly string[],
  withTeams = false,
): Promise<WorkspaceStanding[]> {
  if (workspaceIds.length === 0) return [];
  return standingRows(
    reader,
    userId,
    withTeams,
    Prisma.sql`WHERE w.id = ANY(${[...workspaceIds]}::uuid[])`,
    "workspace_standings",
  );
}

/**
 * A keyset window of the workspaces `visible` selects, by name then id, `size + 1` rows beyond the
 * cursor's key in reading order, each with `userId`'s standing: `workspaces { myPermissions }`
 * reads the page and the caller's permissions on it in this one statement.
 */
export function standingsWindow(
  reader: SqlReader,
  userId: string | null,
  visible: Prisma.Sql,
  window: PageWindow<readonly [string, string]>,
): Promise<WorkspaceStanding[]> {
  const forward = !window.backward;
  const beyond =
    window.from === null
      ? Prisma.empty
      : Prisma.sql`AND (w.name, w.id) ${Prisma.raw(forward ? ">" : "<")} (${window.from[0]}, ${window.from[1]}::uuid)`;
  const direction = Prisma.raw(forward ? "ASC" : "DESC");
  return standingRows(
    reader,
    userId,
    false,
    Prisma.sql`WHERE ${visible} ${beyond} ORDER BY w.name ${direction}, w.id ${direction} LIMIT ${window.size + 1}`,
  );
}

/** A member's stored standing with their custom role, or null. */
export const membershipWithRole = (db: Db | Tx, workspaceId: string, userId: string) =>
  db.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } }, include: { customRole: true } });
