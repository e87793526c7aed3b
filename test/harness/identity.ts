import { request } from "node:http";
import { randomBytes, createHash, randomUUID } from "node:crypto";
import pg from "pg";
import { graphqlOk, testStack, uniqueEmail, type GraphQLResponse } from "./stack.js";

/**
 * Fixtures for the identity suites. A second person can join an organisation only through an
 * invitation, and inviting asks the workspace service for seats (docs/adr/0004); to test
 * identity's own rules without that, these seed rows straight into identity's test database.
 * The invitation path itself is covered end to end in identity-workspace-integration.test.ts.
 */

/** argon2id hash of SEEDED_PASSWORD (computed once with @node-rs/argon2's defaults). */
const SEEDED_HASH = "$argon2id$v=19$m=19456,t=2,p=1$TyIxVBvTGmfHgsv0NFvydg$VR9lfti+1p4yUljVdNKgnqACrX/9zyhZusDyV57LvIQ";
export const SEEDED_PASSWORD = "seeded password 123";

export function identityDatabaseUrl(): string {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_identity${stack.databaseSuffix}`;
  return url.toString();
}

export async function identityQuery<Row extends Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: identityDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

export interface SeededPerson {
  userId: string;
  email: string;
  token: string;
}

/** A person of the organisation, signed in through the gateway. */
export async function seedPerson(
  organisationId: string,
  options: { orgRole?: "ORG_ADMIN" | "MEMBER"; firstName?: string; lastName?: string } = {},
): Promise<SeededPerson> {
  const email = uniqueEmail("seeded");
  const userId = randomUUID();
  await identityQuery(
    `INSERT INTO "user" (id, organisation_id, first_name, last_name, email, email_normalized, password_hash, org_role, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7::"OrgRole", now())`,
    [
      userId,
      organisationId,
      options.firstName ?? "Seeded",
      options.lastName ?? "Person",
      email,
      SEEDED_HASH,
      options.orgRole ?? "MEMBER",
    ],
  );
  return { userId, email, token: await logIn(email, SEEDED_PASSWORD) };
}

export async function logIn(email: string, password: string): Promise<string> {
  const data = await graphqlOk<{ logIn: { token: string } }>(
    `mutation($input: LogInInput!) { logIn(input: $input) { token } }`,
    { variables: { input: { email, password } } },
  );
  return data.logIn.token;
}

/** A pending invitation written directly (see above); returns its id and acceptance token. */
export async function seedInvitation(
  organisationId: string,
  options: {
    email?: string;
    orgRole?: "ORG_ADMIN" | "MEMBER";
    expiresAt?: Date;
    workspaceIds?: string[];
    invitedById?: string;
  } = {},
): Promise<{ id: string; token: string; email: string; workspaceIds: string[] }> {
  const id = randomUUID();
  const token = `inv_${randomBytes(32).toString("base64url")}`;
  const email = options.email ?? uniqueEmail("invited");
  const workspaceIds = options.workspaceIds ?? [randomUUID()];
  await identityQuery(
    `INSERT INTO invitation (id, organisation_id, email, email_normalized, first_name, last_name, org_role, token_hash, invited_by_id, expires_at)
     VALUES ($1, $2, $3, lower($3), 'Invited', 'Person', $4::"OrgRole", $5, $6, $7)`,
    [
      id,
      organisationId,
      email,
      options.orgRole ?? "MEMBER",
      createHash("sha256").update(token).digest("hex"),
      options.invitedById ?? null,
      options.expiresAt ?? new Date(Date.now() + 7 * 86_400_000),
    ],
  );
  for (const workspaceId of workspaceIds) {
    await identityQuery(
      `INSERT INTO invitation_workspace (invitation_id, workspace_id, role) VALUES ($1, $2, 'MEMBER')`,
      [id, workspaceId],
    );
  }
  return { id, token, email, workspaceIds };
}

export interface OutboxEvent {
  type: string;
  workspaceId: string | null;
  organisationId: string;
  actor: { type: string; id?: string };
  target: { type: string; id: string; label: string | null };
  changes: Array<{ field: string; old: unknown; new: unknown }>;
  data: Record<string, unknown>;
}

/** Identity's events about one target, oldest first, read from its outbox. */
export async function identityEvents(targetId: string): Promise<OutboxEvent[]> {
  const rows = await identityQuery<{ payload: OutboxEvent }>(
    `SELECT payload FROM outbox_event WHERE payload->'target'->>'id' = $1 ORDER BY seq`,
    [targetId],
  );
  return rows.map((row) => row.payload);
}

/**
 * A GraphQL request to the gateway from a chosen loopback address (any 127.x.y.z works on
 * Linux), so a suite can act as several clients for per-address throttling.
 */
export function graphqlFrom<Data = Record<string, unknown>>(
  localAddress: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<Data>> {
  const url = new URL(testStack().gatewayUrl);
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Omit<GraphQLResponse<Data>, "status">;
          resolve({ status: res.statusCode ?? 0, data: parsed.data ?? null, errors: parsed.errors });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A loopback address no other suite uses in this run. */
export function randomLoopback(): string {
  const bytes = randomBytes(3);
  return `127.${((bytes[0] ?? 0) % 254) + 1}.${bytes[1] ?? 1}.${Math.max(1, Math.min(254, bytes[2] ?? 1))}`;
}
