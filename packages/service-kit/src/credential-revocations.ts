import pRetry from "p-retry";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS, signActorContext, type ActorContextKey } from "@support/actor-context";
import type { Logger } from "@support/logger";

/** What a revocation names (the gateway's `/internal/credentials/revoked` body, docs/adr/0011). */
export interface CredentialRevocation {
  userIds?: string[];
  sessionIds?: string[];
  apiKeyIds?: string[];
  workspaceIds?: string[];
}

const ANNOUNCE_TIMEOUT_MS = 2_000;

/**
 * Tells every gateway (GATEWAY_URLS) that credentials changed, after the change committed and
 * before the mutation answers, so a gateway that remembers accepted credentials refuses them on
 * the very next request (docs/adr/0011). A gateway that cannot be told after three tries is logged
 * as an error: it serves the old answer until its cache entry expires (CREDENTIAL_CACHE_SECONDS).
 */
export class CredentialRevocations {
  constructor(
    private readonly gatewayUrls: readonly string[],
    private readonly signingKey: ActorContextKey,
    private readonly logger: Pick<Logger, "error">,
  ) {}

  async announce(revocation: CredentialRevocation): Promise<void> {
    if (this.gatewayUrls.length === 0) return;
    const body = JSON.stringify(revocation);
    const context = await signActorContext(ANONYMOUS, this.signingKey);
    await Promise.all(
      this.gatewayUrls.map(async (gatewayUrl) => {
        try {
          await pRetry(
            async () => {
              const response = await fetch(`${gatewayUrl}/internal/credentials/revoked`, {
                method: "POST",
                headers: { "content-type": "application/json", [ACTOR_CONTEXT_HEADER]: context },
                body,
                signal: AbortSignal.timeout(ANNOUNCE_TIMEOUT_MS),
              });
              if (!response.ok) throw new Error(`HTTP ${response.status}`);
            },
            { retries: 2, minTimeout: 50, maxTimeout: 200 },
          );
        } catch (error) {
          this.logger.error(
            { gatewayUrl, revocation, cause: error instanceof Error ? error.message : String(error) },
            "could not tell a gateway about revoked credentials; it may accept them until its cache entry expires",
          );
        }
      }),
    );
  }
}
