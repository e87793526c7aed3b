import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Actor } from "@support/actor-context";
import {
  EVENT_REGISTRY,
  isRegisteredType,
  type EventDataOf,
  type EventDefinition,
  type EventRegistry,
  type EventType,
  type TypedEvent,
} from "./registry/index.js";

/**
 * The one event envelope every service publishes and every consumer reads (docs/adr/0002).
 * `type` is `<aggregate>.<past-tense verb>`, e.g. `workspace.created`; `version` is the
 * version of `data`'s shape for that type, bumped on a breaking change.
 */
const jsonValue: z.ZodType<unknown> = z.unknown();

export const eventActorSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("user"), id: z.string().uuid() }),
  // API keys are only ever identified by their prefix outside the workspace service.
  z.object({ type: z.literal("apiKey"), id: z.string().uuid(), prefix: z.string().min(1) }),
  z.object({ type: z.literal("system") }),
  z.object({ type: z.literal("stripe") }),
]);
export type EventActor = z.infer<typeof eventActorSchema>;

export const eventTargetSchema = z.object({
  type: z.string().min(1),
  id: z.string().min(1),
  label: z.string().nullable(),
});
export type EventTarget = z.infer<typeof eventTargetSchema>;

export const fieldChangeSchema = z.object({
  field: z.string().min(1),
  old: jsonValue,
  new: jsonValue,
});
export type FieldChange = z.infer<typeof fieldChangeSchema>;

export const eventEnvelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/, "must look like aggregate.verb"),
  version: z.number().int().min(1),
  workspaceId: z.string().uuid().nullable(),
  organisationId: z.string().uuid(),
  actor: eventActorSchema,
  occurredAt: z.string().datetime({ offset: true }),
  target: eventTargetSchema,
  changes: z.array(fieldChangeSchema),
  data: z.record(z.string(), jsonValue),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

export class InvalidEventError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid event envelope: ${issues.join("; ")}`);
    this.name = "InvalidEventError";
  }
}

const issuesOf = (error: z.ZodError, prefix = ""): string[] =>
  error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".") || "(root)"}: ${i.message}`);

/**
 * Validates the envelope, then `data` against the registry's entry for the event's type and
 * version (docs/adr/0002). An unregistered type, another version, a `target.type` other than the
 * registered one or a malformed `data` is an InvalidEventError: such an event can never be applied.
 */
export function parseEvent(value: unknown): TypedEvent {
  const envelope = eventEnvelopeSchema.safeParse(value);
  if (!envelope.success) throw new InvalidEventError(issuesOf(envelope.error));
  const { type, version, target } = envelope.data;
  if (!isRegisteredType(type)) throw new InvalidEventError([`type: ${type} is not a registered event type`]);
  const definition: EventDefinition = EVENT_REGISTRY[type];
  const issues: string[] = [];
  if (version !== definition.version) {
    issues.push(`version: ${type} has version ${definition.version}, not ${version}`);
  }
  if (target.type !== definition.targetType) {
    issues.push(`target.type: ${type} is about a ${definition.targetType}, not a ${target.type}`);
  }
  const data = definition.data.safeParse(envelope.data.data);
  if (!data.success) issues.push(...issuesOf(data.error, "data"));
  if (issues.length > 0 || !data.success) throw new InvalidEventError(issues);
  // The registry's schema for `type` just produced `data`; TypeScript cannot follow that correlation.
  return { ...envelope.data, data: data.data } as TypedEvent;
}

/** What a producer gives for an event of type T; `data` and `target.type` are checked against the registry. */
export type NewEvent<T extends EventType = EventType> = {
  [K in T]: {
    type: K;
    workspaceId: string | null;
    organisationId: string;
    actor: EventActor;
    target: { type: EventRegistry[K]["targetType"]; id: string; label: string | null };
    changes?: FieldChange[];
    data: EventDataOf<K>;
    /** Defaults to now. */
    occurredAt?: string;
  };
}[T];

/**
 * The one way to build an event: a validated envelope of a registered type, with the registry's
 * version. A wrong `data` shape or an unregistered type does not compile; a service can never
 * publish a malformed event.
 */
export function createEvent<T extends EventType>(input: NewEvent<T>): TypedEvent<T> {
  return parseEvent({
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    changes: [],
    ...input,
    version: EVENT_REGISTRY[input.type].version,
  }) as TypedEvent<T>;
}

export function eventActorFrom(actor: Actor): EventActor {
  switch (actor.kind) {
    case "user":
      return { type: "user", id: actor.userId };
    case "apiKey":
      return { type: "apiKey", id: actor.apiKeyId, prefix: actor.prefix };
    case "anonymous":
      return { type: "system" };
  }
}

/** Lists the fields whose value differs, old -> new, for the activity log. */
export function diffFields<T extends Record<string, unknown>>(
  before: T,
  after: Partial<T>,
  fields: ReadonlyArray<keyof T & string>,
): FieldChange[] {
  return fields
    .filter((field) => field in after && JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => ({ field, old: before[field] ?? null, new: after[field] ?? null }));
}

export const topicFor = (service: string): string => `${service}.events`;
