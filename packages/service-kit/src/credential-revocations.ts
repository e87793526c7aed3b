import type { ActorContextKey } from "@support/actor-context";
import type { Logger } from "@support/logger";
import { Announcer } from "./announcements.js";

/** What a revocation names (the gateway's `/internal/credentials/revoked` body, docs/adr/0011). */
export interface CredentialRevocation {
  userIds?: string[];
  sessionIds?: string[];
  apiKeyIds?: string[];
  workspaceIds?: string[];
}

/**
 * Tells every gateway (GATEWAY_URLS) that credentials changed, after the change committed and
 * before the mutation answers, so a gateway that remembers accepted credentials refuses them on
 * the very next request (docs/adr/0011).
 */
export class CredentialRevocations {
  private readonly announcer: Announcer;

  constructor(gatewayUrls: readonly string[], signingKey: ActorContextKey, logger: Pick<Logger, "error">) {
    this.announcer = new Announcer(
      gatewayUrls,
      "/internal/credentials/revoked",
      signingKey,
      logger,
      "that gateway may accept the revoked credentials until its cache entry expires (CREDENTIAL_CACHE_SECONDS)",
    );
  }

  announce(revocation: CredentialRevocation): Promise<void> {
    return this.announcer.announce(revocation);
  }
}
