import { isUuid, type PagingArguments } from "@support/validation";
import { timeIdCursor, type Page } from "../domain/pages.js";
import type { Db, Tx } from "./client.js";
import type { ApiKey, Prisma } from "./generated/client.js";
import { readPage } from "./pages.js";

/** An API key by id; null for a missing one and for what is not an id. */
export const findApiKey = async (db: Db, id: string) => (isUuid(id) ? db.apiKey.findUnique({ where: { id } }) : null);

/** An API key with its workspace, by its public prefix (authentication) or its id (a download's check). */
export const apiKeyWithWorkspace = (db: Db, where: { prefix: string } | { id: string }) =>
  db.apiKey.findUnique({ where, include: { workspace: true } });

export const createApiKeyRow = (
  tx: Tx,
  data: Pick<ApiKey, "workspaceId" | "name" | "prefix" | "secretHash" | "permissions" | "createdBy">,
) => tx.apiKey.create({ data });

export const updateApiKey = (
  tx: Tx,
  id: string,
  data: Partial<Pick<ApiKey, "revokedAt" | "secretHash" | "rotatedAt" | "lastUsedAt">>,
) => tx.apiKey.update({ where: { id }, data });

/** A page of the workspace's API keys, newest first, revoked ones included. */
export function apiKeysPage(db: Db, workspaceId: string, args: PagingArguments): Promise<Page<ApiKey>> {
  return readPage<ApiKey, Prisma.ApiKeyWhereInput, Prisma.ApiKeyOrderByWithRelationInput[]>(
    args,
    timeIdCursor,
    { columns: ["createdAt", "id"], ascending: false, instant: true, keyOf: (k) => [k.createdAt.toISOString(), k.id] },
    ({ where, orderBy, take }) => db.apiKey.findMany({ where: { AND: [{ workspaceId }, where] }, orderBy, take }),
    () => db.apiKey.count({ where: { workspaceId } }),
  );
}
