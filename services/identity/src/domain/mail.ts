/**
 * What identity's mail says (docs/adr/0016). Plain text only: no HTML to escape, nothing a mail
 * client runs. Every piece of text from people (names, ticket titles) is validated where it was
 * written; subjects are still folded onto one line here, as a header must be.
 */

export interface MailContent {
  subject: string;
  text: string;
}

/** One line, at most `max` characters: a subject is a header. */
export function subjectLine(value: string, max = 180): string {
  // Control characters (line breaks above all) would end the header; the rest is kept.
  // eslint-disable-next-line no-control-regex
  const line = value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `${appBaseUrl}/accept-invitation?token=…`: the app's page that calls acceptInvitation. */
export function acceptInvitationLink(appBaseUrl: string, token: string): string {
  return `${appBaseUrl}/accept-invitation?token=${encodeURIComponent(token)}`;
}

const when = (instant: Date): string => `${instant.toISOString().slice(0, 16).replace("T", " ")} UTC`;

export function invitationMail(input: {
  appBaseUrl: string;
  token: string;
  inviteeFirstName: string;
  inviterName: string | null;
  organisationName: string;
  expiresAt: Date;
}): MailContent {
  const who = input.inviterName ? `${input.inviterName} invited you` : "You are invited";
  return {
    subject: subjectLine(`${who} to join ${input.organisationName}`),
    text: [
      `Hello ${input.inviteeFirstName},`,
      "",
      `${who} to join ${input.organisationName}.`,
      "",
      `Accept the invitation and choose your password (the link works until ${when(input.expiresAt)}):`,
      acceptInvitationLink(input.appBaseUrl, input.token),
      "",
      "Or enter this invitation token in the app:",
      input.token,
      "",
      "If you did not expect this invitation, ignore this mail: nothing happens without you.",
      "",
    ].join("\n"),
  };
}

/** `${appBaseUrl}/reset-password?token=…`: the app's page that calls resetPassword. */
export function resetPasswordLink(appBaseUrl: string, token: string): string {
  return `${appBaseUrl}/reset-password?token=${encodeURIComponent(token)}`;
}

export function passwordResetMail(input: {
  appBaseUrl: string;
  token: string;
  firstName: string;
  expiresAt: Date;
}): MailContent {
  return {
    subject: "Reset your password",
    text: [
      `Hello ${input.firstName},`,
      "",
      `Someone asked to reset the password of your account. Choose a new one here (the link works once, until ${when(input.expiresAt)}):`,
      resetPasswordLink(input.appBaseUrl, input.token),
      "",
      "Or enter this reset token in the app:",
      input.token,
      "",
      "Setting a new password signs you out everywhere. If you did not ask for this, ignore this mail: your password stays as it is.",
      "",
    ].join("\n"),
  };
}

export type TicketNotificationKind = "SLA_WARNING" | "SLA_BREACHED" | "TICKET_ASSIGNED";

export function ticketNotificationMail(input: {
  appBaseUrl: string;
  recipientFirstName: string;
  kind: TicketNotificationKind;
  workspaceId: string | null;
  ticketId: string;
  number: number;
  title: string;
  dueAt: string | null;
}): MailContent {
  const ticket = `#${input.number} ${input.title}`;
  const due = input.dueAt && !Number.isNaN(Date.parse(input.dueAt)) ? when(new Date(input.dueAt)) : null;
  const { subject, line } = {
    SLA_WARNING: {
      subject: `Ticket ${ticket} is close to its SLA`,
      line: `Ticket ${ticket} is close to its SLA${due ? `: it is due at ${due}` : ""}.`,
    },
    SLA_BREACHED: {
      subject: `Ticket ${ticket} breached its SLA`,
      line: `Ticket ${ticket} breached its SLA${due ? `: it was due at ${due}` : ""}.`,
    },
    TICKET_ASSIGNED: {
      subject: `Ticket ${ticket} was assigned to you`,
      line: `Ticket ${ticket} was assigned to you.`,
    },
  }[input.kind];
  const link = input.workspaceId
    ? `${input.appBaseUrl}/workspaces/${input.workspaceId}/tickets/${input.ticketId}`
    : `${input.appBaseUrl}/tickets/${input.ticketId}`;
  return {
    subject: subjectLine(subject),
    text: [`Hello ${input.recipientFirstName},`, "", line, "", link, ""].join("\n"),
  };
}
