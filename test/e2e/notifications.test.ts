import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  signUp,
  type GraphQLResponse,
  type SignedUpUser,
} from "../harness/stack.js";
import { invitePerson, type Person } from "../harness/people.js";
import { setPlan } from "../harness/workspace.js";
import { createTicket, ticketingEvents, ticketingQuery } from "../harness/ticketing.js";
import { disconnectProducer, eventsIn, readTopic } from "../harness/audit.js";

/**
 * Issue 22: in-app notifications. A ticket assigned to someone by someone else tells them once;
 * the caller lists their own across workspaces (newest first, paged, unread only) and marks them
 * read; nobody reads or marks another's, and a notification about a ticket its recipient may no
 * longer see (left the workspace, narrower ticket access, ticket deleted, tickets switched off) is
 * neither listed nor counted. SLA warnings and breaches: notifications-sla.test.ts.
 */

interface Listed {
  id: string;
  kind: string;
  workspaceId: string;
  ticketNumber: number;
  title: string;
  dueAt: string | null;
  read: boolean;
  readAt: string | null;
  createdAt: string;
  ticket: { id: string; title: string } | null;
}
interface Page {
  nodes: Listed[];
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const FIELDS = `nodes { id kind workspaceId ticketNumber title dueAt read readAt createdAt ticket { id title } }
  totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const LIST = `query($u: Boolean) { notifications(first: 20, unreadOnly: $u) { ${FIELDS} } }`;
const FORWARD = `query($a: String) { notifications(first: 2, after: $a) { ${FIELDS} } }`;
const BACKWARD = `query($b: String) { notifications(last: 2, before: $b) { ${FIELDS} } }`;
const MARK = `mutation($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) { marked } }`;

const list = async (token: string, unreadOnly = false): Promise<Page> =>
  (await graphqlOk<{ notifications: Page }>(LIST, { token, variables: { u: unreadOnly } })).notifications;

const mark = (token: string, input: Record<string, unknown>) =>
  graphql<{ markNotificationsRead: { marked: number } }>(MARK, { token, variables: { i: input } });

const assign = (token: string, id: string, input: { assigneeId?: string | null; teamId?: string | null }) =>
  graphqlOk(`mutation($id: ID!, $i: AssignTicketInput!) { assignTicket(id: $id, input: $i) { id } }`, {
    token,
    variables: { id, i: input },
  });

/** The notifications about one ticket in a person's list. */
const about = async (token: string, ticketId: string) =>
  (await list(token)).nodes.filter((n) => n.ticket?.id === ticketId);

let owner: SignedUpUser;
let stranger: SignedUpUser;
let workspaceId: string;
let agent: Person;

beforeAll(async () => {
  owner = await signUp({ organisationName: "Notified Ltd" });
  stranger = await signUp({ organisationName: "Elsewhere Ltd" });
  workspaceId = await createWorkspace(owner.token, `Notifications ${Date.now()}`);
  await setPlan(owner, workspaceId, { plan: "UNLIMITED", seats: 20 });
  agent = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
}, 120_000);

afterAll(disconnectProducer);

describe("assignment notifications", () => {
  test("assigning a ticket to someone tells them once, in the same transaction as the assignment, with its event on ticketing.events", async () => {
    const ticket = await createTicket(owner.token, workspaceId, { title: "Printer on fire" });
    await assign(owner.token, ticket.id, { assigneeId: agent.userId });
    // The same assignment again changes nothing and tells nobody twice.
    await assign(owner.token, ticket.id, { assigneeId: agent.userId });

    const told = await about(agent.token, ticket.id);
    expect(told).toEqual([
      expect.objectContaining({
        kind: "TICKET_ASSIGNED",
        workspaceId,
        ticketNumber: ticket.number,
        title: "Printer on fire",
        dueAt: null,
        read: false,
        readAt: null,
        ticket: { id: ticket.id, title: "Printer on fire" },
      }),
    ]);

    // Written with the assignment: in the outbox right behind ticket.assigned, naming the recipient.
    const events = await ticketingEvents(ticket.id);
    expect(events.map((e) => e.type)).toEqual(["ticket.created", "ticket.assigned", "notification.created"]);
    const created = events[2];
    expect(created?.actor).toEqual({ type: "system" });
    expect(created?.data).toEqual({
      notificationId: told[0]?.id,
      recipientUserId: agent.userId,
      kind: "TICKET_ASSIGNED",
      ticketId: ticket.id,
      number: ticket.number,
      title: "Printer on fire",
      dueAt: null,
    });

    // And on Kafka for identity to mail it.
    const onTopic = await readTopic("ticketing.events", (messages) =>
      eventsIn(messages).find((e) => e.type === "notification.created" && e.data.notificationId === told[0]?.id),
    );
    expect(onTopic.data).toMatchObject({ recipientUserId: agent.userId, kind: "TICKET_ASSIGNED" });
  }, 60_000);

  test("assigning a ticket to oneself, or to a team only, tells nobody; opening a ticket for someone else tells them", async () => {
    const team = await graphqlOk<{ createTeam: { id: string } }>(
      `mutation($w: ID!, $m: [ID!]) { createTeam(workspaceId: $w, input: { name: "Tier 1", memberIds: $m }) { id } }`,
      { token: owner.token, variables: { w: workspaceId, m: [agent.userId] } },
    );
    const mine = await createTicket(owner.token, workspaceId, { title: "Mine" });
    await assign(owner.token, mine.id, { assigneeId: owner.userId });
    const teams = await createTicket(owner.token, workspaceId, { title: "The team's" });
    await assign(owner.token, teams.id, { teamId: team.createTeam.id });
    const selfOpened = await createTicket(owner.token, workspaceId, {
      title: "Opened for me",
      assigneeId: owner.userId,
    });
    const forAgent = await createTicket(owner.token, workspaceId, {
      title: "Opened for you",
      assigneeId: agent.userId,
    });

    for (const ticket of [mine, teams, selfOpened]) {
      expect((await ticketingEvents(ticket.id)).filter((e) => e.type === "notification.created")).toEqual([]);
    }
    expect(await about(owner.token, mine.id)).toEqual([]);
    expect(await about(agent.token, teams.id)).toEqual([]);
    expect((await about(agent.token, forAgent.id)).map((n) => n.kind)).toEqual(["TICKET_ASSIGNED"]);
  }, 60_000);

  test("concurrent identical assignments tell the assignee once", async () => {
    const ticket = await createTicket(owner.token, workspaceId, { title: "Raced" });
    await Promise.all(Array.from({ length: 5 }, () => assign(owner.token, ticket.id, { assigneeId: agent.userId })));
    expect(await about(agent.token, ticket.id)).toHaveLength(1);
    const [row] = await ticketingQuery<{ count: number }>(
      `SELECT count(*)::int AS count FROM notification WHERE ticket_id = $1`,
      [ticket.id],
    );
    expect(row?.count).toBe(1);
  });
});

describe("the caller's list and marking read", () => {
  let pager: Person;
  let secondWorkspaceId: string;
  const titles = ["One", "Two", "Three", "Four", "Five"];

  beforeAll(async () => {
    secondWorkspaceId = await createWorkspace(owner.token, `Second ${Date.now()}`);
    pager = await invitePerson(owner, [
      { workspaceId, role: "MEMBER" },
      { workspaceId: secondWorkspaceId, role: "MEMBER" },
    ]);
    // Across two workspaces, oldest first.
    for (const [i, title] of titles.entries()) {
      await createTicket(owner.token, i % 2 === 0 ? workspaceId : secondWorkspaceId, {
        title,
        assigneeId: pager.userId,
      });
    }
  }, 120_000);

  test("newest first across workspaces; paged forward and back by cursor; counted", async () => {
    const whole = await list(pager.token);
    expect(whole.nodes.map((n) => n.title)).toEqual([...titles].reverse());
    expect(new Set(whole.nodes.map((n) => n.workspaceId))).toEqual(new Set([workspaceId, secondWorkspaceId]));
    expect(whole.totalCount).toBe(5);

    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = (
        await graphqlOk<{ notifications: Page }>(FORWARD, { token: pager.token, variables: { a: after } })
      ).notifications;
      seen.push(...page.nodes.map((n) => n.title));
      expect(page.totalCount).toBe(5);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...titles].reverse());

    // Backward from the end: the oldest two, still in list order; then the two before them.
    const last = (await graphqlOk<{ notifications: Page }>(BACKWARD, { token: pager.token, variables: { b: null } }))
      .notifications;
    expect(last.nodes.map((n) => n.title)).toEqual(["Two", "One"]);
    expect(last.pageInfo.hasPreviousPage).toBe(true);
    const before = (
      await graphqlOk<{ notifications: Page }>(BACKWARD, {
        token: pager.token,
        variables: { b: last.pageInfo.startCursor },
      })
    ).notifications;
    expect(before.nodes.map((n) => n.title)).toEqual(["Four", "Three"]);
  });

  test("a cursor of another list, or a forged one, is BAD_USER_INPUT naming after", async () => {
    const tickets = await graphqlOk<{ tickets: { pageInfo: { endCursor: string } } }>(
      `query($w: ID!) { tickets(workspaceId: $w, first: 1) { pageInfo { endCursor } } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const forged = Buffer.from(JSON.stringify(["notification", new Date().toISOString(), randomUUID()])).toString(
      "base64url",
    );
    for (const cursor of [tickets.tickets.pageInfo.endCursor, forged]) {
      const result = await graphql(FORWARD, { token: pager.token, variables: { a: cursor } });
      expect({ codes: errorCodes(result), field: result.errors?.[0]?.extensions?.field }).toEqual({
        codes: ["BAD_USER_INPUT"],
        field: "after",
      });
    }
  });

  test("markNotificationsRead by ids, then all; unreadOnly and totalCount follow; replays mark 0", async () => {
    const [newest, second] = (await list(pager.token)).nodes;
    if (!newest || !second) throw new Error("no notifications");

    expect((await mark(pager.token, { ids: [newest.id, second.id, newest.id] })).data).toEqual({
      markNotificationsRead: { marked: 2 },
    });
    expect((await mark(pager.token, { ids: [newest.id] })).data).toEqual({ markNotificationsRead: { marked: 0 } });
    const unread = await list(pager.token, true);
    expect(unread.totalCount).toBe(3);
    expect(unread.nodes.map((n) => n.title)).toEqual(["Three", "Two", "One"]);
    const marked = (await list(pager.token)).nodes.find((n) => n.id === newest.id);
    expect(marked).toMatchObject({ read: true, readAt: expect.any(String) });

    expect((await mark(pager.token, { all: true })).data).toEqual({ markNotificationsRead: { marked: 3 } });
    expect((await mark(pager.token, { all: true })).data).toEqual({ markNotificationsRead: { marked: 0 } });
    expect(await list(pager.token, true)).toMatchObject({ nodes: [], totalCount: 0 });
    expect((await list(pager.token)).totalCount).toBe(5);
  });

  test("malformed input is BAD_USER_INPUT naming the field", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, "input.ids"],
      [{ all: false }, "input.ids"],
      [{ ids: [], all: null }, "input.ids"],
      [{ ids: [randomUUID()], all: true }, "input.all"],
      [{ ids: ["not-an-id"] }, "input.ids.0"],
      [{ ids: ["\u202e"] }, "input.ids.0"],
      [{ ids: Array.from({ length: 101 }, () => randomUUID()) }, "input.ids"],
    ];
    for (const [input, field] of cases) {
      const result = await mark(owner.token, input);
      expect({
        input: Object.keys(input),
        codes: errorCodes(result),
        field: result.errors?.[0]?.extensions?.field,
      }).toEqual({
        input: Object.keys(input),
        codes: ["BAD_USER_INPUT"],
        field,
      });
    }
    const oversized = await graphql(
      `
        query {
          notifications(first: 101) {
            nodes {
              id
            }
          }
        }
      `,
      { token: owner.token },
    );
    expect(errorCodes(oversized)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("nobody reads or marks another's notifications", () => {
  let agentsTicketId: string;
  let agentsId: string;

  beforeAll(async () => {
    const ticket = await createTicket(owner.token, workspaceId, { title: "The agent's" });
    agentsTicketId = ticket.id;
    await assign(owner.token, ticket.id, { assigneeId: agent.userId });
    const [notification] = await about(agent.token, ticket.id);
    if (!notification) throw new Error("no notification");
    agentsId = notification.id;
    // The owner is told of a ticket an admin hands them, so they have one of their own.
    const admin = await invitePerson(owner, [{ workspaceId, role: "ADMIN" }]);
    await createTicket(admin.token, workspaceId, { title: "For the owner", assigneeId: owner.userId });
  }, 60_000);

  const sameAsUnknown = (
    foreign: GraphQLResponse<unknown>,
    unknown: GraphQLResponse<unknown>,
    id: string,
    nobody: string,
  ) => expect(JSON.stringify(foreign).replaceAll(id, nobody)).toBe(JSON.stringify(unknown));

  test("another person of the organisation (its org admin even) and another organisation: NOT_FOUND, as for an unknown id; nothing marked", async () => {
    const nobody = randomUUID();
    for (const caller of [owner, stranger]) {
      const foreign = await mark(caller.token, { ids: [agentsId] });
      expect(errorCodes(foreign)).toEqual(["NOT_FOUND"]);
      sameAsUnknown(foreign, await mark(caller.token, { ids: [nobody] }), agentsId, nobody);
      expect((await list(caller.token)).nodes.map((n) => n.id)).not.toContain(agentsId);
    }
    // All or nothing: one foreign id beside the caller's own marks neither.
    const [own] = (await list(owner.token, true)).nodes;
    expect(own?.title).toBe("For the owner");
    expect(errorCodes(await mark(owner.token, { ids: [own?.id, agentsId] }))).toEqual(["NOT_FOUND"]);
    expect((await list(owner.token, true)).nodes.map((n) => n.id)).toContain(own?.id);
    // `all` marks only the caller's own.
    expect((await mark(stranger.token, { all: true })).data).toEqual({ markNotificationsRead: { marked: 0 } });
    expect((await mark(owner.token, { all: true })).data).toEqual({ markNotificationsRead: { marked: 1 } });
    expect((await about(agent.token, agentsTicketId)).map((n) => n.read)).toEqual([false]);
  });

  test("an API key has no notifications (FORBIDDEN); without a sign-in, UNAUTHENTICATED", async () => {
    const key = await graphqlOk<{ createApiKey: { key: string } }>(
      `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "bot", permissions: ["tickets:list", "tickets:view"]) { key } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    for (const [token, code] of [
      [key.createApiKey.key, "FORBIDDEN"],
      [undefined, "UNAUTHENTICATED"],
    ] as const) {
      expect(errorCodes(await graphql(LIST, { token, variables: { u: false } }))).toEqual([code]);
      expect(errorCodes(await mark(token ?? "", { all: true }))).toEqual([code]);
    }
  });
});

describe("a notification about a ticket its recipient may no longer see is neither listed nor counted", () => {
  test("a narrower ticket access hides those about tickets it does not cover; the ticket's deletion removes them", async () => {
    const narrowRole = await graphqlOk<{ createRole: { id: string } }>(
      `mutation($w: ID!) { createRole(workspaceId: $w, input: { name: "Mine only", ticketAccess: ASSIGNED_TO_ME,
         permissions: ["tickets:list", "tickets:view"] }) { id } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const mover = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
    const kept = await createTicket(owner.token, workspaceId, { title: "Still theirs", assigneeId: mover.userId });
    const handedOn = await createTicket(owner.token, workspaceId, { title: "Handed on", assigneeId: mover.userId });
    await assign(owner.token, handedOn.id, { assigneeId: owner.userId });
    const [handedOnNotification] = await about(mover.token, handedOn.id);
    if (!handedOnNotification) throw new Error("no notification");
    expect((await list(mover.token)).totalCount).toBe(2);

    await graphqlOk(
      `mutation($w: ID!, $u: ID!, $c: ID) { setMemberRole(workspaceId: $w, userId: $u, input: { customRoleId: $c }) { role } }`,
      { token: owner.token, variables: { w: workspaceId, u: mover.userId, c: narrowRole.createRole.id } },
    );
    const narrowed = await eventually(
      async () => {
        const page = await list(mover.token);
        return page.totalCount === 1 ? page : undefined;
      },
      10_000,
      "the narrower access to hide the handed-on ticket's notification",
    );
    expect(narrowed.nodes.map((n) => n.title)).toEqual(["Still theirs"]);
    expect(errorCodes(await mark(mover.token, { ids: [handedOnNotification.id] }))).toEqual(["NOT_FOUND"]);
    expect((await mark(mover.token, { all: true })).data).toEqual({ markNotificationsRead: { marked: 1 } });
    // Hidden, not marked: it is still unread should the access widen again.
    const [hidden] = await ticketingQuery<{ read_at: Date | null }>(`SELECT read_at FROM notification WHERE id = $1`, [
      handedOnNotification.id,
    ]);
    expect(hidden?.read_at).toBeNull();

    await graphqlOk(`mutation($id: ID!) { deleteTicket(id: $id) }`, { token: owner.token, variables: { id: kept.id } });
    expect(await list(mover.token)).toMatchObject({ nodes: [], totalCount: 0 });
    expect(await ticketingQuery(`SELECT id FROM notification WHERE ticket_id = $1`, [kept.id])).toEqual([]);
  }, 120_000);

  test("tickets switched off hide them until switched on; leaving the workspace hides them", async () => {
    const elsewhere = await createWorkspace(owner.token, `Leaving ${Date.now()}`);
    const leaver = await invitePerson(owner, [{ workspaceId: elsewhere, role: "MEMBER" }]);
    const ticket = await createTicket(owner.token, elsewhere, { title: "Before leaving", assigneeId: leaver.userId });
    const [told] = (await list(leaver.token)).nodes;
    expect(told?.ticket?.id).toBe(ticket.id);

    const ticketsEnabled = (on: boolean) =>
      graphqlOk(
        `mutation($w: ID!, $on: Boolean) { updateWorkspaceSettings(id: $w, input: { ticketsEnabled: $on }) { ticketsEnabled } }`,
        { token: owner.token, variables: { w: elsewhere, on } },
      );
    await ticketsEnabled(false);
    await eventually(
      async () => ((await list(leaver.token)).totalCount === 0 ? true : undefined),
      10_000,
      "tickets off to hide the notification",
    );
    await ticketsEnabled(true);
    await eventually(
      async () => ((await list(leaver.token)).totalCount === 1 ? true : undefined),
      10_000,
      "tickets on to show it again",
    );

    await graphqlOk(`mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }`, {
      token: owner.token,
      variables: { w: elsewhere, u: leaver.userId },
    });
    await eventually(
      async () => {
        const page = await list(leaver.token);
        return page.totalCount === 0 && page.nodes.length === 0 ? true : undefined;
      },
      10_000,
      "leaving the workspace to hide the notification",
    );
    expect(errorCodes(await mark(leaver.token, { ids: [told?.id] }))).toEqual(["NOT_FOUND"]);
  }, 120_000);
});
