import { describe, expect, test } from "@jest/globals";
import { z } from "zod";
import { isAppError } from "@support/errors";
import { isUuid, parseInput } from "./ids.js";

describe("isUuid", () => {
  test.each([
    ["3f0c9e52-1b7a-4c1e-9d2f-0a1b2c3d4e5f", true],
    ["3F0C9E52-1B7A-4C1E-9D2F-0A1B2C3D4E5F", true],
    ["3f0c9e52-1b7a-4c1e-9d2f-0a1b2c3d4e5", false],
    ["3f0c9e52-1b7a-4c1e-9d2f-0a1b2c3d4e5f\n", false],
    ["3f0c9e521b7a4c1e9d2f0a1b2c3d4e5f", false],
    ["../3f0c9e52-1b7a-4c1e-9d2f-0a1b2c3d4e5f", false],
    [42, false],
    [null, false],
  ])("%j: %s", (value, expected) => expect(isUuid(value)).toBe(expected));
});

describe("parseInput", () => {
  const schema = z.object({ email: z.string().email("must be an email address") });

  test("answers the parsed value", () => {
    expect(parseInput(schema, { email: "a@example.com" }, ["input"])).toEqual({ email: "a@example.com" });
  });

  test("refuses with BAD_USER_INPUT naming the client's path", () => {
    let thrown: unknown;
    try {
      parseInput(schema, { email: "nope" }, ["input"]);
    } catch (error) {
      thrown = error;
    }
    expect(isAppError(thrown)).toBe(true);
    const extensions = (thrown as { extensions: Record<string, unknown> }).extensions;
    expect(extensions.code).toBe("BAD_USER_INPUT");
    expect(extensions.field).toBe("input.email");
  });
});
