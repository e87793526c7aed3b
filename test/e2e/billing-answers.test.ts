import { afterEach, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphql, graphqlOk, signUp, testStack } from "../harness/stack.js";
import {
  billingDb,
  billingEventually,
  billingOf,
  eventProcessed,
  redeliver,
  holdWebhooks,
  releaseWebhooks,
  standInEvents,
  subscribe,
} from "../harness/billing.js";

// Issue 20: billing answers read after the change or say what is pending; Checkout and the
// portal only send the payer back to the app's origins; the stand-in fills {CHECKOUT_SESSION_ID}
// and returns somewhere that exists; a checkout's status can be asked.

afterEach(async () => {
  await releaseWebhooks();
});

const CHECKOUT = `mutation($w: ID!, $s: Int!, $success: URL, $cancel: URL) {
  startCheckout(workspaceId: $w, plan: PRO, seats: $s, successUrl: $success, cancelUrl: $cancel) { id url status applied }
}`;
const PORTAL = `mutation($w: ID!, $r: URL) { openBillingPortal(workspaceId: $w, returnUrl: $r) { url } }`;
const CHECKOUT_STATUS = `query($w: ID!, $id: ID!) { workspace(id: $w) { billing { checkout(id: $id) { id status applied } } } }`;

interface Checkout {
  id: string;
  url: string;
  status: string;
  applied: boolean;
}

async function ownerWithWorkspace() {
  const owner = await signUp({ organisationName: "Answers Org" });
  const workspaceId = await createWorkspace(owner.token, "Answers");
  await eventually(() => billingOf(owner.token, workspaceId), 20_000, "the trial account");
  return { owner, workspaceId };
}

const refusal = (result: Awaited<ReturnType<typeof graphql>>) => ({
  code: result.errors?.[0]?.extensions?.code,
  field: result.errors?.[0]?.extensions?.field,
  reason: result.errors?.[0]?.extensions?.reason,
});

/** Presses "Pay" as a browser does and answers where the stand-in redirects to. */
async function payAsBrowser(checkoutUrl: string): Promise<string> {
  const response = await fetch(`${checkoutUrl}/pay`, { method: "POST", redirect: "manual" });
  expect(response.status).toBe(303);
  return response.headers.get("location") ?? "";
}

describe("createWorkspace answers its billing", () => {
  test("never null: a workspace billing has not heard of yet is its trial, marked pending", async () => {
    const owner = await signUp({ organisationName: "Pending Org" });
    const answered = await graphqlOk<{
      createWorkspace: { id: string; billing: { plan: string; seats: number; status: string; pending: boolean } };
    }>(
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id billing { plan seats status pending } } }`,
      { token: owner.token, variables: { input: { name: "Fresh" } } },
    );
    expect(answered.createWorkspace.billing).toEqual({
      plan: "BASIC",
      seats: 3,
      status: "TRIALING",
      pending: expect.any(Boolean),
    });
    const workspaceId = answered.createWorkspace.id;
    const opened = await billingEventually(owner.token, workspaceId, () => true, "the account to be opened");
    expect(opened).toMatchObject({ plan: "BASIC", seats: 3, status: "TRIALING", trialEnd: expect.any(String) });

    // The moment before billing consumed workspace.created, made to last: the row is not there yet.
    await billingDb("DELETE FROM billing_account WHERE workspace_id = $1", [workspaceId]);
    const pending = await graphqlOk<{ workspace: { billing: Record<string, unknown> } }>(
      `query($w: ID!) { workspace(id: $w) { billing { plan seats status periodEnd trialEnd cancelAtPeriodEnd pending pendingSeats } } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(pending.workspace.billing).toEqual({
      plan: "BASIC",
      seats: 3,
      status: "TRIALING",
      periodEnd: null,
      trialEnd: null,
      cancelAtPeriodEnd: false,
      pending: true,
      pendingSeats: null,
    });
    // Managing it waits for the account, and says why.
    const seats = await graphql(
      `
        mutation ($w: ID!) {
          changeSeats(workspaceId: $w, seats: 4) {
            seats
          }
        }
      `,
      {
        token: owner.token,
        variables: { w: workspaceId },
      },
    );
    expect(refusal(seats)).toMatchObject({ code: "CONFLICT", reason: "BILLING_PENDING" });
  });
});

describe("changeSeats answers the asked count", () => {
  test("pendingSeats holds 7 until Stripe's webhook makes seats 7", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const subscriptionId = await subscribe(owner.token, workspaceId, "PRO", 5);
    await holdWebhooks(subscriptionId);
    const answer = await graphqlOk<{ changeSeats: { seats: number; pendingSeats: number | null } }>(
      `mutation($w: ID!) { changeSeats(workspaceId: $w, seats: 7) { seats pendingSeats } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(answer.changeSeats).toEqual({ seats: 5, pendingSeats: 7 });
    const read = async () =>
      (
        await graphqlOk<{ workspace: { billing: { seats: number; pendingSeats: number | null } } }>(
          `query($w: ID!) { workspace(id: $w) { billing { seats pendingSeats } } }`,
          { token: owner.token, variables: { w: workspaceId } },
        )
      ).workspace.billing;
    expect(await read()).toEqual({ seats: 5, pendingSeats: 7 });

    const updated = await eventually(async () => {
      const events = await standInEvents({ type: "customer.subscription.updated", subscription: subscriptionId });
      return events[0];
    });
    await redeliver(updated.id);
    await eventProcessed(updated.id);
    expect(await read()).toEqual({ seats: 7, pendingSeats: null });
  });
});

describe("Checkout returns only to the app", () => {
  test("successUrl, cancelUrl and the portal's returnUrl off the app's origins are BAD_USER_INPUT", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const hostile = [
      "https://evil.example/steal",
      "http://localhost:5173@evil.example/",
      "http://localhost.evil.example:5173/",
      "https://localhost:5173/", // another scheme is another origin
      "http://localhost:51730/",
    ];
    for (const url of hostile) {
      const success = await graphql(CHECKOUT, {
        token: owner.token,
        variables: { w: workspaceId, s: 5, success: url },
      });
      expect({ url, ...refusal(success) }).toEqual({
        url,
        code: "BAD_USER_INPUT",
        field: "successUrl",
        reason: "RETURN_URL_NOT_ALLOWED",
      });
    }
    const cancel = await graphql(CHECKOUT, {
      token: owner.token,
      variables: { w: workspaceId, s: 5, cancel: "https://evil.example/" },
    });
    expect(refusal(cancel)).toEqual({ code: "BAD_USER_INPUT", field: "cancelUrl", reason: "RETURN_URL_NOT_ALLOWED" });
    expect(
      refusal(
        await graphql(CHECKOUT, {
          token: owner.token,
          variables: { w: workspaceId, s: 5, success: "javascript:alert(1)" },
        }),
      ).code,
    ).toBe("BAD_USER_INPUT");
    // No session was opened by any of them.
    expect(await billingDb("SELECT id FROM checkout_session WHERE workspace_id = $1", [workspaceId])).toEqual([]);

    await subscribe(owner.token, workspaceId, "PRO", 5);
    expect(
      refusal(await graphql(PORTAL, { token: owner.token, variables: { w: workspaceId, r: "https://evil.example/" } })),
    ).toEqual({ code: "BAD_USER_INPUT", field: "returnUrl", reason: "RETURN_URL_NOT_ALLOWED" });
    const portal = await graphql(PORTAL, {
      token: owner.token,
      variables: { w: workspaceId, r: "http://localhost:5173/billing" },
    });
    expect(portal.errors).toBeUndefined();
  });

  test("an app origin is accepted, and the stand-in fills {CHECKOUT_SESSION_ID} on the way back", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const started = await graphqlOk<{ startCheckout: Checkout }>(CHECKOUT, {
      token: owner.token,
      variables: {
        w: workspaceId,
        s: 5,
        success: "http://localhost:5173/billing?session={CHECKOUT_SESSION_ID}",
        cancel: "http://localhost:5173/billing",
      },
    });
    expect(started.startCheckout).toMatchObject({ id: expect.stringMatching(/^cs_/), status: "OPEN", applied: false });
    const location = await payAsBrowser(started.startCheckout.url);
    expect(location).toBe(`http://localhost:5173/billing?session=${started.startCheckout.id}`);
  });

  test("by default the payer comes back to a page that exists, naming the session, whose status can be asked", async () => {
    const { owner, workspaceId } = await ownerWithWorkspace();
    const started = await graphqlOk<{ startCheckout: Checkout }>(CHECKOUT, {
      token: owner.token,
      variables: { w: workspaceId, s: 5 },
    });
    const { id } = started.startCheckout;
    const status = async (token: string, checkoutId: string) =>
      (
        await graphqlOk<{ workspace: { billing: { checkout: Omit<Checkout, "url"> | null } } }>(CHECKOUT_STATUS, {
          token,
          variables: { w: workspaceId, id: checkoutId },
        })
      ).workspace.billing.checkout;
    expect(await status(owner.token, id)).toEqual({ id, status: "OPEN", applied: false });

    const location = await payAsBrowser(started.startCheckout.url);
    const standInUrl = testStack().stripe.standInUrl ?? "";
    expect(location).toBe(`${standInUrl}/return?checkout_session=${id}`);
    const page = await fetch(location);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(id);

    const done = await eventually(async () => {
      const current = await status(owner.token, id);
      return current?.applied ? current : undefined;
    });
    expect(done).toEqual({ id, status: "COMPLETE", applied: true });
    expect((await billingOf(owner.token, workspaceId)).plan).toBe("PRO");

    // Unknown ids and another workspace's checkout are null, never its state.
    expect(await status(owner.token, "cs_unknown")).toBeNull();
    const other = await ownerWithWorkspace();
    const theirs = await graphqlOk<{ startCheckout: Checkout }>(CHECKOUT, {
      token: other.owner.token,
      variables: { w: other.workspaceId, s: 5 },
    });
    expect(await status(owner.token, theirs.startCheckout.id)).toBeNull();
  });
});
