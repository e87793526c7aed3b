import { outboxPublisher } from "@support/events";

/** Billing's events go through its outbox (`billing.events`), in the caller's transaction. */
export const publish = outboxPublisher("billing");
