import { describe, expect, test } from "@jest/globals";
import { activeAdminsAfter, assertKeepsAnAdmin, assertNotSelf, assertOrgAdmin, type OrgPerson } from "./people.js";

const admin = (id: string, status: OrgPerson["status"] = "ACTIVE"): OrgPerson => ({ id, orgRole: "ORG_ADMIN", status });
const member = (id: string): OrgPerson => ({ id, orgRole: "MEMBER", status: "ACTIVE" });

const codeOf = (run: () => void): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe("the organisation keeps an org admin", () => {
  test("demoting, disabling or deleting the last active admin is a CONFLICT", () => {
    const people = [admin("a"), member("m")];
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "a", orgRole: "MEMBER" }))).toBe("CONFLICT");
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "a", status: "SUSPENDED" }))).toBe("CONFLICT");
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "a", deleted: true }))).toBe("CONFLICT");
  });

  test("with another active admin the change is allowed", () => {
    const people = [admin("a"), admin("b"), member("m")];
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "a", orgRole: "MEMBER" }))).toBeUndefined();
    expect(activeAdminsAfter(people, { userId: "a", deleted: true })).toBe(1);
  });

  test("a disabled admin does not count as the remaining one", () => {
    const people = [admin("a"), admin("b", "DISABLED")];
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "a", orgRole: "MEMBER" }))).toBe("CONFLICT");
  });

  test("changes that do not remove an admin are always allowed", () => {
    const people = [admin("a"), member("m")];
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "m", orgRole: "ORG_ADMIN" }))).toBeUndefined();
    expect(codeOf(() => assertKeepsAnAdmin(people, { userId: "m", deleted: true }))).toBeUndefined();
  });
});

describe("who may change people", () => {
  test("nobody changes themselves", () => {
    expect(codeOf(() => assertNotSelf("a", "a", "delete"))).toBe("FORBIDDEN");
    expect(codeOf(() => assertNotSelf("a", "b", "delete"))).toBeUndefined();
  });

  test("only org admins", () => {
    expect(codeOf(() => assertOrgAdmin({ orgRole: "MEMBER" }, "delete users"))).toBe("FORBIDDEN");
    expect(codeOf(() => assertOrgAdmin({ orgRole: "ORG_ADMIN" }, "delete users"))).toBeUndefined();
  });
});
