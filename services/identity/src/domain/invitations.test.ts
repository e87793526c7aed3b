import { describe, expect, test } from "@jest/globals";
import {
  assertAcceptable,
  hashInvitationToken,
  invitationState,
  invitedOrgRole,
  inviteInputSchema,
  newInvitationToken,
} from "./invitations.js";

const extensionsOf = (run: () => void): { code?: string; reason?: string } | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { extensions?: { code?: string; reason?: string } }).extensions;
  }
};
const codeOf = (run: () => void): string | undefined => extensionsOf(run)?.code;

const WORKSPACE = "6f1c2d4e-8a9b-4c3d-9e0f-1a2b3c4d5e6f";
const valid = {
  firstName: "Grace",
  lastName: "Hopper",
  email: "grace@example.test",
  workspaces: [{ workspaceId: WORKSPACE, role: "MEMBER" }],
};

describe("invitation input", () => {
  test("a well-formed invitation passes", () => {
    expect(inviteInputSchema.safeParse(valid).success).toBe(true);
  });

  test("at least one workspace is required, and the message says so", () => {
    const result = inviteInputSchema.safeParse({ ...valid, workspaces: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("at least one workspace is required");
  });

  test("malformed email, unknown role, repeated workspace and blank names are refused", () => {
    expect(inviteInputSchema.safeParse({ ...valid, email: "not-an-email" }).success).toBe(false);
    expect(
      inviteInputSchema.safeParse({ ...valid, workspaces: [{ workspaceId: WORKSPACE, role: "OWNER" }] }).success,
    ).toBe(false);
    expect(
      inviteInputSchema.safeParse({ ...valid, workspaces: [valid.workspaces[0], valid.workspaces[0]] }).success,
    ).toBe(false);
    expect(inviteInputSchema.safeParse({ ...valid, firstName: "  " }).success).toBe(false);
  });

  test("only org admins give an org role; MEMBER by default", () => {
    expect(invitedOrgRole({ orgRole: "ORG_ADMIN" }, "ORG_ADMIN")).toBe("ORG_ADMIN");
    expect(invitedOrgRole({ orgRole: "MEMBER" }, undefined)).toBe("MEMBER");
    expect(invitedOrgRole({ orgRole: "MEMBER" }, "MEMBER")).toBe("MEMBER");
    expect(codeOf(() => invitedOrgRole({ orgRole: "MEMBER" }, "ORG_ADMIN"))).toBe("FORBIDDEN");
  });
});

describe("acceptance", () => {
  const now = new Date("2026-01-10T00:00:00Z");
  const later = new Date("2026-01-17T00:00:00Z");
  const earlier = new Date("2026-01-09T00:00:00Z");

  test("a pending, unexpired invitation can be accepted", () => {
    expect(codeOf(() => assertAcceptable({ status: "PENDING", expiresAt: later }, now))).toBeUndefined();
  });

  test("expired, used, revoked and unknown tokens each have their own answer", () => {
    expect(extensionsOf(() => assertAcceptable({ status: "PENDING", expiresAt: earlier }, now))).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "INVITATION_EXPIRED",
    });
    expect(extensionsOf(() => assertAcceptable({ status: "ACCEPTED", expiresAt: later }, now))).toMatchObject({
      code: "CONFLICT",
      reason: "INVITATION_ACCEPTED",
    });
    expect(extensionsOf(() => assertAcceptable({ status: "REVOKED", expiresAt: later }, now))).toMatchObject({
      code: "CONFLICT",
      reason: "INVITATION_REVOKED",
    });
    expect(extensionsOf(() => assertAcceptable(null, now))).toMatchObject({
      code: "NOT_FOUND",
      reason: "INVITATION_UNKNOWN",
    });
  });

  test("EXPIRED is derived from a pending invitation's expiry", () => {
    expect(invitationState({ status: "PENDING", expiresAt: earlier }, now)).toBe("EXPIRED");
    expect(invitationState({ status: "PENDING", expiresAt: later }, now)).toBe("PENDING");
    expect(invitationState({ status: "REVOKED", expiresAt: earlier }, now)).toBe("REVOKED");
  });

  test("tokens are random, prefixed, and stored only as a hash", () => {
    const token = newInvitationToken();
    expect(token).toMatch(/^inv_[\w-]{40,}$/);
    expect(newInvitationToken()).not.toBe(token);
    expect(hashInvitationToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashInvitationToken(token)).not.toContain(token);
  });
});
