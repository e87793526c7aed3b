import { describe, expect, test } from "@jest/globals";
import { isDatabaseUnavailable } from "./unavailable.js";

describe("isDatabaseUnavailable", () => {
  test("recognises a terminated connection as Prisma reports it, and the pg driver's own errors", () => {
    const prisma = Object.assign(
      new Error(
        "Invalid `tx.invitation.create()` invocation\nDatabase error. Code: `57P01`. Message: `terminating connection due to administrator command`",
      ),
      { code: "P2010" },
    );
    expect(isDatabaseUnavailable(prisma)).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("pool"), { code: "P2024" }))).toBe(true);
    expect(
      isDatabaseUnavailable(new Error("wrapped", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })),
    ).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("cannot connect now"), { code: "57P03" }))).toBe(true);
    // node-postgres's pool when every connection stays busy past the acquire timeout.
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
  });

  test("does not take a bug or a constraint violation for an outage", () => {
    expect(isDatabaseUnavailable(new TypeError("cannot read properties of undefined"))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("Unique constraint failed"), { code: "P2002" }))).toBe(false);
    expect(isDatabaseUnavailable(new Error("Database error. Code: `23505`. Message: `duplicate key`"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    // A cause chain that loops ends.
    const looped = new Error("a") as Error & { cause?: unknown };
    looped.cause = looped;
    expect(isDatabaseUnavailable(looped)).toBe(false);
  });
});
