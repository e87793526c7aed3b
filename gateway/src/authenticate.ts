import { ANONYMOUS, ACTOR_CONTEXT_HEADER, signActorContext, type Actor } from "@support/actor-context";
import { GraphQLError } from "graphql";
import { unauthenticated } from "@support/errors";
import { REQUEST_ID_HEADER } from "@support/logger";

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

export const authenticationUnavailable = () =>
  serviceUnavailable("Sign-in is temporarily unavailable; please retry shortly");

/** API keys look like `sk_<prefix>_<secret>`; session tokens start `sess_`. */
const API_KEY_PREFIX = "sk_";

/**
 * Turns the Authorization header into an actor. Session tokens are checked by identity, API
 * keys by workspace, on every request (so logging out, disabling or suspending takes effect on the next one). The
 * gateway only authenticates; each subgraph authorizes from the signed actor it receives.
 */
export class Authenticator {
  constructor(
    private readonly identityBaseUrl: string,
    private readonly secret: string,
    /** API keys (`sk_…`) are the workspace service's (docs/adr/0004). */
    private readonly workspaceBaseUrl: string,
    private readonly options: {
      timeoutMs?: number;
      /** Where the cause of an unavailable answer is written (the client sees only the 503). */
      logger?: { warn: (details: object, message: string) => void };
    } = {},
  ) {}

  async authenticate(authorization: string | undefined, requestId: string): Promise<Actor> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw unauthenticated("Authorization must be `Bearer <token>`");
    const token = match[1];
    return token.startsWith(API_KEY_PREFIX)
      ? this.ask(
          `${this.workspaceBaseUrl}/internal/api-keys/authenticate`,
          { key: token },
          requestId,
          "Invalid or revoked API key",
        )
      : this.ask(`${this.identityBaseUrl}/internal/authenticate`, { token }, requestId, "Invalid or expired session");
  }

  private async ask(url: string, body: object, requestId: string, refusal: string): Promise<Actor> {
    // The gateway proves itself to the service with a context it signs for an anonymous caller.
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [ACTOR_CONTEXT_HEADER]: await signActorContext(ANONYMOUS, this.secret),
          [REQUEST_ID_HEADER]: requestId,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? AUTHENTICATION_TIMEOUT_MS),
      });
    } catch (error) {
      // Refused connection, reset or timeout.
      throw this.unavailable(url, requestId, error);
    }
    if (response.status === 401) throw unauthenticated(refusal);
    if (!response.ok) throw this.unavailable(url, requestId, `HTTP ${response.status}`);
    try {
      const answer = (await response.json()) as { actor: Actor };
      return answer.actor;
    } catch (error) {
      throw this.unavailable(url, requestId, error);
    }
  }

  private unavailable(url: string, requestId: string, cause: unknown): GraphQLError {
    this.options.logger?.warn(
      { requestId, endpoint: new URL(url).pathname, cause: cause instanceof Error ? cause.message : String(cause) },
      "could not authenticate the request",
    );
    return authenticationUnavailable();
  }
}
