import { describe, expect, test } from "@jest/globals";
import { mailTo, waitForMail, type CaughtMail } from "@support/infra/mail-catcher";
import { changedWithin, graphql, mailCatcherUrl, signUp, uniqueEmail } from "../harness/stack.js";
import { graphqlFrom, identityEvents, identityQuery, randomLoopback } from "../harness/identity.js";

const REQUEST = `mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) }`;
const RESET = `mutation($input: ResetPasswordInput!) { resetPassword(input: $input) }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
const NEW_PASSWORD = "a brand new passphrase";
/** signUp's password. */
const OLD_PASSWORD = "correct horse battery";

/** The reset token of a reset mail (in its link and as text). */
const RESET_TOKEN = /reset-password\?token=(pwr_[A-Za-z0-9_-]+)/;
const tokenIn = (mail: CaughtMail): string | null => RESET_TOKEN.exec(mail.text)?.[1] ?? null;

/** Each test asks from an address of its own, so the per-client limit is the test's alone. */
const requestReset = (email: string, address = randomLoopback()) =>
  graphqlFrom<{ requestPasswordReset: boolean }>(address, REQUEST, { input: { email } });

/** Waits for the newest reset mail to `email` whose token is not in `except`. */
async function resetTokenFor(email: string, except: string[] = []): Promise<string> {
  const mail = await waitForMail(mailCatcherUrl(), email, {
    matches: (m) => {
      const token = tokenIn(m);
      return token !== null && !except.includes(token);
    },
    what: "password reset mail",
  });
  return tokenIn(mail) as string;
}

const reset = (token: string, password = NEW_PASSWORD) =>
  graphql<{ resetPassword: boolean }>(RESET, { variables: { input: { token, password } } });

const logIn = (email: string, password: string) =>
  graphqlFrom<{ logIn: { token: string } }>(randomLoopback(), LOG_IN, { input: { email, password } });

const code = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions;

describe("password reset by email", () => {
  test("the link reaches the mailbox; the new password works, the old one and every old session do not", async () => {
    const user = await signUp();
    const asked = await requestReset(user.email.toUpperCase());
    expect(asked.errors).toBeUndefined();
    expect(asked.data?.requestPasswordReset).toBe(true);

    const token = await resetTokenFor(user.email);
    const mail = (await mailTo(mailCatcherUrl(), user.email)).find((m) => tokenIn(m) === token)!;
    expect(mail.subject).toMatch(/reset/i);

    const done = await reset(token);
    const answeredAt = Date.now();
    expect(done.errors).toBeUndefined();
    expect(done.data?.resetPassword).toBe(true);

    // The session from before the reset stops working within the caches' 1 s bound.
    await changedWithin(
      answeredAt,
      async () => {
        const me = await graphql<{ me: { id: string } | null }>(
          `
            {
              me {
                id
              }
            }
          `,
          { token: user.token },
        );
        // Refused as a stale credential: anonymous (me null) or UNAUTHENTICATED, never the user.
        return (me.data?.me ?? null) === null && (me.errors === undefined || code(me)?.code === "UNAUTHENTICATED");
      },
      "the session from before the reset",
    );
    expect(code(await logIn(user.email, OLD_PASSWORD))?.code).toBe("UNAUTHENTICATED");
    expect((await logIn(user.email, NEW_PASSWORD)).data?.logIn.token).toMatch(/^sess_/);

    // Single use.
    const again = await reset(token, "yet another passphrase");
    expect(code(again)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.token", reason: "RESET_TOKEN_INVALID" });
  });

  test("an unknown address gets the same answer and no mail; a disabled user gets no mail either", async () => {
    const unknown = uniqueEmail("nobody");
    const asked = await requestReset(unknown);
    expect(asked.errors).toBeUndefined();
    expect(asked.data?.requestPasswordReset).toBe(true);

    const disabled = await signUp();
    await identityQuery(`UPDATE "user" SET status = 'DISABLED' WHERE id = $1`, [disabled.userId]);
    expect((await requestReset(disabled.email)).data?.requestPasswordReset).toBe(true);

    // A known address asked after both: once its mail is there, the others' would have been too.
    const known = await signUp();
    await requestReset(known.email);
    await resetTokenFor(known.email);
    expect(await mailTo(mailCatcherUrl(), unknown)).toEqual([]);
    expect(await mailTo(mailCatcherUrl(), disabled.email)).toEqual([]);
  });

  test("a newer link replaces the earlier one; an expired link is refused", async () => {
    const user = await signUp();
    const address = randomLoopback();
    await requestReset(user.email, address);
    const first = await resetTokenFor(user.email);
    await requestReset(user.email, address);
    const second = await resetTokenFor(user.email, [first]);

    expect(code(await reset(first))).toMatchObject({ code: "BAD_USER_INPUT", reason: "RESET_TOKEN_INVALID" });

    await identityQuery(`UPDATE password_reset SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [
      user.userId,
    ]);
    expect(code(await reset(second))).toMatchObject({ code: "BAD_USER_INPUT", reason: "RESET_TOKEN_INVALID" });
    // Nothing changed: the old password still signs in.
    expect((await logIn(user.email, OLD_PASSWORD)).data?.logIn.token).toMatch(/^sess_/);
  });

  test("two concurrent uses of one link: exactly one sets the password", async () => {
    const user = await signUp();
    await requestReset(user.email);
    const token = await resetTokenFor(user.email);
    const answers = await Promise.all([reset(token, "first concurrent pass"), reset(token, "second concurrent pass")]);
    expect(answers.filter((a) => a.data?.resetPassword === true)).toHaveLength(1);
    expect(answers.filter((a) => code(a)?.reason === "RESET_TOKEN_INVALID")).toHaveLength(1);
  });

  test("throttled per address asked for, whether or not it has an account, from any client", async () => {
    const user = await signUp();
    const unknown = uniqueEmail("nobody");
    for (const email of [user.email, unknown]) {
      for (let i = 0; i < 3; i += 1) expect((await requestReset(email)).data?.requestPasswordReset).toBe(true);
      const blocked = await requestReset(email);
      expect(code(blocked)).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
    }
  });

  test("malformed input is BAD_USER_INPUT naming the field; a guessed token changes nothing", async () => {
    const user = await signUp();
    expect(code(await requestReset("not an address"))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.email" });
    expect(code(await requestReset(`${"a".repeat(300)}@example.com`))).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(code(await reset("pwr_guess", "short"))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.password" });
    expect(code(await reset("x".repeat(5_000)))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.token" });
    for (const token of ["pwr_guessed", "pwr_\u202egnp.exe", "' OR 1=1 --", ""]) {
      expect(code(await reset(token))?.code).toBe("BAD_USER_INPUT");
    }
    expect((await logIn(user.email, OLD_PASSWORD)).data?.logIn.token).toMatch(/^sess_/);
  });

  test("the token is in no event: the outbox holds the request and the reset without it", async () => {
    const user = await signUp();
    await requestReset(user.email);
    const token = await resetTokenFor(user.email);
    await reset(token);
    const events = await identityEvents(user.userId);
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["user.password_reset_requested", "user.password_reset"]));
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toContain(token.slice(4));
  });
});
