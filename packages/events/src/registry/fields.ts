import { z } from "zod";
import { ALL_PERMISSIONS, DEFAULT_TOGGLES, type MemberToggles, type Permission } from "@support/permissions";

/** Field schemas that several producers' `data` share. */

export const id = (what: string) => z.string().uuid().describe(`id of the ${what}`);

export const timestamp = (what: string) => z.string().datetime({ offset: true }).describe(what);

/**
 * The version of the source row the event leaves behind: 1 when created, incremented by every
 * change. A service keeping a copy stores it beside the copy and applies an event only when its
 * `aggregateVersion` is greater, so out-of-order delivery cannot roll the copy back.
 */
export const aggregateVersion = z
  .number()
  .int()
  .min(1)
  .describe("the source row's version after this change (1 on creation, +1 per change); copies apply only newer ones");

export const orgRole = z.enum(["ORG_ADMIN", "MEMBER"]);
export const userStatus = z.enum(["ACTIVE", "DISABLED", "SUSPENDED"]);
/** A member's role: the built-in ones (with the preset SUPERVISOR, AGENT, SUPPORT), or CUSTOM. */
export const memberRole = z.enum(["OWNER", "ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER", "CUSTOM"]);
export const plan = z.enum(["BASIC", "PRO", "UNLIMITED"]);
export const billingStatus = z.enum(["TRIALING", "ACTIVE", "PAST_DUE", "CANCELED"]);

/** A permission of the catalogue (docs/permissions.md); named so docs/events.md does not list them all. */
export const permission = z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]]).meta({ title: "permission" });

/** Every member toggle of a workspace (SPEC section 2), by name. */
export const memberToggles = z.object(
  Object.fromEntries(Object.keys(DEFAULT_TOGGLES).map((name) => [name, z.boolean()])) as Record<
    keyof MemberToggles,
    z.ZodBoolean
  >,
);

/** For event types whose envelope (target, changes) says everything. */
export const noData = z.object({});
