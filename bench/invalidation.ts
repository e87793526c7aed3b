/**
 * How soon caching instances that nobody lists refuse what a mutation revoked (issue 21, ADR 0003
 * and 0011): the stack's gateway and ticketing, plus a second gateway and a second ticketing
 * started here (the second gateway sends ticket fields to the second ticketing), all reading
 * Kafka's `cache.invalidations`. Each change is made through the stack's gateway with both paths'
 * caches warm; then both paths are asked back to back until they give the new answer. The figure
 * per instance is when the first request with the new answer was sent, counted from the moment
 * the mutation's answer arrived (every later request got it too; the contract is 1 s).
 *
 * The changes, in turns: a session logged out and an API key revoked (refused by the gateways),
 * a member lowered from ADMIN to MEMBER and a member removed (refused by the ticketing instances).
 *
 *   npm run bench:invalidation                       # = npx tsx bench/invalidation.ts; its own stack
 *   BENCH_CHANGES=400 npm run bench:invalidation     # default 300 changes (75 of each kind)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { REPO_ROOT } from "@support/infra/services";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import { runtimeDatabaseUrl } from "@support/infra/db/roles";
import {
  BENCH_PASSWORD,
  graphqlOk,
  logIn,
  machine,
  ownerWithWorkspace,
  summary,
  withBenchStack,
  type BenchStack,
} from "./common.js";

const ME = "{ me { id } }";
const TICKETS = `query($w: ID!) { tickets(workspaceId: $w, first: 5) { nodes { id } } }`;
/** An ADMIN's only complaint is the empty name (BAD_USER_INPUT); a MEMBER is FORBIDDEN. */
const CREATE_FIELD = `mutation($w: ID!) { createTicketField(workspaceId: $w, input: { name: "", type: TEXT }) { id } }`;
const SET_ROLE = `mutation($w: ID!, $u: ID!, $r: WorkspaceRole) { setMemberRole(workspaceId: $w, userId: $u, input: { role: $r }) { role } }`;
/** A change not seen by then counts as a failure of the bound (and is reported, not waited for). */
const GIVE_UP_MS = 5_000;

type Kind = "session" | "apiKey" | "loweredRole" | "removedMember";
const KINDS: Kind[] = ["session", "apiKey", "loweredRole", "removedMember"];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Starts a gateway or ticketing process listed nowhere; resolves once its invalidation feed is live. */
async function startUnlisted(
  program: "gateway" | "ticketing",
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: program === "gateway" ? `${REPO_ROOT}/gateway` : `${REPO_ROOT}/services/${program}`,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${program} did not go live:\n${output.slice(-2000)}`)), 180_000);
    let live = false;
    // Read for as long as it runs (a full pipe would block it); only the start is kept.
    const read = (chunk: Buffer) => {
      if (live) return;
      output += chunk.toString();
      if (output.includes("cache invalidations live")) {
        live = true;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (chunk: Buffer) => {
      if (!live) output += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`${program} exited with ${code}:\n${output.slice(-2000)}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** The error codes of one request ([] for a success). */
async function codes(url: string, query: string, variables: Record<string, unknown>, token: string): Promise<string[]> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  return (body.errors ?? []).map((error) => error.extensions?.code ?? "NO_CODE");
}

export interface InvalidationResult {
  changes: number;
  /** Per instance: ms from the mutation's answer to the first request that got the new answer. */
  refusedAfterMs: Record<"stack" | "unlisted", ReturnType<typeof summary>>;
  /** Of all measurements, how many had the new answer on the very first request. */
  firstRequestAlready: number;
  measurements: number;
  /** Changes not seen within GIVE_UP_MS. */
  missed: number;
  byKind: Record<Kind, ReturnType<typeof summary>>;
  mutationMs: ReturnType<typeof summary>;
}

export async function measureInvalidation(stack: BenchStack, changes: number): Promise<InvalidationResult> {
  const keys = `${stack.actorContextKey.kid}:${stack.actorContextKey.secret}`;
  const common = {
    KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    ACTOR_CONTEXT_KEYS: keys,
    LOG_LEVEL: "info",
  };
  const ticketing = await startUnlisted("ticketing", {
    ...common,
    DATABASE_URL: runtimeDatabaseUrl("ticketing", stack.postgresServerUrl, stack.databaseSuffix),
    WORKSPACE_SERVICE_URL: stack.serviceUrls.workspace,
    IDENTITY_SERVICE_URL: stack.serviceUrls.identity,
    TICKETING_SERVICE_URL: stack.serviceUrls.ticketing,
    AUDIT_SERVICE_URL: stack.serviceUrls.audit,
    SLA_TIMERS_ENABLED: "false",
  });
  const gateway = await startUnlisted("gateway", {
    ...common,
    IDENTITY_URL: `${stack.serviceUrls.identity}/graphql`,
    WORKSPACE_URL: `${stack.serviceUrls.workspace}/graphql`,
    TICKETING_URL: `${ticketing.url}/graphql`,
    BILLING_URL: `${stack.serviceUrls.billing}/graphql`,
    AUDIT_URL: `${stack.serviceUrls.audit}/graphql`,
  });
  const paths = { stack: stack.gatewayUrl, unlisted: `${gateway.url}/graphql` } as const;
  try {
    const url = stack.gatewayUrl;
    const owner = await ownerWithWorkspace(url, "invalidation");
    const w = owner.workspaceId;
    const memberEmail = `bench.invalidation.member.${Date.now()}@example.test`;
    await graphqlOk(
      url,
      "mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }",
      {
        input: {
          firstName: "Bench",
          lastName: "Member",
          email: memberEmail,
          workspaces: [{ workspaceId: w, role: "ADMIN" }],
        },
      },
      owner.token,
    );
    const { acceptInvitation } = await graphqlOk<{ acceptInvitation: { token: string; user: { id: string } } }>(
      url,
      "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) { token user { id } } }",
      { t: await invitationTokenFor(stack.mailCatcherUrl, memberEmail), p: BENCH_PASSWORD },
    );
    const member = { token: acceptInvitation.token, userId: acceptInvitation.user.id };
    const join = async (role: "ADMIN" | "MEMBER") => {
      const { requestToJoin } = await graphqlOk<{ requestToJoin: { id: string } }>(
        url,
        "mutation($w: ID!) { requestToJoin(workspaceId: $w) { id } }",
        { w },
        member.token,
      );
      await graphqlOk(
        url,
        "mutation($id: ID!, $r: WorkspaceRole) { approveJoinRequest(id: $id, input: { role: $r }) { id } }",
        {
          id: requestToJoin.id,
          r: role,
        },
        owner.token,
      );
    };
    // The invitation's membership arrives with identity's event.
    for (const deadline = Date.now() + 60_000; ;) {
      if (JSON.stringify(await codes(url, CREATE_FIELD, { w }, member.token)) === '["BAD_USER_INPUT"]') break;
      if (Date.now() > deadline) throw new Error("the invited member never joined the workspace as ADMIN");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    /** Sets up one change of `kind`, warms both paths with the old answer; returns the mutation and the probe. */
    const prepare = async (kind: Kind) => {
      const warm = async (query: string, variables: Record<string, unknown>, token: string, expected: string[]) => {
        for (const path of Object.values(paths)) {
          for (let i = 0; i < 2; i += 1) {
            const got = await codes(path, query, variables, token);
            if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`warming ${kind}: ${got.join(",")}`);
          }
        }
      };
      switch (kind) {
        case "session": {
          const session = await logIn(url, memberEmail);
          await warm(ME, {}, session, []);
          return {
            mutate: () => graphqlOk(url, "mutation { logOut }", {}, session),
            probe: (path: string) => codes(path, ME, {}, session),
            refused: ["UNAUTHENTICATED"],
          };
        }
        case "apiKey": {
          const { createApiKey } = await graphqlOk<{ createApiKey: { apiKey: { id: string }; key: string } }>(
            url,
            `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "bench", permissions: ["tickets:list"]) { apiKey { id } key } }`,
            { w },
            owner.token,
          );
          await warm(TICKETS, { w }, createApiKey.key, []);
          return {
            mutate: () =>
              graphqlOk(
                url,
                "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
                { id: createApiKey.apiKey.id },
                owner.token,
              ),
            probe: (path: string) => codes(path, TICKETS, { w }, createApiKey.key),
            refused: ["UNAUTHENTICATED"],
          };
        }
        case "loweredRole": {
          await graphqlOk(url, SET_ROLE, { w, u: member.userId, r: "ADMIN" }, owner.token);
          await warm(CREATE_FIELD, { w }, member.token, ["BAD_USER_INPUT"]);
          return {
            mutate: () => graphqlOk(url, SET_ROLE, { w, u: member.userId, r: "MEMBER" }, owner.token),
            probe: (path: string) => codes(path, CREATE_FIELD, { w }, member.token),
            refused: ["FORBIDDEN"],
          };
        }
        case "removedMember": {
          await warm(TICKETS, { w }, member.token, []);
          return {
            mutate: async () => {
              await graphqlOk(
                url,
                "mutation($w: ID!, $u: ID!) { removeMember(workspaceId: $w, userId: $u) }",
                { w, u: member.userId },
                owner.token,
              );
            },
            probe: (path: string) => codes(path, TICKETS, { w }, member.token),
            refused: ["NOT_FOUND"],
            after: () => join("ADMIN"),
          };
        }
      }
    };

    const refusedAfter = { stack: [] as number[], unlisted: [] as number[] };
    const byKind: Record<Kind, number[]> = { session: [], apiKey: [], loweredRole: [], removedMember: [] };
    const mutation: number[] = [];
    let firstRequestAlready = 0;
    let missed = 0;
    for (let i = 0; i < changes; i += 1) {
      const kind = KINDS[i % KINDS.length] as Kind;
      const change = await prepare(kind);
      const startedAt = performance.now();
      await change.mutate();
      const answeredAt = performance.now();
      mutation.push(answeredAt - startedAt);
      await Promise.all(
        (Object.keys(paths) as Array<keyof typeof paths>).map(async (name) => {
          for (let attempt = 0; ; attempt += 1) {
            const sentAt = performance.now();
            const got = await change.probe(paths[name]);
            if (JSON.stringify(got) === JSON.stringify(change.refused)) {
              refusedAfter[name].push(sentAt - answeredAt);
              byKind[kind].push(sentAt - answeredAt);
              if (attempt === 0) firstRequestAlready += 1;
              return;
            }
            if (sentAt - answeredAt > GIVE_UP_MS) {
              missed += 1;
              return;
            }
          }
        }),
      );
      if ("after" in change && change.after) await change.after();
      if ((i + 1) % 50 === 0) process.stdout.write(`  ${i + 1}/${changes} changes\n`);
    }
    return {
      changes,
      refusedAfterMs: { stack: summary(refusedAfter.stack), unlisted: summary(refusedAfter.unlisted) },
      firstRequestAlready,
      measurements: refusedAfter.stack.length + refusedAfter.unlisted.length + missed,
      missed,
      byKind: {
        session: summary(byKind.session),
        apiKey: summary(byKind.apiKey),
        loweredRole: summary(byKind.loweredRole),
        removedMember: summary(byKind.removedMember),
      },
      mutationMs: summary(mutation),
    };
  } finally {
    for (const { child } of [gateway, ticketing]) child.kill("SIGTERM");
  }
}

export function printInvalidation(result: InvalidationResult): void {
  const row = (name: string, s: ReturnType<typeof summary>) =>
    `  ${name.padEnd(46)} p50 ${s.p50}ms  p95 ${s.p95}ms  p99 ${s.p99}ms  max ${s.max}ms  mean ${s.mean}ms`;
  process.stdout.write(
    [
      `\ncache invalidation: ${result.changes} changes, each refused at two instances (${machine()})`,
      row("stack's gateway / ticketing: refused after", result.refusedAfterMs.stack),
      row("unlisted gateway / ticketing: refused after", result.refusedAfterMs.unlisted),
      ...KINDS.map((kind) => row(`  ${kind} (both instances)`, result.byKind[kind])),
      row("the changing mutation answered in", result.mutationMs),
      `  new answer on the first request after the mutation's answer: ${result.firstRequestAlready} of ${result.measurements}; not within ${GIVE_UP_MS} ms: ${result.missed}`,
      "",
    ].join("\n"),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const changes = Number(process.env.BENCH_CHANGES ?? 300);
  await withBenchStack(async (stack) => {
    printInvalidation(await measureInvalidation(stack, changes));
  });
}
