import { ANONYMOUS, ACTOR_CONTEXT_HEADER, signActorContext, type Actor } from "@support/actor-context";
import { unauthenticated } from "@support/errors";
import { REQUEST_ID_HEADER } from "@support/logger";

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
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [ACTOR_CONTEXT_HEADER]: await signActorContext(ANONYMOUS, this.secret),
        [REQUEST_ID_HEADER]: requestId,
      },
      body: JSON.stringify(body),
    });
    if (response.status === 401) throw unauthenticated(refusal);
    if (!response.ok) throw new Error(`${new URL(url).pathname} answered HTTP ${response.status}`);
    const answer = (await response.json()) as { actor: Actor };
    return answer.actor;
  }
}
