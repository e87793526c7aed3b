import { RateLimiterPrisma, type RateLimiterRes } from "rate-limiter-flexible";
import { rateLimited } from "@support/errors";
import type { IdentityConfig } from "../config.js";
import { retryAfterSeconds, type ThrottleKeys } from "../domain/throttle.js";
import type { Db } from "./client.js";

/** What one throttle counts: attempts per email and per client address within a window. */
interface ThrottleLimits {
  /** Keeps each throttle's counters apart in the shared table. */
  keyPrefix: string;
  perEmail: number;
  perAddress: number;
  windowSeconds: number;
  /** The RATE_LIMITED message. */
  message: string;
}

/**
 * Attempts counted per email and per client address in identity's own database (table
 * login_throttle, rate-limiter-flexible's Prisma store), so the limits hold across restarts
 * and across several identity instances. Failed sign-ins use it, and so do password reset
 * requests (`loginThrottle`, `passwordResetThrottle`).
 */
export class LoginThrottle {
  private readonly byEmail: RateLimiterPrisma;
  private readonly byAddress: RateLimiterPrisma;
  private readonly message: string;

  constructor(db: Db, limits: ThrottleLimits) {
    const common = { storeClient: db, tableName: "loginThrottle", duration: limits.windowSeconds };
    this.byEmail = new RateLimiterPrisma({ ...common, keyPrefix: limits.keyPrefix, points: limits.perEmail });
    this.byAddress = new RateLimiterPrisma({ ...common, keyPrefix: limits.keyPrefix, points: limits.perAddress });
    this.message = limits.message;
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
      throw rateLimited(retryAfterSeconds(Math.max(...blocked)), this.message);
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

export const loginThrottle = (db: Db, config: IdentityConfig): LoginThrottle =>
  new LoginThrottle(db, {
    keyPrefix: "login",
    perEmail: config.LOGIN_MAX_FAILURES_PER_EMAIL,
    perAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
    windowSeconds: config.LOGIN_THROTTLE_WINDOW_SECONDS,
    message: "Too many failed sign-in attempts",
  });

/** Every request counts (nothing rewards it): a mailbox is not flooded, addresses are not swept. */
export const passwordResetThrottle = (db: Db, config: IdentityConfig): LoginThrottle =>
  new LoginThrottle(db, {
    keyPrefix: "reset",
    perEmail: config.PASSWORD_RESET_MAX_PER_EMAIL,
    perAddress: config.PASSWORD_RESET_MAX_PER_ADDRESS,
    windowSeconds: config.PASSWORD_RESET_THROTTLE_WINDOW_SECONDS,
    message: "Too many password reset requests",
  });
