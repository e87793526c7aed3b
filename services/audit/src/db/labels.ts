import type pg from "pg";
import { isUuid } from "@support/validation";

/**
 * Names to show for ids the log holds bare: a user acting (entries store a user actor without a
 * label), a billing account or workspace entry written without one, and ids inside `changes`
 * (an assignee, a new owner). Read from the log itself, at display time, never stored: the
 * newest label the log has for the object — people from `user.*` entries (identity's events carry
 * their names) and `member.*` entries, workspaces, teams, roles, API keys (prefix) from theirs.
 * Tickets and ticket fields are never looked up, so redaction (docs/adr/0013) cannot leak through
 * a label. The chained columns are untouched: the hash chain does not change (docs/adr/0008).
 *
 * Two index range reads (workspace_id, target_type, target_id, …): the workspace's own entries and
 * its organisation's entries about users.
 */
const WORKSPACE_LABELLED = ["member", "workspace", "team", "role", "api_key", "join_request"];

export async function labelsOf(
  pool: pg.Pool,
  scope: { workspaceId: string; organisationId: string },
  ids: ReadonlySet<string>,
): Promise<Map<string, string>> {
  const wanted = [...ids].filter(isUuid);
  if (wanted.length === 0) return new Map();
  const { rows } = await pool.query<{ target_id: string; target_label: string }>(
    `SELECT DISTINCT ON (target_id) target_id, target_label FROM (
        SELECT target_id, target_label, seq FROM activity_entry
         WHERE workspace_id = $1::uuid AND target_type = ANY($3::text[]) AND target_id = ANY($4::text[])
           AND target_label IS NOT NULL
        UNION ALL
        SELECT target_id, target_label, seq FROM activity_entry
         WHERE workspace_id IS NULL AND target_type = 'user' AND target_id = ANY($4::text[])
           AND organisation_id = $2::uuid AND target_label IS NOT NULL
      ) AS labelled
      ORDER BY target_id, seq DESC`,
    [scope.workspaceId, scope.organisationId, WORKSPACE_LABELLED, wanted],
  );
  return new Map(rows.map((row) => [row.target_id, row.target_label]));
}
