import { describe, expect, test } from "@jest/globals";
import { acceptInvitationLink, invitationMail, subjectLine, ticketNotificationMail } from "./mail.js";

describe("mail content", () => {
  test("a subject is one line: line breaks (header injection) and control characters fold to spaces; long ones are cut", () => {
    expect(subjectLine("Printer\r\nBcc: everyone@example.test")).toBe("Printer Bcc: everyone@example.test");
    expect(subjectLine("a\u2028b\u0000c")).toBe("a b c");
    const long = subjectLine("x".repeat(500));
    expect(long).toHaveLength(180);
    expect(long.endsWith("…")).toBe(true);
  });

  test("the invitation mail carries the link and the token as text", () => {
    const token = "inv_abc-DEF_123";
    const mail = invitationMail({
      appBaseUrl: "https://app.example.test",
      token,
      inviteeFirstName: "Ivy",
      inviterName: "Ada Lovelace",
      organisationName: "Acme",
      expiresAt: new Date("2026-12-10T20:00:00Z"),
    });
    expect(mail.subject).toBe("Ada Lovelace invited you to join Acme");
    expect(mail.text).toContain(acceptInvitationLink("https://app.example.test", token));
    expect(mail.text).toContain("https://app.example.test/accept-invitation?token=inv_abc-DEF_123");
    expect(mail.text.split("\n")).toContain(token);
    expect(mail.text).toContain("2026-12-10 20:00 UTC");
  });

  test("a ticket notification names the ticket; a title with line breaks stays out of the headers", () => {
    const mail = ticketNotificationMail({
      appBaseUrl: "https://app.example.test",
      recipientFirstName: "Ada",
      kind: "SLA_WARNING",
      workspaceId: "w1",
      ticketId: "t1",
      number: 7,
      title: "Down\r\nX-Evil: 1",
      dueAt: "2026-12-03T21:00:00.000Z",
    });
    expect(mail.subject).toBe("Ticket #7 Down X-Evil: 1 is close to its SLA");
    expect(mail.text).toContain("it is due at 2026-12-03 21:00 UTC");
    expect(mail.text).toContain("https://app.example.test/workspaces/w1/tickets/t1");
  });
});
