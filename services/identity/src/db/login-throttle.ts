import { RateLimiterPrisma, type RateLimiterRes } from "rate-limiter-flexible";
import { rateLimited } from "@support/errors";
import type { IdentityConfig } from "../config.js";
import { retryAfterSeconds, type ThrottleKeys } from "../domain/throttle.js";
import type { Db } from "./client.js";

/**
 * Failed sign-ins counted per email and per client address in identity's own database
 * (table login_throttle, rate-limiter-flexible's Prisma store), so the limits hold across
 * restarts and across several identity instances.
 */
export class LoginThrottle {
  private readonly byEmail: RateLimiterPrisma;
  private readonly byAddress: RateLimiterPrisma;

  constructor(db: Db, config: IdentityConfig) {
    const common = { storeClient: db, tableName: "loginThrottle", duration: config.LOGIN_THROTTLE_WINDOW_SECONDS };
    this.byEmail = new RateLimiterPrisma({
      ...common,
      keyPrefix: "login",
      points: config.LOGIN_MAX_FAILURES_PER_EMAIL,
    });
    this.byAddress = new RateLimiterPrisma({
      ...common,
      keyPrefix: "login",
      points: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
    });
  }

  /**
   * Takes one attempt from both counters before any password is checked, RATE_LIMITED when
   * either is used up. The take is one atomic increment in the database, so concurrent
   * attempts cannot all pass a read-then-count check and get more guesses than the limit.
   */
  async reserve(keys: ThrottleKeys): Promise<void> {
    const results = await Promise.allSettled([this.byEmail.consume(keys.email), this.byAddress.consume(keys.address)]);
    const blocked: number[] = [];
    for (const result of results) {
      if (result.status === "fulfilled") continue;
      // rate-limiter-flexible rejects with a RateLimiterRes when out of points, an Error otherwise.
      if (result.reason instanceof Error) throw result.reason;
      blocked.push((result.reason as RateLimiterRes).msBeforeNext);
    }
    if (blocked.length > 0) {
      throw rateLimited(retryAfterSeconds(Math.max(...blocked)), "Too many failed sign-in attempts");
    }
  }

  /**
   * A successful sign-in clears the account's counter and gives the address back the attempt
   * it reserved (one success does not excuse earlier failures from that address). A failed
   * attempt keeps what it reserved.
   */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await Promise.all([this.byEmail.delete(keys.email), this.byAddress.reward(keys.address, 1)]);
  }
}
