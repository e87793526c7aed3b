import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import { conflict, invalidInput, isAppError, notFound } from "@support/errors";
import { eventActorFrom } from "@support/events";
import { entityNameText, isUuid } from "@support/validation";
import type { ApiKey, Prisma } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { API_KEY_SCHEME, newApiKey, newKeyPrefix } from "../domain/api-keys.js";
import { grantablePermissions } from "../domain/permission-input.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { authorize, isUniqueViolation, requireUser } from "./access.js";
import { instantOf, keyset, page, timeIdCursor, type Page } from "./pages.js";
import type {
  MutationCreateApiKeyArgs,
  MutationRevokeApiKeyArgs,
  MutationRotateApiKeyArgs,
  QueryApiKeysArgs,
} from "../generated/graphql.js";

/**
 * API keys (SPEC section 8). The api_keys:* permissions are owner-only in the catalogue, so the
 * permission checks below admit the workspace's owner alone; a key never manages keys.
 */
const keyTarget = (key: ApiKey) => ({ type: "api_key" as const, id: key.id, label: `${API_KEY_SCHEME}${key.prefix}` });

const createInput = z.object({
  name: entityNameText(),
  permissions: z.array(z.string()).min(1, "give the key at least one permission"),
});

export async function createApiKey(
  args: MutationCreateApiKeyArgs,
  ctx: WorkspaceContext,
): Promise<{ apiKey: ApiKey; key: string }> {
  const actor = requireUser(ctx.actor, "create API keys");
  const access = await authorize(ctx.db, actor, args.workspaceId, "api_keys:create");
  const parsed = createInput.safeParse(args);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const permissions = grantablePermissions(parsed.data.permissions, "permissions", "an API key");
  for (let attempt = 0; ; attempt += 1) {
    const prefix = newKeyPrefix();
    const { key, hash } = newApiKey(prefix);
    try {
      const apiKey = await ctx.db.$transaction(async (tx) => {
        const created = await tx.apiKey.create({
          data: {
            workspaceId: access.workspace.id,
            name: parsed.data.name,
            prefix,
            secretHash: hash,
            permissions,
            createdBy: actor.userId,
          },
        });
        await publish(
          tx,
          workspaceEvent(
            access.workspace,
            eventActorFrom(actor),
            "api_key.created",
            keyTarget(created),
            [
              { field: "name", old: null, new: created.name },
              { field: "permissions", old: null, new: created.permissions },
            ],
            { apiKeyId: created.id, prefix: created.prefix },
          ),
        );
        return created;
      });
      return { apiKey, key };
    } catch (error) {
      // A prefix collision (32 random bits) is retried with a fresh one.
      if (isUniqueViolation(error) && attempt < 3) continue;
      throw error;
    }
  }
}

async function loadKey(ctx: WorkspaceContext, id: string, permission: "api_keys:create" | "api_keys:revoke") {
  const actor = requireUser(ctx.actor, "manage API keys");
  const apiKey = isUuid(id) ? await ctx.db.apiKey.findUnique({ where: { id } }) : null;
  if (!apiKey) throw notFound("API key");
  try {
    return { apiKey, actor, access: await authorize(ctx.db, actor, apiKey.workspaceId, permission) };
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("API key");
    throw error;
  }
}

export async function revokeApiKey(args: MutationRevokeApiKeyArgs, ctx: WorkspaceContext): Promise<ApiKey> {
  const { apiKey, actor, access } = await loadKey(ctx, args.id, "api_keys:revoke");
  if (apiKey.revokedAt) return apiKey;
  const revokedKey = await ctx.db.$transaction(async (tx) => {
    const revoked = await tx.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } });
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActorFrom(actor),
        "api_key.revoked",
        keyTarget(revoked),
        [{ field: "revokedAt", old: null, new: revoked.revokedAt?.toISOString() }],
        { apiKeyId: revoked.id, prefix: revoked.prefix },
      ),
    );
    return revoked;
  });
  // Every gateway forgets the key: refused within 1 s of this answer (docs/adr/0011).
  await ctx.invalidations.credentials({ apiKeyIds: [revokedKey.id] });
  return revokedKey;
}

export async function rotateApiKey(
  args: MutationRotateApiKeyArgs,
  ctx: WorkspaceContext,
): Promise<{ apiKey: ApiKey; key: string }> {
  const { apiKey, actor, access } = await loadKey(ctx, args.id, "api_keys:create");
  if (apiKey.revokedAt) throw conflict("A revoked key cannot be rotated");
  const { key, hash } = newApiKey(apiKey.prefix);
  const rotated = await ctx.db.$transaction(async (tx) => {
    const updated = await tx.apiKey.update({
      where: { id: apiKey.id },
      data: { secretHash: hash, rotatedAt: new Date() },
    });
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActorFrom(actor),
        "api_key.rotated",
        keyTarget(updated),
        // Only the fact of the change: neither secret nor hash ever leaves this service.
        [{ field: "rotatedAt", old: apiKey.rotatedAt?.toISOString() ?? null, new: updated.rotatedAt?.toISOString() }],
        { apiKeyId: updated.id, prefix: updated.prefix },
      ),
    );
    return updated;
  });
  await ctx.invalidations.credentials({ apiKeyIds: [rotated.id] });
  return { apiKey: rotated, key };
}

/** A page of the workspace's API keys, newest first, revoked ones included. */
export async function listApiKeys(args: QueryApiKeysArgs, ctx: WorkspaceContext): Promise<Page<ApiKey>> {
  const actor = requireUser(ctx.actor, "list API keys");
  await authorize(ctx.db, actor, args.workspaceId, "api_keys:list");
  const window = pagingWindow(args, timeIdCursor);
  const { where, orderBy, take } = keyset<Prisma.ApiKeyWhereInput, Prisma.ApiKeyOrderByWithRelationInput[]>(
    instantOf(window),
    ["createdAt", "id"],
    false,
  );
  const rows = await ctx.db.apiKey.findMany({
    where: { AND: [{ workspaceId: args.workspaceId }, where] },
    orderBy,
    take,
  });
  return page(
    rows,
    window,
    (key): [string, string] => [key.createdAt.toISOString(), key.id],
    timeIdCursor,
    () => ctx.db.apiKey.count({ where: { workspaceId: args.workspaceId } }),
  );
}
