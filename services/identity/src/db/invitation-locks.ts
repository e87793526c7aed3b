import type { Db, Tx } from "./client.js";

/**
 * The class id of the transaction-level advisory lock an inviteUser holds on its invitation id
 * from before the workspace service reserves its seats until the invitation commits (two-key
 * form: apart from single-key locks, the outbox's 2003 and the relay leader's 2002).
 */
const INVITATION_LOCK_CLASS = 2004;

/** Taken by inviteUser in its transaction; released when that commits, rolls back or its connection dies. */
export async function lockInvitation(tx: Tx, invitationId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${INVITATION_LOCK_CLASS}::int, hashtext(${invitationId}))`;
}

/**
 * Which of `invitationIds` hold their seats: recorded in the organisation and not revoked, or
 * still being recorded (their lock is held). The others' seat reservations were left by an
 * inviteUser that died after reserving, or belong to a revoked invitation whose invitation.revoked
 * the workspace service has not consumed yet (a broker outage): both may be given back at once.
 * Two statements, in this order: a lock taken here to look is held until this transaction ends,
 * so an inviteUser that held it has committed or rolled back before the second statement's
 * snapshot is taken (read committed), and its invitation is seen. In one statement the snapshot
 * predates the lock test, and an invitation committing in between looked neither recorded nor
 * in flight (CI: concurrent invitations took one seat more than the workspace has).
 */
export async function recordedOrInFlight(
  db: Db,
  organisationId: string,
  invitationIds: readonly string[],
): Promise<string[]> {
  return db.$transaction(async (tx) => {
    const inFlight = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT candidate::text AS id
      FROM unnest(${[...invitationIds]}::uuid[]) AS candidate
      WHERE NOT pg_try_advisory_xact_lock(${INVITATION_LOCK_CLASS}::int, hashtext(candidate::text))`;
    const recorded = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM invitation
      WHERE id = ANY(${[...invitationIds]}::uuid[]) AND organisation_id = ${organisationId}::uuid AND status <> 'REVOKED'`;
    return [...new Set([...inFlight, ...recorded].map((row) => row.id))];
  });
}
