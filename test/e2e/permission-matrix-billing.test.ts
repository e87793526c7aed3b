import { subscribe } from "../harness/billing.js";
import { type Operation, subgraphMatrix } from "../harness/matrix.js";

// ---- billing (issue 10) ------------------------------------------------------------------------
// A block of its own (own fixture, own table): billing's operations are owner-only
// (`billing:manage`); `workspace.billing` needs `billing:view`. The fixture's main workspace has a
// subscription bought through the Stripe stand-in, so the owner's operations succeed (but a second
// checkout, which is CONFLICT while a subscription is live).

const EXPECTED_BILLING = `
operation          owner admin member memberOff custom orgAdmin otherOrg apiKey anonymous supervisor agent support
workspace.billing  ok    ok    F      F         F      ok       NF       F      UA        F          F     F
startCheckout      C     F     F      F         F      F        NF       F      UA        F          F     F
openBillingPortal  ok    F     F      F         F      F        NF       F      UA        F          F     F
changeSeats        ok    F     F      F         F      F        NF       F      UA        F          F     F
cancelSubscription ok    F     F      F         F      F        NF       F      UA        F          F     F
`;

const BILLING_OPERATIONS: Record<string, Operation> = {
  "workspace.billing": {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { workspace(id: $w) { id billing { plan seats status } } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  startCheckout: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { startCheckout(workspaceId: $w, plan: PRO, seats: 50) { url } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  openBillingPortal: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { openBillingPortal(workspaceId: $w) { url } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  changeSeats: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { changeSeats(workspaceId: $w, seats: 200) { seats } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  cancelSubscription: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { cancelSubscription(workspaceId: $w) { status } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
};

subgraphMatrix({
  name: "billing",
  graph: "BILLING",
  rootFields: ["cancelSubscription", "changeSeats", "openBillingPortal", "startCheckout"],
  table: EXPECTED_BILLING,
  operations: BILLING_OPERATIONS,
  prepare: async (fx) => void (await subscribe(fx.owner.token, fx.workspaceId, "UNLIMITED", 200)),
  foreignQuery: "mutation($w: ID!) { changeSeats(workspaceId: $w, seats: 5) { seats } }",
});
