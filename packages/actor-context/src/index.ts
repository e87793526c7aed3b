import { createHash, webcrypto } from "node:crypto";
import { LRUCache } from "lru-cache";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { z } from "zod";
import { unauthenticated } from "@support/errors";

/** Header the gateway puts on every subgraph request; subgraphs trust nothing else. */
export const ACTOR_CONTEXT_HEADER = "x-actor-context";

const ISSUER = "support-gateway";

/**
 * Whom a context is for (its `aud` claim, docs/adr/0005): `gateway` contexts are what the gateway
 * sends with every GraphQL request (anonymous ones included) and only the subgraphs' GraphQL
 * routes take them; `internal` contexts are signed for one service-to-service call (`/internal/…`
 * routes take only these). A context a subgraph received from the gateway is never accepted on an
 * internal route, so anyone holding one (every anonymous caller gets one) cannot call them.
 */
export type ActorContextAudience = "gateway" | "internal";
const AUDIENCES: Record<ActorContextAudience, string> = {
  gateway: "support-subgraphs",
  internal: "support-internal",
};
/**
 * Short: the gateway signs a context per actor and client address and reuses it for at most 10 s
 * (`ActorContextSigner`), so a leaked one is useless within about a minute.
 */
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

/**
 * One HS256 key for actor contexts, named by its key id (`kid`). Subgraphs accept every
 * configured key and the gateway signs with the first, so the secret can be rotated without
 * downtime (docs/adr/0005): add the new key second everywhere, make it first, drop the old one.
 */
export interface ActorContextKey {
  kid: string;
  secret: string;
}

const KID = /^[A-Za-z0-9_-]{1,32}$/;
const MIN_SECRET_LENGTH = 32;

/**
 * `ACTOR_CONTEXT_KEYS`: `kid:secret[,kid:secret…]`, at least one key, kids unique, each secret
 * at least 32 characters. The first key signs; all of them verify.
 */
export const actorContextKeysSchema = z.string().transform((value, context): ActorContextKey[] => {
  const keys = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(":");
      return colon < 0 ? { kid: "", secret: entry } : { kid: entry.slice(0, colon), secret: entry.slice(colon + 1) };
    });
  const problem =
    keys.length === 0
      ? "must list at least one kid:secret"
      : keys.some((k) => !KID.test(k.kid))
        ? "each entry must be kid:secret, the kid 1-32 letters, digits, _ or -"
        : keys.some((k) => k.secret.length < MIN_SECRET_LENGTH)
          ? `each secret must be at least ${MIN_SECRET_LENGTH} characters`
          : new Set(keys.map((k) => k.kid)).size !== keys.length
            ? "kids must be unique"
            : null;
  // The message names the rule, never the value: the variable holds secrets.
  if (problem) {
    context.addIssue({ code: "custom", message: problem });
    return z.NEVER;
  }
  return keys;
});

/** What the gateway vouches for on one request. */
export interface ActorContext {
  actor: Actor;
  /**
   * The end client's network address as the gateway saw it (identity throttles sign-ins by it);
   * null in contexts minted without one (tests calling a subgraph directly).
   */
  clientAddress: string | null;
}

const claimsSchema = z.object({ actor: actorSchema, clientAddress: z.string().max(100).optional() });

/**
 * The HMAC key of a secret, imported once: jose would import raw bytes again on every sign and
 * verify, a WebCrypto call per request on the gateway and on every subgraph.
 */
const importedKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  let key = importedKeys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    importedKeys.set(secret, key);
  }
  return key;
}

export async function signActorContext(
  actor: Actor,
  key: ActorContextKey,
  options: { clientAddress?: string; ttlSeconds?: number; audience?: ActorContextAudience } = {},
): Promise<string> {
  return new SignJWT({
    actor,
    ...(options.clientAddress === undefined ? {} : { clientAddress: options.clientAddress }),
  })
    .setProtectedHeader({ alg: "HS256", kid: key.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCES[options.audience ?? "gateway"])
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? DEFAULT_TTL_SECONDS}s`)
    .sign(await hmacKey(key.secret));
}

/**
 * Contexts already verified, until they expire: the gateway reuses a signed context for a few
 * seconds (`ActorContextSigner`), so a subgraph sees the same token many times and need not redo
 * the HMAC and the claims' validation each time. Keyed by the configured keys too, so a token is
 * never taken as verified under a key set it was not checked against.
 */
const verifiedContexts = new LRUCache<string, { context: ActorContext; expiresAtMs: number }>({ max: 10_000 });
const keySetIds = new WeakMap<readonly ActorContextKey[], string>();
function keySetId(keys: readonly ActorContextKey[]): string {
  let id = keySetIds.get(keys);
  if (!id) {
    id = createHash("sha256")
      .update(JSON.stringify(keys.map((k) => [k.kid, k.secret])))
      .digest("base64url");
    keySetIds.set(keys, id);
  }
  return id;
}

/**
 * A missing, unsigned, expired, tampered or malformed context, or one signed by a key that is
 * not configured (unknown or missing `kid`), is UNAUTHENTICATED.
 */
export async function verifyActorContext(
  token: string | undefined,
  keys: readonly ActorContextKey[],
  audience: ActorContextAudience = "gateway",
): Promise<ActorContext> {
  if (!token) throw unauthenticated("Missing actor context");
  const cacheKey = `${audience}.${keySetId(keys)}.${token}`;
  const known = verifiedContexts.get(cacheKey);
  if (known && known.expiresAtMs > Date.now()) return known.context;
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = keys.find((k) => k.kid === header.kid);
        if (!key) throw unauthenticated("Actor context signed by an unknown key");
        return hmacKey(key.secret);
      },
      { issuer: ISSUER, audience: AUDIENCES[audience], algorithms: ["HS256"] },
    );
    const parsed = claimsSchema.safeParse(payload);
    if (!parsed.success) throw unauthenticated("Malformed actor context");
    const context: ActorContext = Object.freeze({
      actor: Object.freeze(parsed.data.actor),
      clientAddress: parsed.data.clientAddress ?? null,
    });
    // jwtVerify demands `exp` here only if present; a context without one is not remembered.
    if (typeof payload.exp === "number") verifiedContexts.set(cacheKey, { context, expiresAtMs: payload.exp * 1000 });
    return context;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated("Expired actor context");
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud")
      throw unauthenticated("Actor context not meant for this route");
    if (error instanceof joseErrors.JOSEError) throw unauthenticated("Invalid actor context");
    throw error;
  }
}

/** How long the gateway reuses one signed context for the same actor and client address. */
const REUSE_SIGNED_CONTEXT_MS = 10_000;

/**
 * The gateway's signer: the same actor from the same address within a few seconds gets the same
 * signed context (still at least 50 s from its expiry), instead of a new HMAC per request. Safe
 * because a context only says who the gateway authenticated; the credential itself is checked (or
 * known fresh, ADR 0011) before every request, and a changed actor (org role, session) is a
 * different key here.
 */
export class ActorContextSigner {
  private readonly recent = new LRUCache<string, { token: Promise<string>; signedAtMs: number }>({ max: 10_000 });

  constructor(
    private readonly key: ActorContextKey,
    private readonly audience: ActorContextAudience = "gateway",
  ) {}

  sign(actor: Actor, clientAddress: string | null): Promise<string> {
    const cacheKey = JSON.stringify([actor, clientAddress]);
    const recent = this.recent.get(cacheKey);
    if (recent && Date.now() - recent.signedAtMs < REUSE_SIGNED_CONTEXT_MS) return recent.token;
    const token = signActorContext(actor, this.key, {
      audience: this.audience,
      ...(clientAddress === null ? {} : { clientAddress }),
    });
    this.recent.set(cacheKey, { token, signedAtMs: Date.now() });
    token.catch(() => this.recent.delete(cacheKey));
    return token;
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
