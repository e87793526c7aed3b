import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Actor } from "@support/actor-context";

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

export function parseEvent(value: unknown): EventEnvelope {
  const result = eventEnvelopeSchema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidEventError(
    result.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`),
  );
}

export type NewEvent = Omit<EventEnvelope, "id" | "occurredAt" | "version" | "changes" | "data"> &
  Partial<Pick<EventEnvelope, "version" | "changes" | "data" | "occurredAt">>;

/** Builds a validated envelope; a service can never publish a malformed event. */
export function createEvent(input: NewEvent): EventEnvelope {
  return parseEvent({
    id: randomUUID(),
    version: 1,
    occurredAt: new Date().toISOString(),
    changes: [],
    data: {},
    ...input,
  });
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
