import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { rateLimited } from "@support/errors";
import type { Db } from "./client.js";

/**
 * verifyActivityLog's budget per workspace, counted in audit's own database (table
 * verify_throttle, rate-limiter-flexible's Prisma store, as identity's sign-in throttle), so it
 * holds across every audit instance and restart. An incremental verification takes one point, a
 * full one (every entry re-hashed) `fullCost`.
 */
export class VerifyThrottle {
  private readonly limiter: RateLimiterPrisma;

  constructor(
    db: Db,
    private readonly options: { pointsPerMinute: number; fullCost: number },
  ) {
    this.limiter = new RateLimiterPrisma({
      storeClient: db,
      tableName: "verifyThrottle",
      keyPrefix: "verify",
      points: options.pointsPerMinute,
      duration: 60,
    });
  }

  /** Takes the verification's points, or RATE_LIMITED with retryAfterSeconds. */
  async take(workspaceId: string, full: boolean): Promise<void> {
    const cost = full ? Math.min(this.options.fullCost, this.options.pointsPerMinute) : 1;
    try {
      await this.limiter.consume(workspaceId, cost);
    } catch (error) {
      // rate-limiter-flexible rejects with a RateLimiterRes when out of points, an Error otherwise.
      if (!(error instanceof RateLimiterRes)) throw error;
      throw rateLimited(
        Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        "This workspace's activity log was verified too often",
      );
    }
  }
}
