import pRetry from "p-retry";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS, signActorContext, type ActorContextKey } from "@support/actor-context";
import type { Logger } from "@support/logger";

const ANNOUNCE_TIMEOUT_MS = 2_000;

/**
 * Tells every instance in `baseUrls` about a change that committed, before the mutation that made
 * it answers, so a cache there drops what the change made stale (docs/adr/0003, 0011). The call
 * carries a context signed with ACTOR_CONTEXT_KEYS for an internal route (the receiving route requires one). An
 * instance that cannot be told after three tries is logged as an error with `consequence`: it
 * serves its old answer until its own cache entry expires.
 */
export class Announcer {
  constructor(
    private readonly baseUrls: readonly string[],
    private readonly path: string,
    private readonly signingKey: ActorContextKey,
    private readonly logger: Pick<Logger, "error">,
    private readonly consequence: string,
  ) {}

  async announce(change: object): Promise<void> {
    if (this.baseUrls.length === 0) return;
    const body = JSON.stringify(change);
    const context = await signActorContext(ANONYMOUS, this.signingKey, { audience: "internal" });
    await Promise.all(
      this.baseUrls.map(async (baseUrl) => {
        try {
          await pRetry(
            async () => {
              const response = await fetch(`${baseUrl}${this.path}`, {
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
            { target: `${baseUrl}${this.path}`, change, cause: error instanceof Error ? error.message : String(error) },
            `could not announce a change; ${this.consequence}`,
          );
        }
      }),
    );
  }
}
