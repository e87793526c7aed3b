import { ANONYMOUS, ACTOR_CONTEXT_HEADER, signActorContext, type Actor } from "@support/actor-context";
import { unauthenticated } from "@support/errors";
import { REQUEST_ID_HEADER } from "@support/logger";

/**
 * Turns the Authorization header into an actor. Session tokens are checked by identity on
 * every request (so logging out, disabling or suspending takes effect on the next one). The
 * gateway only authenticates; each subgraph authorizes from the signed actor it receives.
 */
export class Authenticator {
  constructor(
    private readonly identityBaseUrl: string,
    private readonly secret: string,
  ) {}

  async authenticate(authorization: string | undefined, requestId: string): Promise<Actor> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw unauthenticated("Authorization must be `Bearer <token>`");
    const token = match[1];
    // The gateway proves itself to identity with a context it signs for an anonymous caller.
    const response = await fetch(`${this.identityBaseUrl}/internal/authenticate`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [ACTOR_CONTEXT_HEADER]: await signActorContext(ANONYMOUS, this.secret),
        [REQUEST_ID_HEADER]: requestId,
      },
      body: JSON.stringify({ token }),
    });
    if (response.status === 401) throw unauthenticated("Invalid or expired session");
    if (!response.ok) throw new Error(`identity answered HTTP ${response.status} to authenticate`);
    const body = (await response.json()) as { actor: Actor };
    return body.actor;
  }
}
