import type { Actor } from "@support/actor-context";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";

/**
 * An internal route about the forwarded actor's organisation: its body parsed with `body` (400
 * with `invalid` otherwise), a signed-in actor required (401), then `answer`.
 */
export function organisationRoute<T>(
  app: FastifyInstance,
  path: string,
  body: z.ZodType<T>,
  invalid: string,
  answer: (query: T, actor: Exclude<Actor, { kind: "anonymous" }>) => Promise<unknown>,
): void {
  app.post(path, async (request, reply) => {
    const parsed = body.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: invalid });
    const actor = request.actor;
    if (actor.kind === "anonymous") return reply.code(401).send({ error: "authentication required" });
    return answer(parsed.data, actor);
  });
}
