import { readFileSync } from "node:fs";
import { signActorContext, type Actor, type ActorContextAudience, type ActorContextKey } from "@support/actor-context";

/** What the global setup started, shared with every suite through a file (jest workers share no memory). */
export interface TestStack {
  gatewayUrl: string;
  serviceUrls: Record<"identity" | "workspace" | "ticketing" | "billing" | "audit", string>;
  /** Each process's `GET /metrics`, on its own port (METRICS_PORT, docs/adr/0020): never through the gateway. */
  metricsUrls: Record<"gateway" | "identity" | "workspace" | "ticketing" | "billing" | "audit", string[]>;
  kafkaBrokers: string[];
  kafka: { port: number; controllerPort: number; dataDir: string } | null;
  postgresServerUrl: string;
  databaseSuffix: string;
  /** Where the stack's processes send their spans (OTLP/HTTP, JSON): test/e2e/tracing.test.ts listens there. */
  otlpReceiverPort: number;
  /** The services' ACTOR_CONTEXT_KEYS: the gateway signs with the first; all are accepted. */
  actorContextKeys: ActorContextKey[];
  /** Billing's Stripe: the stand-in's URL and the webhook signing secret (tests sign their own). */
  stripe: { standInUrl: string | null; webhookSecret: string; env: Record<string, string> };
  /** The mail catcher (the harness always starts it) and identity's mail settings (SMTP_URL, MAIL_FROM, APP_BASE_URL). */
  mail: { catcherUrl: string; env: Record<string, string> };
}

export const STACK_FILE = new URL(
  `../../.local/test-stack${process.env.TEST_DATABASE_SUFFIX ?? "_test"}.json`,
  import.meta.url,
);

export function testStack(): TestStack {
  return JSON.parse(readFileSync(STACK_FILE, "utf8")) as TestStack;
}

/** The harness's mail catcher: where every mail the stack sends arrives (infra/mail-catcher). */
export const mailCatcherUrl = (): string => testStack().mail.catcherUrl;

/**
 * An actor context as the gateway would sign it, for tests that call a subgraph directly; signed
 * with the gateway's key unless another is given. `audience: "internal"` signs it as a service
 * signs its calls to another service's `/internal/…` routes (docs/adr/0005), which refuse the
 * gateway's.
 */
export function signedContext(
  actor: Actor,
  options: { key?: ActorContextKey; clientAddress?: string; audience?: ActorContextAudience } = {},
) {
  const [gatewayKey] = testStack().actorContextKeys;
  const key = options.key ?? gatewayKey;
  if (!key) throw new Error("the test stack has no actor context key");
  return signActorContext(actor, key, {
    ...(options.clientAddress === undefined ? {} : { clientAddress: options.clientAddress }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  });
}

/** `signedContext` for an internal route: what a service sends when it calls another one. */
export const internalContext = (actor: Actor, options: { key?: ActorContextKey; clientAddress?: string } = {}) =>
  signedContext(actor, { ...options, audience: "internal" });

export interface GraphQLResponse<Data> {
  status: number;
  data: Data | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }>;
}

/** Sends one GraphQL operation, to the gateway unless another URL is given. */
export async function graphql<Data = Record<string, unknown>>(
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; url?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(options.url ?? testStack().gatewayUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<Data>, "status">;
  return { status: response.status, data: body.data ?? null, errors: body.errors };
}

/** Like `graphql` but fails the test on any error, returning the data. */
export async function graphqlOk<Data = Record<string, unknown>>(
  query: string,
  options: Parameters<typeof graphql>[1] = {},
): Promise<Data> {
  const result = await graphql<Data>(query, options);
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(result.errors ?? result)}`);
  }
  return result.data;
}

export function errorCodes(result: GraphQLResponse<unknown>): string[] {
  return (result.errors ?? []).map((e) => e.extensions?.code ?? "NO_CODE");
}

let counter = 0;
/** A unique email per call, so suites never collide on the unique email index. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}.${Date.now()}.${process.pid}.${counter}@example.test`;
}

export interface SignedUpUser {
  token: string;
  userId: string;
  organisationId: string;
  email: string;
}

export async function signUp(
  overrides: Partial<{ organisationName: string; email: string; password: string }> = {},
): Promise<SignedUpUser> {
  const email = overrides.email ?? uniqueEmail();
  const data = await graphqlOk<{ signUp: { token: string; user: { id: string; organisation: { id: string } } } }>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id organisation { id } } } }`,
    {
      variables: {
        input: {
          organisationName: overrides.organisationName ?? "Acme Support",
          firstName: "Ada",
          lastName: "Lovelace",
          email,
          password: overrides.password ?? "correct horse battery",
        },
      },
    },
  );
  return {
    token: data.signUp.token,
    userId: data.signUp.user.id,
    organisationId: data.signUp.user.organisation.id,
    email,
  };
}

export async function createWorkspace(token: string, name: string): Promise<string> {
  const data = await graphqlOk<{ createWorkspace: { id: string } }>(
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    { token, variables: { input: { name } } },
  );
  return data.createWorkspace.id;
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  // Most conditions hold within a few hundred milliseconds (one hop through Kafka): looked at
  // soon, then less often, so a long wait does not hammer the stack.
  let pauseMs = 25;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(200, pauseMs * 2);
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

/**
 * The freshness contract of every cache (docs/adr/0003, 0011): a request sent more than `boundMs`
 * after the changing mutation answered (`answeredAt`, Date.now() when its answer arrived) never
 * gets the old answer. Repeats `check` (true: the new answer) back to back until it holds, and
 * fails if a request sent after the bound still got the old one. Returns how long after
 * `answeredAt` the first request with the new answer was sent.
 */
export async function changedWithin(
  answeredAt: number,
  check: () => Promise<boolean>,
  what: string,
  boundMs = 1_000,
): Promise<number> {
  for (;;) {
    const sentAt = Date.now();
    if (await check()) return sentAt - answeredAt;
    if (sentAt - answeredAt >= boundMs) {
      throw new Error(`${what}: still the old answer for a request sent ${sentAt - answeredAt} ms after the change`);
    }
  }
}
