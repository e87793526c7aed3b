import { describe, expect, test } from "@jest/globals";
import { signUp, uniqueEmail } from "../harness/stack.js";
import { graphqlFrom, randomLoopback } from "../harness/identity.js";

// Limits are the defaults: 5 failures per email and 20 per client address per 15 minutes.
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
const PASSWORD = "correct horse battery";

const attempt = (address: string, email: string, password: string) =>
  graphqlFrom<{ logIn: { token: string } }>(address, LOG_IN, { input: { email, password } });

const code = (result: Awaited<ReturnType<typeof attempt>>) => result.errors?.[0]?.extensions?.code;

describe("sign-in throttling", () => {
  test("per email: after 5 failures even the right password is RATE_LIMITED, from any address, with retryAfterSeconds", async () => {
    const user = await signUp();
    const address = randomLoopback();
    for (let i = 0; i < 5; i += 1) {
      expect(code(await attempt(address, user.email, "wrong password!"))).toBe("UNAUTHENTICATED");
    }
    const blocked = await attempt(address, user.email, PASSWORD);
    expect(code(blocked)).toBe("RATE_LIMITED");
    const retryAfter = blocked.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // The counter is the account's, not the address's; and any case of the email is the same account.
    expect(code(await attempt(randomLoopback(), user.email.toUpperCase(), PASSWORD))).toBe("RATE_LIMITED");
    // Other accounts from the same address are unaffected.
    const other = await signUp();
    expect((await attempt(address, other.email, PASSWORD)).data?.logIn.token).toMatch(/^sess_/);
  });

  test("per email: a successful sign-in resets the account's counter", async () => {
    const user = await signUp();
    const address = randomLoopback();
    for (let i = 0; i < 4; i += 1) await attempt(address, user.email, "wrong password!");
    expect((await attempt(address, user.email, PASSWORD)).data?.logIn.token).toMatch(/^sess_/);
    for (let i = 0; i < 4; i += 1) {
      expect(code(await attempt(address, user.email, "wrong password!"))).toBe("UNAUTHENTICATED");
    }
    expect((await attempt(address, user.email, PASSWORD)).data?.logIn.token).toMatch(/^sess_/);
  });

  test("per address: 20 failures across many emails block that address only", async () => {
    const address = randomLoopback();
    for (let i = 0; i < 20; i += 1) {
      expect(code(await attempt(address, uniqueEmail("spray"), "wrong password!"))).toBe("UNAUTHENTICATED");
    }
    const user = await signUp();
    const blocked = await attempt(address, user.email, PASSWORD);
    expect(code(blocked)).toBe("RATE_LIMITED");
    expect(blocked.errors?.[0]?.extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    // Another client signs the same user in.
    expect((await attempt(randomLoopback(), user.email, PASSWORD)).data?.logIn.token).toMatch(/^sess_/);
  });
});
