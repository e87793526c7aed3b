import { describe, expect, test } from "@jest/globals";
import { AppError } from "@support/errors";
import {
  assertCanChangeRole,
  assertCanEditOverrides,
  assertCanRemove,
  assertCanTransfer,
  assertExactlyOneOwner,
  assertMayGive,
  assertMayManage,
  assertSeatsFor,
  assertWithinOwn,
  assignableRole,
  managerOf,
} from "./members.js";
import { builtInRolePermissions } from "@support/permissions";
import type { Actor } from "@support/actor-context";
import { grantablePermissions, knownPermissions, parseOverrides } from "./permission-input.js";
import { apiKeyMatches, hashApiKey, newApiKey, newKeyPrefix, parseApiKey } from "./api-keys.js";

const owner = { userId: "owner", role: "OWNER" as const };
const admin = { userId: "admin", role: "ADMIN" as const };
const member = { userId: "member", role: "MEMBER" as const };

function codeOf(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof AppError ? error.code : "THROWN";
  }
}

describe("member invariants", () => {
  test.each([
    ["an admin changes a member's role", admin.userId, member, null],
    ["nobody changes their own role", admin.userId, admin, "FORBIDDEN"],
    ["the owner's role is not changeable", admin.userId, owner, "FORBIDDEN"],
    ["not even by an org admin who is not a member", null, owner, "FORBIDDEN"],
  ])("%s", (_, actor, target, code) => {
    expect(codeOf(() => assertCanChangeRole(actor, target))).toBe(code);
  });

  test.each([
    ["an admin removes a member", admin.userId, member, null],
    ["nobody removes themselves", member.userId, member, "FORBIDDEN"],
    ["the owner cannot be removed", admin.userId, owner, "FORBIDDEN"],
  ])("%s", (_, actor, target, code) => {
    expect(codeOf(() => assertCanRemove(actor, target))).toBe(code);
  });

  test("overrides: never one's own, never the owner's, the whole batch refused", () => {
    expect(codeOf(() => assertCanEditOverrides(owner.userId, [admin, member]))).toBeNull();
    expect(codeOf(() => assertCanEditOverrides(admin.userId, [member, admin]))).toBe("FORBIDDEN");
    expect(codeOf(() => assertCanEditOverrides(admin.userId, [member, owner]))).toBe("FORBIDDEN");
  });

  test("ownership moves only from the owner, to someone else", () => {
    expect(codeOf(() => assertCanTransfer(owner.userId, owner, admin))).toBeNull();
    expect(codeOf(() => assertCanTransfer(admin.userId, owner, admin))).toBe("FORBIDDEN");
    expect(codeOf(() => assertCanTransfer(owner.userId, owner, owner))).toBe("BAD_USER_INPUT");
  });

  test("exactly one owner", () => {
    expect(codeOf(() => assertExactlyOneOwner([owner, admin]))).toBeNull();
    expect(codeOf(() => assertExactlyOneOwner([admin]))).toBe("THROWN");
    expect(codeOf(() => assertExactlyOneOwner([owner, { ...admin, role: "OWNER" }]))).toBe("THROWN");
  });

  test("assignable roles: every built-in role but OWNER, or a custom role", () => {
    expect(assignableRole("ADMIN", null)).toEqual({ role: "ADMIN", customRoleId: null });
    for (const role of ["SUPERVISOR", "AGENT", "SUPPORT", "MEMBER"]) {
      expect(assignableRole(role, null)).toEqual({ role, customRoleId: null });
    }
    expect(codeOf(() => assignableRole("CUSTOM", null))).toBe("BAD_USER_INPUT");
    expect(assignableRole(null, "r1")).toEqual({ role: "CUSTOM", customRoleId: "r1" });
    expect(codeOf(() => assignableRole("OWNER", null))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => assignableRole("ADMIN", "r1"))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => assignableRole(null, null))).toBe("BAD_USER_INPUT");
  });

  test.each([
    [3, 2, 0, null],
    [3, 3, 0, "PLAN_LIMIT"],
    [3, 2, 1, "PLAN_LIMIT"],
    [5, 2, 2, null],
  ])("seats %d with %d members and %d pending invitations: one more is %s", (seats, members, pending, code) => {
    expect(codeOf(() => assertSeatsFor(1, { seats, members, pendingInvitations: pending }))).toBe(code);
  });

  test("the seat refusal names the workspace when given and the seat count", () => {
    expect(() => assertSeatsFor(1, { seats: 3, members: 2, pendingInvitations: 1 }, "Support")).toThrow(
      /workspace "Support" has 3 seats, used by 2 members and 1 pending invitations/,
    );
  });
});

describe("who manages whom (preset roles)", () => {
  const person = (orgRole: "ORG_ADMIN" | "MEMBER"): Actor => ({
    kind: "user",
    userId: "actor",
    organisationId: "org",
    orgRole,
    sessionId: "session",
  });
  const supervisor = managerOf(person("MEMBER"), {
    membership: { role: "SUPERVISOR" },
    permissions: builtInRolePermissions("SUPERVISOR"),
  });
  const admin = managerOf(person("MEMBER"), { membership: { role: "ADMIN" }, permissions: [] });
  const orgAdminSupervisor = managerOf(person("ORG_ADMIN"), { membership: { role: "SUPERVISOR" }, permissions: [] });
  const target = (role: "OWNER" | "ADMIN" | "SUPERVISOR" | "AGENT" | "SUPPORT" | "MEMBER" | "CUSTOM") => ({
    userId: "t",
    role,
  });

  test("owners, admins, org admins and API keys are administrators; a supervisor is not", () => {
    expect(admin.administrator).toBe(true);
    expect(orgAdminSupervisor.administrator).toBe(true);
    expect(
      managerOf(
        { kind: "apiKey", apiKeyId: "k", prefix: "p", workspaceId: "w", organisationId: "o", permissions: [] },
        {
          membership: null,
          permissions: [],
        },
      ).administrator,
    ).toBe(true);
    expect(supervisor.administrator).toBe(false);
  });

  test.each([
    ["OWNER", "FORBIDDEN"],
    ["ADMIN", "FORBIDDEN"],
    ["SUPERVISOR", "FORBIDDEN"],
    ["AGENT", null],
    ["SUPPORT", null],
    ["MEMBER", null],
    ["CUSTOM", null],
  ] as const)("a supervisor changing or removing a %s: %s", (role, code) => {
    expect(codeOf(() => assertMayManage(supervisor, [target("MEMBER"), target(role)]))).toBe(code);
    expect(codeOf(() => assertMayManage(admin, [target(role)]))).toBeNull();
  });

  test.each([
    ["ADMIN", "FORBIDDEN"],
    ["SUPERVISOR", "FORBIDDEN"],
    ["AGENT", null],
    ["SUPPORT", null],
    ["MEMBER", null],
  ] as const)("a supervisor giving %s: %s", (role, code) => {
    expect(codeOf(() => assertMayGive(supervisor, { role, customRoleId: null }, null))).toBe(code);
    expect(codeOf(() => assertMayGive(orgAdminSupervisor, { role, customRoleId: null }, null))).toBeNull();
  });

  test("a supervisor gives only custom roles and grants within their own permissions (no billing)", () => {
    const custom = { role: "CUSTOM" as const, customRoleId: "r" };
    expect(codeOf(() => assertMayGive(supervisor, custom, ["tickets:list", "members:update"]))).toBeNull();
    expect(codeOf(() => assertMayGive(supervisor, custom, ["billing:view"]))).toBe("FORBIDDEN");
    expect(() => assertWithinOwn(supervisor, ["teams:list", "billing:view"], "grant")).toThrow(/billing:view/);
    expect(codeOf(() => assertWithinOwn(admin, ["billing:view"], "grant"))).toBeNull();
  });
});

describe("permission input", () => {
  test("unknown permissions are named", () => {
    expect(() => knownPermissions(["tickets:list", "x:y"], "p")).toThrow(/x:y/);
  });

  test("role and key permissions are closed under prerequisites and never owner-only", () => {
    expect(grantablePermissions(["tickets:assign"], "p", "a role")).toEqual(["tickets:list", "tickets:assign"]);
    expect(() => grantablePermissions(["api_keys:list"], "p", "a role")).toThrow(/Owner-only/);
  });

  test("overrides: grants closed, owner-only refused, grant and deny exclusive", () => {
    expect(parseOverrides(["teams:create"], ["tickets:delete"])).toEqual({
      granted: ["teams:list", "teams:create"],
      denied: ["tickets:delete"],
    });
    expect(codeOf(() => parseOverrides(["billing:manage"], []))).toBe("BAD_USER_INPUT");
    expect(codeOf(() => parseOverrides(["teams:create"], ["teams:list"]))).toBe("BAD_USER_INPUT");
  });
});

describe("API key format", () => {
  test("sk_<prefix>_<secret>; only the hash is compared", () => {
    const prefix = newKeyPrefix();
    const { key, hash } = newApiKey(prefix);
    expect(key).toMatch(new RegExp(`^sk_${prefix}_`));
    expect(parseApiKey(key)).toEqual({ prefix });
    expect(hash).toBe(hashApiKey(key));
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(`${key}x`, hash)).toBe(false);
    expect(parseApiKey("sess_abc")).toBeNull();
    expect(parseApiKey(`sk_${prefix}_short`)).toBeNull();
  });
});
