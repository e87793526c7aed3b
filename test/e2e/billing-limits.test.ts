import { afterEach, describe, expect, test } from "@jest/globals";
import { createWorkspace, errorCodes, eventually, graphql, graphqlOk, signUp, uniqueEmail } from "../harness/stack.js";
import {
  billingDb,
  billingEventually,
  changeSeats,
  pendingInvitationsInWorkspace,
  publishWorkspaceEvent,
  clearStripeFailure,
  setStripeFailure,
  standInStats,
  subscribe,
} from "../harness/billing.js";

/**
 * What billing's changes do elsewhere (issue 10): the workspace service enforces the plan's
 * custom-role allowance and the seats from billing's events; deleting a workspace cancels its
 * subscription at once, retried until Stripe confirms and never twice.
 */

afterEach(async () => {
  await clearStripeFailure();
});

async function ownerWithWorkspace(name: string) {
  const owner = await signUp({ organisationName: `${name} Org` });
  const workspaceId = await createWorkspace(owner.token, `${name} ${Date.now()}`);
  await billingEventually(owner.token, workspaceId, (b) => b.status === "TRIALING", "the trial to open");
  return { owner, workspaceId };
}

/** Waits until the workspace service shows the plan and seats billing published. */
function workspaceShows(token: string, workspaceId: string, expected: { plan?: string; seats?: number }) {
  return eventually(
    async () => {
      const data = await graphqlOk<{ workspace: { plan: string; seats: number } }>(
        "query($w: ID!) { workspace(id: $w) { plan seats } }",
        { token, variables: { w: workspaceId } },
      );
      const planOk = expected.plan === undefined || data.workspace.plan === expected.plan;
      const seatsOk = expected.seats === undefined || data.workspace.seats === expected.seats;
      return planOk && seatsOk ? data.workspace : undefined;
    },
    20_000,
    `the workspace service to show ${JSON.stringify(expected)}`,
  );
}

const createRole = (token: string, workspaceId: string) =>
  graphql(
    `
      mutation ($w: ID!, $i: CreateRoleInput!) {
        createRole(workspaceId: $w, input: $i) {
          id
        }
      }
    `,
    {
      token,
      variables: { w: workspaceId, i: { name: `Role ${uniqueEmail("r")}`, permissions: ["tickets:list"] } },
    },
  );

const invite = (token: string, workspaceId: string) =>
  graphql(
    `
      mutation ($i: InviteUserInput!) {
        inviteUser(input: $i) {
          invitation {
            id
          }
        }
      }
    `,
    {
      token,
      variables: {
        i: {
          firstName: "Sea",
          lastName: "Ted",
          email: uniqueEmail("seat"),
          workspaces: [{ workspaceId, role: "MEMBER" }],
        },
      },
    },
  );

describe("limits follow billing", () => {
  test("on BASIC no custom role; after the plan change to PRO exactly one", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Roles");
    expect(errorCodes(await createRole(owner.token, workspaceId))).toEqual(["PLAN_LIMIT"]);
    await subscribe(owner.token, workspaceId, "PRO", 3);
    await workspaceShows(owner.token, workspaceId, { plan: "PRO" });
    expect((await createRole(owner.token, workspaceId)).errors).toBeUndefined();
    expect(errorCodes(await createRole(owner.token, workspaceId))).toEqual(["PLAN_LIMIT"]);
  });

  test("changeSeats refuses fewer seats than members plus pending invitations, naming both; after a reduction no invitation beyond the seats is accepted", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Seats");
    await subscribe(owner.token, workspaceId, "PRO", 6);
    await workspaceShows(owner.token, workspaceId, { seats: 6 });
    for (let i = 0; i < 2; i += 1) expect((await invite(owner.token, workspaceId)).errors).toBeUndefined();
    // The workspace service learns of invitations from identity's events.
    await eventually(async () => ((await pendingInvitationsInWorkspace(workspaceId)) === 2 ? true : undefined));
    // 1 member (the owner) + 2 pending invitations
    // Too few seats is PLAN_LIMIT, as an invitation without a free seat is.
    const refused = await changeSeats(owner.token, workspaceId, 2);
    expect(errorCodes(refused)).toEqual(["PLAN_LIMIT"]);
    expect(refused.errors?.[0]?.message).toMatch(/1 members and 2 pending invitations/);

    expect((await changeSeats(owner.token, workspaceId, 4)).errors).toBeUndefined();
    await billingEventually(owner.token, workspaceId, (b) => b.seats === 4, "4 seats");
    await workspaceShows(owner.token, workspaceId, { seats: 4 });
    expect((await invite(owner.token, workspaceId)).errors).toBeUndefined();
    await eventually(async () => ((await pendingInvitationsInWorkspace(workspaceId)) === 3 ? true : undefined));
    // 1 member + 3 pending invitations fill the 4 seats.
    expect(errorCodes(await invite(owner.token, workspaceId))).toEqual(["PLAN_LIMIT"]);
  });

  test("seat counts out of range are BAD_USER_INPUT; without a subscription changeSeats is CONFLICT", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Range");
    expect(errorCodes(await changeSeats(owner.token, workspaceId, 0))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await changeSeats(owner.token, workspaceId, 100_001))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await changeSeats(owner.token, workspaceId, 5))).toEqual(["CONFLICT"]);
  });
});

describe("workspace.deleted", () => {
  test("cancels the subscription at once, retrying while Stripe fails, and never twice", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace("Deleted");
    const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 3);
    const cancelsBefore = (await standInStats(subscriptionId))["DELETE /v1/subscriptions/:id"] ?? 0;
    await setStripeFailure("http500", subscriptionId);
    await publishWorkspaceEvent("workspace.deleted", workspaceId, owner.organisationId);
    await eventually(
      async () => {
        const rows = await billingDb<{ attempts: number }>(
          "SELECT attempts FROM subscription_cancellation WHERE workspace_id = $1",
          [workspaceId],
        );
        return (rows[0]?.attempts ?? 0) >= 2 ? true : undefined;
      },
      30_000,
      "two failed cancellation attempts",
    );
    await clearStripeFailure();
    await eventually(
      async () => {
        const rows = await billingDb<{ confirmed_at: Date | null }>(
          "SELECT confirmed_at FROM subscription_cancellation WHERE workspace_id = $1",
          [workspaceId],
        );
        return rows[0]?.confirmed_at ? true : undefined;
      },
      30_000,
      "Stripe to confirm the cancellation",
    );
    // Confirmed: the deleted workspace's billing account is purged (docs/adr/0010).
    await eventually(
      async () =>
        (await billingDb("SELECT 1 FROM billing_account WHERE workspace_id = $1", [workspaceId])).length === 0
          ? true
          : undefined,
      20_000,
      "the billing account to be purged",
    );
    expect((await standInStats(subscriptionId))["DELETE /v1/subscriptions/:id"]).toBe(cancelsBefore + 1);

    // The same news again (another event id): nothing more is sent to Stripe.
    const repeated = await publishWorkspaceEvent("workspace.deleted", workspaceId, owner.organisationId);
    await eventually(async () => {
      const rows = await billingDb("SELECT 1 FROM processed_event WHERE event_id = $1", [repeated]);
      return rows.length === 1 ? true : undefined;
    });
    const [row] = await billingDb<{ attempts: number }>(
      "SELECT attempts FROM subscription_cancellation WHERE workspace_id = $1",
      [workspaceId],
    );
    const attemptsAfterConfirm = row?.attempts;
    expect((await standInStats(subscriptionId))["DELETE /v1/subscriptions/:id"]).toBe(cancelsBefore + 1);
    const [again] = await billingDb<{ attempts: number }>(
      "SELECT attempts FROM subscription_cancellation WHERE workspace_id = $1",
      [workspaceId],
    );
    expect(again?.attempts).toBe(attemptsAfterConfirm);
  }, 90_000);
});
