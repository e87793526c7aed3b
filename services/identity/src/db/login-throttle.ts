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

  /** RATE_LIMITED, before any password is checked, while either counter is used up. */
  async assertAllowed(keys: ThrottleKeys): Promise<void> {
    const [email, address] = await Promise.all([this.byEmail.get(keys.email), this.byAddress.get(keys.address)]);
    const blocked = [exhausted(email, this.byEmail.points), exhausted(address, this.byAddress.points)].filter(
      (ms): ms is number => ms !== null,
    );
    if (blocked.length > 0) {
      throw rateLimited(retryAfterSeconds(Math.max(...blocked)), "Too many failed sign-in attempts");
    }
  }

  async recordFailure(keys: ThrottleKeys): Promise<void> {
    await Promise.all([this.byEmail.penalty(keys.email, 1), this.byAddress.penalty(keys.address, 1)]);
  }

  /** A successful sign-in clears the account's counter; the address keeps its count (one success does not excuse spraying). */
  async recordSuccess(keys: ThrottleKeys): Promise<void> {
    await this.byEmail.delete(keys.email);
  }
}

function exhausted(res: RateLimiterRes | null, points: number): number | null {
  return res && res.consumedPoints >= points ? res.msBeforeNext : null;
}
