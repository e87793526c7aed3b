import { describe, expect, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { createWorkspace, eventually, graphql, graphqlOk, signUp } from "../harness/stack.js";
import { createTicket } from "../harness/ticketing.js";
import { subscribe } from "../harness/billing.js";

// Issue 20: activity entries a UI can show as they are: user actors named, summaries without a
// repeated or internal noun, `changes` values typed (JSON, not JSON in strings) with names for ids,
// billing entries named after their workspace; the hash chain still verifies.

interface Entry {
  action: string;
  summary: string;
  actor: { type: string; id: string | null; label: string | null };
  target: { type: string; id: string; label: string | null };
  changes: Array<{ field: string; old: unknown; new: unknown; oldLabel: string | null; newLabel: string | null }>;
}

const LOG = `query($w: ID!) { activityLog(workspaceId: $w, first: 40) { nodes {
  action summary actor { type id label } target { type id label } changes { field old new oldLabel newLabel } } } }`;
const STATS = `query($w: ID!, $f: DateTime!, $t: DateTime!) { activityStats(workspaceId: $w, from: $f, to: $t) {
  members(first: 100) { nodes { actor { type id label } total } } } }`;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe("the activity log as a UI shows it", () => {
  test("named actors, readable summaries, typed changes with labels, billing under its workspace's name", async () => {
    const owner = await signUp({ organisationName: "Presentation Org" }); // Ada Lovelace
    const workspaceName = `Front desk ${Date.now()}`;
    const workspaceId = await createWorkspace(owner.token, workspaceName);
    const ticket = await createTicket(owner.token, workspaceId, { title: "Printer on fire" });
    await graphqlOk(`mutation($id: ID!, $a: ID) { assignTicket(id: $id, input: { assigneeId: $a }) { id } }`, {
      token: owner.token,
      variables: { id: ticket.id, a: owner.userId },
    });
    await graphqlOk(
      `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "Product", type: TEXT }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    await subscribe(owner.token, workspaceId, "PRO", 5);

    const wanted = ["ticket.assigned", "ticket_field.created", "billing.trial_started", "billing.seats_changed"];
    const entries = await eventually(
      async () => {
        const page = await graphqlOk<{ activityLog: { nodes: Entry[] } }>(LOG, {
          token: owner.token,
          variables: { w: workspaceId },
        });
        const all = page.activityLog.nodes;
        return wanted.every((action) => all.some((e) => e.action === action)) ? all : undefined;
      },
      30_000,
      "the entries in the activity log",
    );
    const find = (action: string) => entries.find((e) => e.action === action) as Entry;

    // Every user actor has a name to show.
    const byUser = entries.filter((e) => e.actor.type === "user");
    expect(byUser.length).toBeGreaterThan(0);
    for (const entry of byUser) expect(entry.actor).toEqual({ type: "user", id: owner.userId, label: "Ada Lovelace" });

    // Summaries name their target once, in words, and never as an id or an internal name.
    expect(find("ticket.assigned").summary).toBe(`assigned the ticket "#${ticket.number} Printer on fire"`);
    expect(find("ticket_field.created").summary).toBe('created the ticket field "Product"');
    for (const entry of entries) {
      expect(entry.summary).not.toMatch(UUID);
      expect(entry.summary).not.toMatch(/[a-z]_[a-z]/);
      expect(entry.summary).not.toMatch(/\b(\w+) \1\b/);
    }

    // Changes are typed values; ids come with a name.
    expect(find("ticket.assigned").changes).toContainEqual({
      field: "assigneeId",
      old: null,
      new: owner.userId,
      oldLabel: null,
      newLabel: "Ada Lovelace",
    });
    expect(find("billing.seats_changed").changes).toContainEqual({
      field: "seats",
      old: 3,
      new: 5,
      oldLabel: null,
      newLabel: null,
    });

    // Billing entries are labelled with their workspace's name, not its id.
    for (const action of ["billing.trial_started", "billing.seats_changed"]) {
      expect(find(action).target).toEqual({ type: "billing_account", id: workspaceId, label: workspaceName });
      expect(find(action).summary).toContain(`workspace "${workspaceName}"`);
    }

    // The bar chart names people too.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const stats = await graphqlOk<{ activityStats: { members: { nodes: Array<{ actor: Entry["actor"] }> } } }>(STATS, {
      token: owner.token,
      variables: { w: workspaceId, f: from, t: to },
    });
    expect(stats.activityStats.members.nodes.map((m) => m.actor)).toContainEqual({
      type: "user",
      id: owner.userId,
      label: "Ada Lovelace",
    });

    // Presentation only: the chain of stored entries still verifies from its first entry.
    const verified = await graphqlOk<{ verifyActivityLog: { valid: boolean; entriesChecked: number } }>(
      `query($w: ID!) { verifyActivityLog(workspaceId: $w, full: true) { valid entriesChecked } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(verified.verifyActivityLog.valid).toBe(true);
    expect(verified.verifyActivityLog.entriesChecked).toBeGreaterThanOrEqual(entries.length);
  });

  test("a query text asked many times answers each time as the first time (mercurius compiles it after three)", async () => {
    const owner = await signUp({ organisationName: "Repeat Org" });
    const workspaceId = await createWorkspace(owner.token, `Repeat ${Date.now()}`);
    const ticket = await createTicket(owner.token, workspaceId, { title: "Again and again" });
    await graphqlOk(`mutation($id: ID!, $a: ID) { assignTicket(id: $id, input: { assigneeId: $a }) { id } }`, {
      token: owner.token,
      variables: { id: ticket.id, a: owner.userId },
    });
    const PAGE = `query($w: ID!, $a: String) { activityLog(workspaceId: $w, first: 40, after: $a) { nodes {
      action summary occurredAt redacted actor { type id label } target { type id label }
      changes { field old new oldLabel newLabel } } pageInfo { hasNextPage } } }`;
    await eventually(
      async () => {
        const page = await graphqlOk<{ activityLog: { nodes: Entry[] } }>(PAGE, {
          token: owner.token,
          variables: { w: workspaceId },
        });
        return page.activityLog.nodes.some((e) => e.action === "ticket.assigned") || undefined;
      },
      30_000,
      "the assignment in the log",
    );
    const ask = () =>
      Promise.all([
        graphql(PAGE, { token: owner.token, variables: { w: workspaceId } }),
        graphql(PAGE, { token: owner.token, variables: { w: randomUUID() } }),
        graphql(PAGE, { token: owner.token, variables: { w: workspaceId, a: "not-a-cursor" } }),
        graphql(PAGE, { token: owner.token, variables: { w: workspaceId, a: 42 } }),
      ]);
    const first = await ask();
    expect(first[0].errors).toBeUndefined();
    const assigned = (first[0].data as { activityLog: { nodes: Entry[] } }).activityLog.nodes.find(
      (e) => e.action === "ticket.assigned",
    );
    expect(assigned?.changes).toContainEqual({
      field: "assigneeId",
      old: null,
      new: owner.userId,
      oldLabel: null,
      newLabel: expect.any(String),
    });
    expect(first[1].errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(first[2].errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    for (let i = 0; i < 30; i += 1) expect(await ask()).toEqual(first);
  });
});
