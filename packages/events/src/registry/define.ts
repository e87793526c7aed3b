import type { z } from "zod";

/**
 * The activity-log category of an event type: what an auditor filters by. One per group of the
 * permission catalogue where one fits, plus the organisation-level ones.
 */
export type EventCategory =
  | "organisation"
  | "user"
  | "session"
  | "invitation"
  | "workspace"
  | "member"
  | "role"
  | "team"
  | "api_key"
  | "ticket"
  | "ticket_field"
  | "sla"
  | "notification"
  | "billing"
  | "workspace_data";

/** One entry of the typed event registry: everything a producer, a consumer and the docs need. */
export interface EventDefinition<Data extends z.ZodType = z.ZodType> {
  /** Version of `data`'s shape; bump on a breaking change and keep reading the old one. */
  version: number;
  category: EventCategory;
  /** `target.type` of every event of this type. */
  targetType: string;
  /** Which service publishes it. */
  producer: "identity" | "workspace" | "ticketing" | "billing" | "audit";
  /** One line for docs/events.md. */
  description: string;
  /** What consumers may read from `data`; validated when published and when consumed. */
  data: Data;
}

/** Keeps each entry's literal types (so `data` stays precisely typed per event type). */
export const defineEvents = <const Definitions extends Record<string, EventDefinition>>(
  definitions: Definitions,
): Definitions => definitions;
