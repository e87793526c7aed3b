import type { IdentityConfig } from "../config.js";
import type { Tx } from "../db/client.js";
import type { Invitation } from "../db/generated/client.js";
import { invitationMail } from "../domain/mail.js";
import { enqueueMail } from "./outbox.js";

/**
 * The invitation's mail, with its token, in the transaction that stores the token's hash: the
 * invitee's mailbox is the only place the token goes (docs/adr/0016). One mail per token: the
 * dedupe key names the invitation and its token's hash.
 */
export async function enqueueInvitationMail(
  tx: Tx,
  config: Pick<IdentityConfig, "APP_BASE_URL">,
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
      appBaseUrl: config.APP_BASE_URL,
      token,
      inviteeFirstName: invitation.firstName,
      inviterName: inviter ? `${inviter.firstName} ${inviter.lastName}` : null,
      organisationName: organisation.name,
      expiresAt: invitation.expiresAt,
    }),
  });
}
