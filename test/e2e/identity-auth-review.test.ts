import { describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, eventually, graphql, graphqlOk, signUp, uniqueEmail } from "../harness/stack.js";
import { graphqlFrom, randomLoopback, seedInvitation, seedPerson, SEEDED_PASSWORD } from "../harness/identity.js";

// Review findings on sign-in throttling (limits are the defaults: 5 failures per email).
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { token } }`;
const ACCEPT = `mutation($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { token } }`;

type Result = Awaited<ReturnType<typeof graphqlFrom>>;
const code = (result: Result) => result.errors?.[0]?.extensions?.code;

describe("sign-in throttling cannot be side-stepped", () => {
  test("concurrent wrong passwords for one email get at most 5 guesses; the rest are RATE_LIMITED", async () => {
    const user = await signUp();
    const attempts = await Promise.all(
      Array.from({ length: 12 }, () =>
        graphqlFrom(randomLoopback(), LOG_IN, { input: { email: user.email, password: "wrong password!" } }),
      ),
    );
    const codes = attempts.map(code);
    expect(codes.filter((c) => c === "UNAUTHENTICATED").length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === "RATE_LIMITED").length).toBeGreaterThanOrEqual(7);
  });

  test("acceptInvitation for an existing account counts wrong passwords against that account", async () => {
    // Whoever holds the token (the colleague's mailbox, or a seeded one here) must not get
    // unlimited guesses of the colleague's password (and a session on success).
    const admin = await signUp();
    const member = await seedPerson(admin.organisationId);
    const invitation = await seedInvitation(admin.organisationId, { email: member.email });
    const address = randomLoopback();
    for (let i = 0; i < 5; i += 1) {
      const wrong = await graphqlFrom(address, ACCEPT, { token: invitation.token, password: `guess number ${i}` });
      expect(code(wrong)).toBe("UNAUTHENTICATED");
    }
    const blocked = await graphqlFrom(address, ACCEPT, { token: invitation.token, password: SEEDED_PASSWORD });
    expect(code(blocked)).toBe("RATE_LIMITED");
    expect(blocked.errors?.[0]?.extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    // The same account counter guards logIn.
    const logIn = await graphqlFrom(randomLoopback(), LOG_IN, {
      input: { email: member.email, password: SEEDED_PASSWORD },
    });
    expect(code(logIn)).toBe("RATE_LIMITED");
  });
});

const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`;

describe("races on invitations", () => {
  test("two concurrent acceptances of one invitation: exactly one wins, the other is CONFLICT", async () => {
    const admin = await signUp();
    const invitation = await seedInvitation(admin.organisationId);
    const results = await Promise.all(
      [1, 2].map(() =>
        graphqlFrom(randomLoopback(), ACCEPT, { token: invitation.token, password: "a brand new password" }),
      ),
    );
    expect(results.filter((result) => result.data?.acceptInvitation).length).toBe(1);
    expect(results.map(code).filter(Boolean)).toEqual(["CONFLICT"]);
  });

  test("concurrent invitations never take more seats than the workspace has", async () => {
    const admin = await signUp();
    const workspaceId = await createWorkspace(admin.token, "Race for seats");
    const seats = await eventually(async () => {
      const data = await graphqlOk<{ workspace: { billing: { seats: number; pending: boolean } | null } }>(
        `query($id: ID!) { workspace(id: $id) { billing { seats pending } } }`,
        { token: admin.token, variables: { id: workspaceId } },
      );
      return data.workspace.billing?.pending === false ? data.workspace.billing.seats : undefined;
    });
    // The owner holds one seat; fire two more invitations than there are free seats, all at once.
    const results = await Promise.all(
      Array.from({ length: seats + 1 }, () =>
        graphql(INVITE, {
          token: admin.token,
          variables: {
            input: {
              firstName: "A",
              lastName: "B",
              email: uniqueEmail("race"),
              workspaces: [{ workspaceId, role: "MEMBER" }],
            },
          },
        }),
      ),
    );
    expect(results.filter((result) => !result.errors).length).toBe(seats - 1);
    expect(results.flatMap(errorCodes)).toEqual(["PLAN_LIMIT", "PLAN_LIMIT"]);
  });
});
