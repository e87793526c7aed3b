import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Db } from "../db/client.js";
import { authenticateSessionById } from "../db/sessions.js";
import { sessionAnswer } from "./authenticate.js";

const body = z.object({ sessionId: z.string().uuid(), userId: z.string().uuid() }).strict();

/**
 * `POST /internal/sessions/check`: the gateway asks about a download link followed without a
 * header (docs/adr/0009): the session the link was asked in must still authenticate its user.
 * Same answers as /internal/authenticate.
 */
export function registerSessionCheckRoute(app: FastifyInstance, db: Db): void {
  app.post("/internal/sessions/check", async (request) => {
    const parsed = body.safeParse(request.body ?? {});
    return sessionAnswer(
      parsed.success ? await authenticateSessionById(db, parsed.data.sessionId, parsed.data.userId) : null,
    );
  });
}
