import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";
import { unauthenticated } from "@support/errors";

/** Header the gateway puts on every subgraph request; subgraphs trust nothing else. */
export const ACTOR_CONTEXT_HEADER = "x-actor-context";

/**
 * The end client's network address, set by the gateway on every subgraph request (identity
 * throttles sign-ins by it). Subgraphs are reachable only by the gateway and peers holding a
 * gateway-signed context, so the header is trusted like the context.
 */
export const CLIENT_ADDRESS_HEADER = "x-client-address";

const ISSUER = "support-gateway";
const AUDIENCE = "support-subgraphs";
/** Short: a context is minted per request, so a leaked one is useless within seconds. */
const DEFAULT_TTL_SECONDS = 60;

export const orgRoleSchema = z.enum(["ORG_ADMIN", "MEMBER"]);
export type OrgRole = z.infer<typeof orgRoleSchema>;

const userActorSchema = z.object({
  kind: z.literal("user"),
  userId: z.string().uuid(),
  organisationId: z.string().uuid(),
  orgRole: orgRoleSchema,
  sessionId: z.string().uuid(),
});
const apiKeyActorSchema = z.object({
  kind: z.literal("apiKey"),
  apiKeyId: z.string().uuid(),
  prefix: z.string(),
  workspaceId: z.string().uuid(),
  organisationId: z.string().uuid(),
  permissions: z.array(z.string()),
});
const anonymousActorSchema = z.object({ kind: z.literal("anonymous") });

export const actorSchema = z.discriminatedUnion("kind", [userActorSchema, apiKeyActorSchema, anonymousActorSchema]);
export type Actor = z.infer<typeof actorSchema>;
export type UserActor = z.infer<typeof userActorSchema>;
export type ApiKeyActor = z.infer<typeof apiKeyActorSchema>;

export const ANONYMOUS: Actor = { kind: "anonymous" };

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signActorContext(
  actor: Actor,
  secret: string,
  ttlSeconds = DEFAULT_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({ actor })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/** A missing, unsigned, expired, tampered or malformed context is UNAUTHENTICATED. */
export async function verifyActorContext(token: string | undefined, secret: string): Promise<Actor> {
  if (!token) throw unauthenticated("Missing actor context");
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    const parsed = actorSchema.safeParse(payload.actor);
    if (!parsed.success) throw unauthenticated("Malformed actor context");
    return parsed.data;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated("Expired actor context");
    if (error instanceof joseErrors.JOSEError) throw unauthenticated("Invalid actor context");
    throw error;
  }
}

/** Human label of an actor for logs and activity entries; API keys only ever by prefix. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return `user:${actor.userId}`;
    case "apiKey":
      return `apiKey:${actor.prefix}`;
    case "anonymous":
      return "anonymous";
  }
}
