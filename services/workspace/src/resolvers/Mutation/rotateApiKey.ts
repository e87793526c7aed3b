import { conflict } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { authorizeApiKey } from "../../authorization.js";
import { updateApiKey } from "../../db/api-keys.js";
import { apiKeyTarget, newApiKey } from "../../domain/api-keys.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** A new secret under the same prefix (owner only), shown once; the old one stops working at once. */
export const rotateApiKey: MutationResolvers["rotateApiKey"] = async (_, args, ctx) => {
  const { row: apiKey, access, actor } = await authorizeApiKey(ctx, args.id, "api_keys:create");
  if (apiKey.revokedAt) throw conflict("A revoked key cannot be rotated");
  const { key, hash } = newApiKey(apiKey.prefix);
  const rotated = await ctx.db.$transaction(async (tx) => {
    const updated = await updateApiKey(tx, apiKey.id, { secretHash: hash, rotatedAt: new Date() });
    await publish(tx, {
      type: "api_key.rotated",
      ...eventScope(access.workspace),
      actor: eventActor(actor),
      target: apiKeyTarget(updated),
      // Only the fact of the change: neither secret nor hash ever leaves this service.
      changes: [
        { field: "rotatedAt", old: apiKey.rotatedAt?.toISOString() ?? null, new: updated.rotatedAt?.toISOString() },
      ],
      data: { apiKeyId: updated.id, prefix: updated.prefix },
    });
    return updated;
  });
  await ctx.invalidations.credentials({ apiKeyIds: [rotated.id] });
  return { apiKey: rotated, key };
};
