import type { FastifyInstance } from "fastify";
import { eventActor, eventScope } from "@support/events";
import { apiKeyWithWorkspace, updateApiKey } from "../db/api-keys.js";
import type { Db } from "../db/client.js";
import { apiKeyActorOf, apiKeyMatches, apiKeyTarget, parseApiKey } from "../domain/api-keys.js";
import { publish } from "../events/publish.js";

/**
 * Called by the gateway for `Bearer sk_…` on every request (with an anonymous signed context):
 * a valid, unrevoked key becomes an apiKey actor carrying exactly the key's permissions; any
 * other key answers `actor: null` (401 is kept for the gateway's own context being refused).
 * Each use is recorded by prefix (`api_key.used`), never with the secret.
 */
export function registerApiKeyRoutes(app: FastifyInstance, db: Db): void {
  app.post<{ Body: { key?: unknown } }>("/internal/api-keys/authenticate", async (request) => {
    const key = request.body?.key;
    const parsed = typeof key === "string" ? parseApiKey(key) : null;
    const refused = { actor: null };
    if (!parsed || typeof key !== "string") return refused;
    const apiKey = await apiKeyWithWorkspace(db, { prefix: parsed.prefix });
    if (!apiKey || apiKey.revokedAt || !apiKeyMatches(key, apiKey.secretHash)) return refused;
    const actor = apiKeyActorOf(apiKey);
    await db.$transaction(async (tx) => {
      const usedAt = new Date();
      await updateApiKey(tx, apiKey.id, { lastUsedAt: usedAt });
      await publish(tx, {
        type: "api_key.used",
        ...eventScope(apiKey.workspace),
        actor: eventActor(actor),
        target: apiKeyTarget(apiKey),
        changes: [{ field: "lastUsedAt", old: apiKey.lastUsedAt?.toISOString() ?? null, new: usedAt.toISOString() }],
        data: { apiKeyId: apiKey.id, prefix: actor.prefix, requestId: request.id },
      });
    });
    return { actor };
  });
  /**
   * A download link asked for with an API key and followed without a header (docs/adr/0009): the
   * key must still be unrevoked; the answer is the key's actor now (its permissions today).
   */
  app.post<{ Body: { apiKeyId?: unknown } }>("/internal/api-keys/check", async (request) => {
    const id = request.body?.apiKeyId;
    if (typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id)) return { actor: null };
    const apiKey = await apiKeyWithWorkspace(db, { id });
    if (!apiKey || apiKey.revokedAt) return { actor: null };
    return { actor: apiKeyActorOf(apiKey) };
  });
}
