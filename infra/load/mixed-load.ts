/**
 * The mixed load of the chaos and soak runs (issue 21): reads, ticket mutations, invitations,
 * Stripe webhooks and exports, from several clients, each working in its own workspace. Every
 * mutation that answers success is written to a ledger, so that afterwards `checkLedger` can ask
 * the databases whether each is there, and in the activity log exactly once and in order.
 *
 * Plain `fetch`, no test framework: the chaos test, `npm run chaos` and `npm run soak` share it.
 */
import { randomUUID } from "node:crypto";
import Stripe from "stripe";

export type Operation =
  | "read"
  | "createTicket"
  | "changeTicketStatus"
  | "addTicketReply"
  | "inviteAndRevoke"
  | "stripeWebhook"
  | "exportActivityLog";

/** How often each operation is picked (relative weights). */
export const DEFAULT_MIX: Record<Operation, number> = {
  read: 45,
  createTicket: 20,
  changeTicketStatus: 15,
  addTicketReply: 8,
  inviteAndRevoke: 5,
  stripeWebhook: 5,
  exportActivityLog: 2,
};

export interface LoadTarget {
  gatewayUrl: string;
  /** Billing's public webhook route (`…/webhooks/stripe`), as Stripe would call it. */
  stripeWebhookUrl: string;
  stripeWebhookSecret: string;
}

/** One client: an organisation owner with a workspace of their own. */
export interface LoadClient {
  token: string;
  organisationId: string;
  workspaceId: string;
}

/** What a successful mutation left, for `checkLedger`. */
export interface Ledger {
  /** Tickets created, in the order each client created them. */
  ticketsByWorkspace: Map<string, string[]>;
  /** Per ticket, the statuses it was successfully moved to, in order. */
  statusChanges: Map<string, string[]>;
  /** Replies that answered success, with their ticket and (unique) body. */
  replies: Array<{ replyId: string; ticketId: string; body: string }>;
  /** Invitations sent (and revoked) that answered success. */
  invitations: Array<{ invitationId: string; workspaceId: string; revoked: boolean }>;
  /** Stripe event ids that billing accepted (HTTP 200). */
  stripeEvents: string[];
  /** Export downloads read to the end, with their byte counts. */
  exports: number;
}

export interface LoadStats {
  /** Per operation: how many succeeded, latencies (ms) of those. */
  ok: Record<Operation, number>;
  latencies: Record<Operation, number[]>;
  /** Errors by code (`SERVICE_UNAVAILABLE`, `HTTP 502`, `NETWORK`, …) per operation. */
  errors: Record<Operation, Record<string, number>>;
  /** Errors other than the unavailability an instance being down explains, with a sample message. */
  unexpected: Array<{ operation: Operation; code: string; message: string }>;
}

/** Codes a client may see while an instance is down: the request never reached a live instance. */
export const UNAVAILABLE_CODES = new Set(["SERVICE_UNAVAILABLE", "NETWORK", "HTTP 502", "HTTP 503", "HTTP 504"]);

class LoadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface GraphQLBody<Data> {
  data?: Data | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

async function graphql<Data>(
  target: LoadTarget,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<Data> {
  let response: Response;
  try {
    response = await fetch(target.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new LoadError("NETWORK", String(error));
  }
  let body: GraphQLBody<Data>;
  try {
    body = (await response.json()) as GraphQLBody<Data>;
  } catch (error) {
    throw new LoadError(`HTTP ${response.status}`, `unreadable answer: ${String(error)}`);
  }
  const first = body.errors?.[0];
  if (first) throw new LoadError(first.extensions?.code ?? `HTTP ${response.status}`, first.message);
  if (!body.data) throw new LoadError(`HTTP ${response.status}`, "no data");
  return body.data;
}

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { organisation { id } } } }`;
const CREATE_WORKSPACE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;
const READS = [
  `{ me { id } }`,
  `query($w: ID!) { tickets(workspaceId: $w, first: 20) { nodes { id title status } } }`,
  `query($w: ID!) { workspace(id: $w) { id name } }`,
];
const CREATE_TICKET = `mutation($w: ID!, $i: CreateTicketInput!) { createTicket(workspaceId: $w, input: $i) { id } }`;
const CHANGE_STATUS = `mutation($id: ID!, $s: TicketStatus!) { changeTicketStatus(id: $id, input: { status: $s }) { id } }`;
const ADD_REPLY = `mutation($t: ID!, $i: AddTicketReplyInput!) { addTicketReply(ticketId: $t, input: $i) { id } }`;
const INVITE = `mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }`;
const PENDING_INVITATIONS = `{ invitations(status: PENDING, first: 100) { nodes { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeInvitation(id: $id) { id } }`;
const EXPORT = `mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }`;
const STATUSES = ["PENDING", "ON_HOLD", "OPEN", "SOLVED"] as const;

/** When each workspace may export its activity log again, as far as this process has asked. */
const nextExportAt = new Map<string, number>();

/** Signs up `count` organisations, each with one workspace (retrying while the stack warms up). */
export async function prepareClients(target: LoadTarget, count: number, label: string): Promise<LoadClient[]> {
  const clients: LoadClient[] = [];
  for (let i = 0; i < count; i += 1) {
    const stamp = `${Date.now()}.${i}.${randomUUID().slice(0, 8)}`;
    const { signUp } = await graphql<{ signUp: { token: string; user: { organisation: { id: string } } } }>(
      target,
      SIGN_UP,
      {
        input: {
          organisationName: `${label} ${i}`,
          firstName: "Load",
          lastName: `Client ${i}`,
          email: `load.${stamp}@example.test`,
          password: "load client password",
        },
      },
    );
    const { createWorkspace } = await graphql<{ createWorkspace: { id: string } }>(
      target,
      CREATE_WORKSPACE,
      { input: { name: `${label} desk ${stamp}` } },
      signUp.token,
    );
    clients.push({ token: signUp.token, organisationId: signUp.user.organisation.id, workspaceId: createWorkspace.id });
  }
  return clients;
}

export function emptyLedger(): Ledger {
  return {
    ticketsByWorkspace: new Map(),
    statusChanges: new Map(),
    replies: [],
    invitations: [],
    stripeEvents: [],
    exports: 0,
  };
}

function emptyStats(): LoadStats {
  const per = <T>(make: () => T) =>
    Object.fromEntries(Object.keys(DEFAULT_MIX).map((operation) => [operation, make()])) as Record<Operation, T>;
  return { ok: per(() => 0), latencies: per(() => []), errors: per(() => ({})), unexpected: [] };
}

export interface LoadRun {
  stats: LoadStats;
  ledger: Ledger;
  /** Resolves when every client has stopped (after `stop`, or on its own when `durationMs` ends). */
  finished: Promise<void>;
  stop(): void;
}

export interface LoadOptions {
  clients: LoadClient[];
  /** Requests per second over all clients; omitted: each client sends its next as soon as it can. */
  ratePerSecond?: number;
  durationMs?: number;
  mix?: Record<Operation, number>;
}

/** Runs the mixed load until `stop()` (or `durationMs`). */
export function runMixedLoad(target: LoadTarget, options: LoadOptions): LoadRun {
  const stats = emptyStats();
  const ledger = emptyLedger();
  const mix = options.mix ?? DEFAULT_MIX;
  const weights = Object.entries(mix) as Array<[Operation, number]>;
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  let stopping = false;
  const endsAt = options.durationMs ? Date.now() + options.durationMs : Infinity;
  const perClientIntervalMs = options.ratePerSecond ? (options.clients.length * 1_000) / options.ratePerSecond : 0;
  const stripe = new Stripe("sk_test_unused");

  const pick = (): Operation => {
    let roll = Math.random() * total;
    for (const [operation, weight] of weights) {
      roll -= weight;
      if (roll < 0) return operation;
    }
    return "read";
  };

  async function perform(client: LoadClient, operation: Operation, state: ClientState): Promise<void> {
    const ticketsOf = ledger.ticketsByWorkspace.get(client.workspaceId) ?? [];
    switch (operation) {
      case "read": {
        const query = READS[Math.floor(Math.random() * READS.length)]!;
        await graphql(target, query, { w: client.workspaceId }, client.token);
        return;
      }
      case "createTicket": {
        const { createTicket } = await graphql<{ createTicket: { id: string } }>(
          target,
          CREATE_TICKET,
          { w: client.workspaceId, i: { title: `Load ticket ${state.sent}` } },
          client.token,
        );
        ticketsOf.push(createTicket.id);
        ledger.ticketsByWorkspace.set(client.workspaceId, ticketsOf);
        return;
      }
      case "changeTicketStatus": {
        const ticketId = ticketsOf.at(-1);
        if (!ticketId) return perform(client, "createTicket", state);
        const done = ledger.statusChanges.get(ticketId) ?? [];
        // The next status of a cycle counted over attempts, failed ones too, so an attempt that
        // failed but committed is not asked for again. After failures that did not commit it can be
        // the one the ticket has: a no-op without an event, which the ledger check allows for.
        const attempt = state.statusAttempts.get(ticketId) ?? 0;
        state.statusAttempts.set(ticketId, attempt + 1);
        const status = STATUSES[attempt % STATUSES.length]!;
        await graphql(target, CHANGE_STATUS, { id: ticketId, s: status }, client.token);
        done.push(status);
        ledger.statusChanges.set(ticketId, done);
        return;
      }
      case "addTicketReply": {
        const ticketId = ticketsOf.at(-1);
        if (!ticketId) return perform(client, "createTicket", state);
        const body = `Load reply ${randomUUID()}`;
        const { addTicketReply } = await graphql<{ addTicketReply: { id: string } }>(
          target,
          ADD_REPLY,
          { t: ticketId, i: { body } },
          client.token,
        );
        ledger.replies.push({ replyId: addTicketReply.id, ticketId, body });
        return;
      }
      case "inviteAndRevoke": {
        // An invitation whose revocation failed (an instance died with it) still holds a seat:
        // revoked first, or the trial's seats run out. CONFLICT means that lost attempt committed.
        // An inviteUser whose answer was lost may have been sent, even well after the client gave
        // up on it (the instance that had it went on): so before each invitation the client looks,
        // as a person would, and revokes what is pending and unknown to it (not in the ledger).
        const { invitations } = await graphql<{ invitations: { nodes: Array<{ id: string }> } | null }>(
          target,
          PENDING_INVITATIONS,
          {},
          client.token,
        );
        const known = new Set(state.unrevoked.map((invitation) => invitation.invitationId));
        for (const { id } of invitations?.nodes ?? []) {
          if (known.has(id)) continue;
          try {
            await graphql(target, REVOKE, { id }, client.token);
          } catch (error) {
            if (!(error instanceof LoadError && error.code === "CONFLICT")) throw error;
          }
        }
        while (state.unrevoked.length > 0) {
          const left = state.unrevoked[0]!;
          try {
            await graphql(target, REVOKE, { id: left.invitationId }, client.token);
          } catch (error) {
            if (!(error instanceof LoadError && error.code === "CONFLICT")) throw error;
          }
          left.revoked = true;
          state.unrevoked.shift();
        }
        const { inviteUser } = await graphql<{ inviteUser: { invitation: { id: string } } }>(
          target,
          INVITE,
          {
            input: {
              firstName: "Invited",
              lastName: "Person",
              email: `invitee.${randomUUID()}@example.test`,
              workspaces: [{ workspaceId: client.workspaceId, role: "MEMBER" }],
            },
          },
          client.token,
        );
        const invitation = { invitationId: inviteUser.invitation.id, workspaceId: client.workspaceId, revoked: false };
        ledger.invitations.push(invitation);
        // Revoked at once, so that pending invitations never use up the trial's seats.
        state.unrevoked.push(invitation);
        await graphql(target, REVOKE, { id: invitation.invitationId }, client.token);
        invitation.revoked = true;
        state.unrevoked.shift();
        return;
      }
      case "stripeWebhook": {
        // An event about a subscription nobody has: billing records it (unmatched) exactly once.
        const id = `evt_load_${randomUUID().replaceAll("-", "")}`;
        const payload = JSON.stringify({
          id,
          object: "event",
          type: "customer.subscription.updated",
          created: Math.floor(Date.now() / 1000),
          livemode: false,
          data: { object: { id: `sub_load_${randomUUID().slice(0, 12)}`, object: "subscription", status: "active" } },
        });
        const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: target.stripeWebhookSecret });
        let response: Response;
        try {
          response = await fetch(target.stripeWebhookUrl, {
            method: "POST",
            headers: { "content-type": "application/json", "stripe-signature": signature },
            body: payload,
            signal: AbortSignal.timeout(30_000),
          });
        } catch (error) {
          throw new LoadError("NETWORK", String(error));
        }
        await response.arrayBuffer();
        if (response.status !== 200) throw new LoadError(`HTTP ${response.status}`, "webhook refused");
        ledger.stripeEvents.push(id);
        return;
      }
      case "exportActivityLog": {
        // One export per workspace a minute is allowed (RATE_LIMITED otherwise): a read instead.
        // Kept per workspace across runs: the soak's run follows the measuring one within the minute.
        if (Date.now() < (nextExportAt.get(client.workspaceId) ?? 0)) return perform(client, "read", state);
        nextExportAt.set(client.workspaceId, Date.now() + 61_000);
        const { exportActivityLog } = await graphql<{ exportActivityLog: { url: string } }>(
          target,
          EXPORT,
          { w: client.workspaceId },
          client.token,
        );
        // The service counts the minute from when it took the export, which a slow answer puts
        // later than the send: counted again from the answer, so the next one is never early.
        nextExportAt.set(client.workspaceId, Date.now() + 61_000);
        let response: Response;
        try {
          response = await fetch(new URL(exportActivityLog.url, target.gatewayUrl), {
            headers: { authorization: `Bearer ${client.token}` },
            signal: AbortSignal.timeout(60_000),
          });
          await response.arrayBuffer();
        } catch (error) {
          throw new LoadError("NETWORK", String(error));
        }
        if (response.status !== 200) throw new LoadError(`HTTP ${response.status}`, "download failed");
        ledger.exports += 1;
        return;
      }
    }
  }

  interface ClientState {
    sent: number;
    /** Invitations sent whose revocation has not answered success yet. */
    unrevoked: Array<Ledger["invitations"][number]>;
    statusAttempts: Map<string, number>;
  }

  async function runClient(client: LoadClient, index: number): Promise<void> {
    const state: ClientState = {
      sent: 0,
      unrevoked: [],
      statusAttempts: new Map(),
    };
    // Clients start spread over one interval, so a paced run does not send in waves.
    let nextAt = Date.now() + (perClientIntervalMs * index) / Math.max(1, options.clients.length);
    while (!stopping && Date.now() < endsAt) {
      if (perClientIntervalMs > 0) {
        const wait = nextAt - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        nextAt = Math.max(nextAt + perClientIntervalMs, Date.now() - perClientIntervalMs);
        if (stopping) break;
      }
      const operation = pick();
      state.sent += 1;
      const startedAt = performance.now();
      try {
        await perform(client, operation, state);
        stats.ok[operation] += 1;
        stats.latencies[operation].push(performance.now() - startedAt);
      } catch (error) {
        const code = error instanceof LoadError ? error.code : "CLIENT";
        stats.errors[operation][code] = (stats.errors[operation][code] ?? 0) + 1;
        if (!UNAVAILABLE_CODES.has(code)) {
          stats.unexpected.push({ operation, code, message: error instanceof Error ? error.message : String(error) });
        }
      }
    }
  }

  const finished = Promise.all(options.clients.map((client, index) => runClient(client, index))).then(() => undefined);
  return {
    stats,
    ledger,
    finished,
    stop: () => {
      stopping = true;
    },
  };
}

/** Requests that succeeded, over every operation. */
export function succeeded(stats: LoadStats): number {
  return Object.values(stats.ok).reduce((sum, n) => sum + n, 0);
}

/** Requests that failed, by code, over every operation. */
export function failuresByCode(stats: LoadStats): Record<string, number> {
  const byCode: Record<string, number> = {};
  for (const perCode of Object.values(stats.errors)) {
    for (const [code, n] of Object.entries(perCode)) byCode[code] = (byCode[code] ?? 0) + n;
  }
  return byCode;
}
