import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { entityNameText, parseInput } from "@support/validation";
import { freshAccess, requireUser } from "../../authorization.js";
import { createApiKeyRow } from "../../db/api-keys.js";
import { isUniqueViolation } from "../../db/client.js";
import { apiKeyTarget, newApiKey, newKeyPrefix } from "../../domain/api-keys.js";
import { grantablePermissions } from "../../domain/permission-input.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const createInput = z.object({
  name: entityNameText(),
  permissions: z.array(z.string()).min(1, "give the key at least one permission"),
});

/**
 * A new API key (SPEC section 8), its secret in the answer only. The api_keys:* permissions are
 * owner-only in the catalogue, so only the workspace's owner manages keys; a key never does.
 */
export const createApiKey: MutationResolvers["createApiKey"] = async (_, args, ctx) => {
  const actor = requireUser(ctx.actor, "create API keys");
  const { workspace } = await authorize(freshAccess({ actor, db: ctx.db }), args.workspaceId, "api_keys:create");
  const input = parseInput(createInput, args);
  const permissions = grantablePermissions(input.permissions, "permissions", "an API key");
  for (let attempt = 0; ; attempt += 1) {
    const prefix = newKeyPrefix();
    const { key, hash } = newApiKey(prefix);
    try {
      const apiKey = await ctx.db.$transaction(async (tx) => {
        const created = await createApiKeyRow(tx, {
          workspaceId: workspace.id,
          name: input.name,
          prefix,
          secretHash: hash,
          permissions,
          createdBy: actor.userId,
        });
        await publish(tx, {
          type: "api_key.created",
          ...eventScope(workspace),
          actor: eventActor(actor),
          target: apiKeyTarget(created),
          changes: [
            { field: "name", old: null, new: created.name },
            { field: "permissions", old: null, new: created.permissions },
          ],
          data: { apiKeyId: created.id, prefix: created.prefix },
        });
        return created;
      });
      return { apiKey, key };
    } catch (error) {
      // A prefix collision (32 random bits) is retried with a fresh one.
      if (isUniqueViolation(error) && attempt < 3) continue;
      throw error;
    }
  }
};
