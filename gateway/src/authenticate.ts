import {
  ANONYMOUS,
  ACTOR_CONTEXT_HEADER,
  actorSchema,
  signActorContext,
  type Actor,
  type ActorContextKey,
} from "@support/actor-context";
import { GraphQLError } from "graphql";
import { postJsonWithin, type InternalAnswer } from "@support/service-kit";
import { z } from "zod";
import { REQUEST_ID_HEADER } from "@support/logger";
import type { Authenticated, CredentialCache } from "./credential-cache.js";

/** How long the gateway waits for identity or workspace to authenticate a request. */
export const AUTHENTICATION_TIMEOUT_MS = 5_000;

/**
 * Identity or workspace could not answer (down, hung, or failing): the request cannot be
 * authenticated, so it is refused promptly with 503 rather than hanging or leaking the
 * internal URL and fetch error. Not one of SPEC's client error codes: nothing is wrong with
 * the request, the client should retry later.
 */
export const serviceUnavailable = (message = "The service is temporarily unavailable; please retry shortly") =>
  new GraphQLError(message, { extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503 } } });

/**
 * A credential the gateway refuses (malformed header, unknown, expired or logged-out session,
 * revoked key): HTTP 401 with SPEC's UNAUTHENTICATED, before any subgraph is asked anything.
 */
export const refusedCredential = (message: string) =>
  new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });

export const authenticationUnavailable = () =>
  serviceUnavailable("Sign-in is temporarily unavailable; please retry shortly");

/** What identity's and workspace's authenticate endpoints answer (`expiresAt`: a session's expiry). */
const authenticationAnswerSchema = z.object({
  actor: actorSchema.nullable(),
  expiresAt: z.string().datetime().optional(),
});

/** API keys look like `sk_<prefix>_<secret>`; session tokens start `sess_`. */
const API_KEY_PREFIX = "sk_";

/**
 * Turns the Authorization header into an actor. Session tokens are checked by identity, API keys
 * by workspace; with a cache, a credential checked recently is not asked about again until it
 * expires from the cache or its owner's revocation arrives through cache.invalidations
 * (docs/adr/0011), so logging out, disabling, suspending or revoking a key still takes effect
 * within 1 s of the mutation's answer. The gateway only authenticates; each subgraph authorizes
 * from the signed actor it receives.
 */
export class Authenticator {
  constructor(
    private readonly identityBaseUrl: string,
    /** The gateway signs its own (anonymous) context for these calls with the signing key. */
    private readonly signingKey: ActorContextKey,
    /** API keys (`sk_…`) are the workspace service's (docs/adr/0004). */
    private readonly workspaceBaseUrl: string,
    private readonly options: {
      timeoutMs?: number;
      /** Where the cause of an unavailable answer is written (the client sees only the 503). */
      logger?: { warn: (details: object, message: string) => void };
      /** Remembers accepted credentials between requests; without it every request is checked. */
      cache?: CredentialCache;
    } = {},
  ) {}

  async authenticate(authorization: string | undefined, requestId: string): Promise<Actor> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw refusedCredential("Authorization must be `Bearer <token>`");
    const token = match[1];
    const check = () =>
      token.startsWith(API_KEY_PREFIX)
        ? this.ask(
            `${this.workspaceBaseUrl}/internal/api-keys/authenticate`,
            { key: token },
            requestId,
            "Invalid or revoked API key",
          )
        : this.ask(`${this.identityBaseUrl}/internal/authenticate`, { token }, requestId, "Invalid or expired session");
    const { cache } = this.options;
    return cache ? cache.resolve(token, check) : (await check()).actor;
  }

  /**
   * The credential a download link was asked with, checked again now (docs/adr/0009): the session
   * by its id (still signed in, its user ACTIVE) or the API key by its id (unrevoked). Null when it
   * no longer authenticates anyone; never cached, a link is followed once.
   */
  async reauthenticate(
    requester: { kind: "user"; userId: string; sessionId: string } | { kind: "apiKey"; apiKeyId: string },
    requestId: string,
  ): Promise<Actor | null> {
    try {
      const { actor } =
        requester.kind === "user"
          ? await this.ask(
              `${this.identityBaseUrl}/internal/sessions/check`,
              { sessionId: requester.sessionId, userId: requester.userId },
              requestId,
              "Invalid or expired session",
            )
          : await this.ask(
              `${this.workspaceBaseUrl}/internal/api-keys/check`,
              { apiKeyId: requester.apiKeyId },
              requestId,
              "Invalid or revoked API key",
            );
      return actor;
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === "UNAUTHENTICATED") return null;
      throw error;
    }
  }

  private async ask(url: string, body: object, requestId: string, refusal: string): Promise<Authenticated> {
    // The gateway proves itself to the service with a context it signs for an anonymous caller,
    // for an internal route (audience "internal", docs/adr/0005).
    let response: InternalAnswer;
    try {
      response = await postJsonWithin(
        url,
        {
          [ACTOR_CONTEXT_HEADER]: await signActorContext(ANONYMOUS, this.signingKey, { audience: "internal" }),
          [REQUEST_ID_HEADER]: requestId,
        },
        JSON.stringify(body),
        this.options.timeoutMs ?? AUTHENTICATION_TIMEOUT_MS,
      );
    } catch (error) {
      // Refused connection, reset or timeout (before or while the answer is read).
      throw this.unavailable(url, requestId, error);
    }
    // 401 here means the service refused the gateway's own context (ACTOR_CONTEXT_KEYS differ):
    // an outage to fix, not the client's fault. A refused credential is `actor: null`.
    if (!response.ok) throw this.unavailable(url, requestId, `HTTP ${response.status}`);
    let answer: z.infer<typeof authenticationAnswerSchema>;
    try {
      answer = authenticationAnswerSchema.parse(response.json());
    } catch (error) {
      throw this.unavailable(url, requestId, error);
    }
    if (!answer.actor) throw refusedCredential(refusal);
    return { actor: answer.actor, expiresAt: answer.expiresAt ? new Date(answer.expiresAt) : null };
  }

  private unavailable(url: string, requestId: string, cause: unknown): GraphQLError {
    this.options.logger?.warn(
      { requestId, endpoint: new URL(url).pathname, cause: cause instanceof Error ? cause.message : String(cause) },
      "could not authenticate the request",
    );
    return authenticationUnavailable();
  }
}
