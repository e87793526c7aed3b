import { describe, expect, test } from "@jest/globals";
import { isAppError } from "@support/errors";
import { actorContextKeysSchema, signActorContext, verifyActorContext, type Actor } from "./index.js";

const current = { kid: "current", secret: "c".repeat(32) };
const previous = { kid: "previous", secret: "p".repeat(32) };
const user: Actor = {
  kind: "user",
  userId: "00000000-0000-4000-8000-000000000001",
  organisationId: "00000000-0000-4000-8000-000000000002",
  orgRole: "MEMBER",
  sessionId: "00000000-0000-4000-8000-000000000003",
};

async function refusal(token: string, keys = [current, previous]): Promise<string> {
  try {
    await verifyActorContext(token, keys);
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.code).toBe("UNAUTHENTICATED");
    return error.message;
  }
  throw new Error("the context was accepted");
}

describe("actor contexts during a key rotation", () => {
  test("a context signed with any configured key is accepted, with its client address", async () => {
    for (const key of [current, previous]) {
      const token = await signActorContext(user, key, { clientAddress: "203.0.113.7" });
      await expect(verifyActorContext(token, [current, previous])).resolves.toEqual({
        actor: user,
        clientAddress: "203.0.113.7",
      });
    }
  });

  test("a context without a client address says so (null), never borrowing one", async () => {
    const token = await signActorContext(user, current);
    await expect(verifyActorContext(token, [current])).resolves.toEqual({ actor: user, clientAddress: null });
  });

  test("a retired key, an unknown key id and a known key id with the wrong secret are refused", async () => {
    expect(await refusal(await signActorContext(user, previous), [current])).toMatch(/unknown key/);
    expect(await refusal(await signActorContext(user, { kid: "other", secret: current.secret }))).toMatch(
      /unknown key/,
    );
    expect(await refusal(await signActorContext(user, { kid: "current", secret: "x".repeat(32) }))).toBe(
      "Invalid actor context",
    );
  });

  test("an expired context is refused", async () => {
    const token = await signActorContext(user, current, { ttlSeconds: -1 });
    expect(await refusal(token)).toBe("Expired actor context");
  });
});

describe("ACTOR_CONTEXT_KEYS", () => {
  test("parses kid:secret pairs in order (the first signs); a secret may contain colons", () => {
    expect(actorContextKeysSchema.parse(` a:${"x".repeat(32)} , b-2:${"y:".repeat(16)}`)).toEqual([
      { kid: "a", secret: "x".repeat(32) },
      { kid: "b-2", secret: "y:".repeat(16) },
    ]);
  });

  test.each([
    ["", /at least one/],
    ["x".repeat(40), /kid:secret/],
    [`bad kid:${"x".repeat(32)}`, /kid:secret/],
    ["k:short", /at least 32/],
    [`k:${"x".repeat(32)},k:${"y".repeat(32)}`, /unique/],
  ])("%j is refused without echoing the secret", (value, message) => {
    const result = actorContextKeysSchema.safeParse(value);
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(text).toMatch(message);
    expect(text).not.toContain("x".repeat(32));
  });
});
