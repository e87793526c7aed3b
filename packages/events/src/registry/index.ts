import type { z } from "zod";
import type { EventEnvelope } from "../envelope.js";
import { auditEvents } from "./audit.js";
import { billingEvents } from "./billing.js";
import { identityEvents } from "./identity.js";
import { ticketingEvents } from "./ticketing.js";
import { workspaceEvents } from "./workspace.js";

export * from "./define.js";

/**
 * The typed event registry: every event type any service publishes, with its version,
 * category, target type and the zod schema of its `data` (docs/events.md is generated from it).
 * Each producing service keeps its entries in its own file here.
 */
export const EVENT_REGISTRY = {
  ...identityEvents,
  ...workspaceEvents,
  ...ticketingEvents,
  ...billingEvents,
  ...auditEvents,
};

export type EventRegistry = typeof EVENT_REGISTRY;
export type EventType = keyof EventRegistry & string;
export type EventDataOf<T extends EventType> = z.infer<EventRegistry[T]["data"]>;

/** An envelope whose `data` has the shape its type declares; a union over types narrows on `type`. */
export type TypedEvent<T extends EventType = EventType> = {
  [K in T]: Omit<EventEnvelope, "type" | "data"> & { type: K; data: EventDataOf<K> };
}[T];

export function isRegisteredType(type: string): type is EventType {
  return Object.hasOwn(EVENT_REGISTRY, type);
}
