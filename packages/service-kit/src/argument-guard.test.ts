import { describe, expect, test } from "@jest/globals";
import { AppError } from "@support/errors";
import { findNulArgument, guardResolverArguments } from "./argument-guard.js";

describe("the NUL guard of resolver arguments", () => {
  test("finds a NUL anywhere in the arguments and says where", () => {
    expect(findNulArgument({ input: { email: "a@b.test", names: ["Ada", "Gr\u0000ace"] } })).toEqual([
      "input",
      "names",
      1,
    ]);
    expect(findNulArgument({ input: { email: "a@b.test", count: 3, flag: null } })).toBeNull();
  });

  test("wrapped resolvers refuse with BAD_USER_INPUT naming the argument; federation hooks are left alone", () => {
    const resolveReference = () => "reference";
    const resolvers = guardResolverArguments({
      Query: { echo: (_: unknown, args: { text: string }) => args.text },
      User: { __resolveReference: resolveReference },
      Plan: { BASIC: "BASIC" },
    });
    const echo = resolvers.Query.echo as (parent: unknown, args: { text: string }) => unknown;
    expect(echo(null, { text: "fine" })).toBe("fine");
    let thrown: unknown;
    try {
      echo(null, { text: "not\u0000fine" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe("BAD_USER_INPUT");
    expect((thrown as AppError).message).toMatch(/text: .*U\+0000/);
    expect(resolvers.User.__resolveReference).toBe(resolveReference);
    expect(resolvers.Plan).toEqual({ BASIC: "BASIC" });
  });
});
