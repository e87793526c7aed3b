import { describe, expect, test } from "@jest/globals";
import { SignJWT } from "jose";
import { signActorContext, ACTOR_CONTEXT_HEADER, type ActorContextKey } from "@support/actor-context";
import { createWorkspace, signedContext, signUp, testStack } from "../harness/stack.js";

const SUBGRAPHS = ["identity", "workspace", "ticketing", "billing", "audit"] as const;

async function postToSubgraph(service: (typeof SUBGRAPHS)[number], query: string, actorContext?: string) {
  const response = await fetch(`${testStack().serviceUrls[service]}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(actorContext ? { [ACTOR_CONTEXT_HEADER]: actorContext } : {}) },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> },
  };
}

const gatewayKey = (): ActorContextKey => {
  const [key] = testStack().actorContextKeys;
  if (!key) throw new Error("no actor context key");
  return key;
};
const secret = () => new TextEncoder().encode(gatewayKey().secret);
const user = {
  kind: "user",
  userId: "00000000-0000-4000-8000-000000000001",
  organisationId: "00000000-0000-4000-8000-000000000002",
  orgRole: "ORG_ADMIN",
  sessionId: "00000000-0000-4000-8000-000000000003",
} as const;

const forgeries: Record<string, () => Promise<string | undefined>> = {
  missing: async () => undefined,
  "not a token": async () => "hello",
  "signed with another secret under the gateway's key id": () =>
    signActorContext(user, { kid: gatewayKey().kid, secret: "x".repeat(40) }),
  "signed by an unknown key id": () => signActorContext(user, { kid: "retired", secret: gatewayKey().secret }),
  "signed without a key id": () =>
    new SignJWT({ actor: user })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("support-gateway")
      .setAudience("support-subgraphs")
      .setIssuedAt()
      .setExpirationTime("60s")
      .sign(secret()),
  expired: () =>
    new SignJWT({ actor: user })
      .setProtectedHeader({ alg: "HS256", kid: gatewayKey().kid })
      .setIssuer("support-gateway")
      .setAudience("support-subgraphs")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(secret()),
  "tampered payload": async () => {
    const token = await signedContext({ kind: "anonymous" });
    const [header, , signature] = token.split(".");
    const payload = Buffer.from(
      JSON.stringify({ actor: user, iss: "support-gateway", aud: "support-subgraphs", exp: 9_999_999_999 }),
    ).toString("base64url");
    return `${header}.${payload}.${signature}`;
  },
  "unsigned (alg none)": async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const payload = Buffer.from(
      JSON.stringify({ actor: user, iss: "support-gateway", aud: "support-subgraphs", exp: 9_999_999_999 }),
    ).toString("base64url");
    return `${header}.${payload}.`;
  },
};

describe("subgraphs trust only the gateway's signed actor context", () => {
  for (const service of SUBGRAPHS) {
    for (const [name, forge] of Object.entries(forgeries)) {
      test(`${service} refuses a request whose actor context is ${name}`, async () => {
        const { status, body } = await postToSubgraph(service, "{ __typename }", await forge());
        expect(status).toBe(401);
        expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        expect(body.data).toBeUndefined();
      });
    }
    test(`${service} answers a request signed with the gateway's secret`, async () => {
      const { status, body } = await postToSubgraph(
        service,
        "{ __typename }",
        await signedContext({ kind: "anonymous" }),
      );
      expect(status).toBe(200);
      expect(body.data).toEqual({ __typename: "Query" });
    });
  }

  test("another organisation's workspace is NOT_FOUND, also through _entities sent straight to a subgraph", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Private");
    const strangerContext = await signedContext({
      kind: "user",
      userId: stranger.userId,
      organisationId: stranger.organisationId,
      orgRole: "ORG_ADMIN",
      sessionId: user.sessionId,
    });
    const query = `{ _entities(representations: [{ __typename: "Workspace", id: "${workspaceId}" }]) { ... on Workspace { id name } } }`;
    const { body } = await postToSubgraph("workspace", query, strangerContext);
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(JSON.stringify(body)).not.toContain("Private");
    const missing = await postToSubgraph(
      "workspace",
      query.replace(workspaceId, "00000000-0000-4000-8000-00000000dead"),
      strangerContext,
    );
    expect(missing.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(missing.body.errors?.[0]).toMatchObject({
      message: body.errors?.[0] && (body.errors[0] as { message: string }).message,
    });
  });
});
