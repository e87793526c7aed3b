import { eventActor, eventScope } from "@support/events";
import { authorizeApiKey } from "../../authorization.js";
import { updateApiKey } from "../../db/api-keys.js";
import { apiKeyTarget } from "../../domain/api-keys.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Revokes a key (owner only): it stops working at once, at every gateway. Revoking twice changes nothing. */
export const revokeApiKey: MutationResolvers["revokeApiKey"] = async (_, args, ctx) => {
  const { row: apiKey, access, actor } = await authorizeApiKey(ctx, args.id, "api_keys:revoke");
  if (apiKey.revokedAt) return apiKey;
  const revoked = await ctx.db.$transaction(async (tx) => {
    const updated = await updateApiKey(tx, apiKey.id, { revokedAt: new Date() });
    await publish(tx, {
      type: "api_key.revoked",
      ...eventScope(access.workspace),
      actor: eventActor(actor),
      target: apiKeyTarget(updated),
      changes: [{ field: "revokedAt", old: null, new: updated.revokedAt?.toISOString() }],
      data: { apiKeyId: updated.id, prefix: updated.prefix },
    });
    return updated;
  });
  // Every gateway forgets the key: refused within 1 s of this answer (docs/adr/0011).
  await ctx.invalidations.credentials({ apiKeyIds: [revoked.id] });
  return revoked;
};
