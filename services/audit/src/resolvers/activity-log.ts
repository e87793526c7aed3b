import { z } from "zod";
import { invalidInput, unauthenticated } from "@support/errors";
import type { AuditContext } from "../context.js";
import type { ActivityEntry, Prisma } from "../db/generated/client.js";

const MAX_PAGE = 100;

export const activityLogArgs = z.object({
  workspaceId: z.string(),
  first: z.number().int().min(1).max(MAX_PAGE).nullish(),
  after: z.string().nullish(),
  filter: z
    .object({
      category: z.string().nullish(),
      action: z.string().nullish(),
      actorId: z.string().nullish(),
      from: z.string().datetime({ offset: true }).nullish(),
      to: z.string().datetime({ offset: true }).nullish(),
    })
    .nullish(),
});

interface Cursor {
  occurredAt: string;
  seq: string;
}

const encodeCursor = (entry: ActivityEntry): string =>
  Buffer.from(JSON.stringify({ occurredAt: entry.occurredAt.toISOString(), seq: entry.seq.toString() })).toString(
    "base64url",
  );

function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as Cursor;
    if (typeof value.occurredAt !== "string" || !/^\d+$/.test(value.seq)) throw new Error("bad cursor");
    return value;
  } catch {
    throw invalidInput([{ path: ["after"], message: "is not a cursor returned by activityLog" }]);
  }
}

export async function activityLog(rawArgs: unknown, ctx: AuditContext) {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  const parsed = activityLogArgs.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const args = parsed.data;
  await ctx.permissions.require(args.workspaceId, "activity_log:view");

  const where: Prisma.ActivityEntryWhereInput = { workspaceId: args.workspaceId };
  const filter = args.filter;
  if (filter?.category) where.category = filter.category;
  if (filter?.action) where.action = filter.action;
  if (filter?.actorId) where.actorId = filter.actorId;
  if (filter?.from || filter?.to) {
    where.occurredAt = {
      ...(filter.from ? { gte: new Date(filter.from) } : {}),
      ...(filter.to ? { lt: new Date(filter.to) } : {}),
    };
  }
  const and: Prisma.ActivityEntryWhereInput[] = [where];
  if (args.after) {
    const cursor = decodeCursor(args.after);
    const at = new Date(cursor.occurredAt);
    and.push({ OR: [{ occurredAt: { lt: at } }, { occurredAt: at, seq: { lt: BigInt(cursor.seq) } }] });
  }
  const first = args.first ?? 50;
  const rows = await ctx.db.activityEntry.findMany({
    where: { AND: and },
    orderBy: [{ occurredAt: "desc" }, { seq: "desc" }],
    take: first + 1,
  });
  const page = rows.slice(0, first);
  const last = page.at(-1);
  return { entries: page, nextCursor: rows.length > first && last ? encodeCursor(last) : null };
}

export const ActivityEntryResolvers = {
  id: (entry: ActivityEntry) => entry.eventId,
  actor: (entry: ActivityEntry) => ({ type: entry.actorType, id: entry.actorId, label: entry.actorLabel }),
  target: (entry: ActivityEntry) => ({ type: entry.targetType, id: entry.targetId, label: entry.targetLabel }),
  changes: (entry: ActivityEntry) =>
    (entry.changes as Array<{ field: string; old: unknown; new: unknown }>).map((change) => ({
      field: change.field,
      old: change.old === null || change.old === undefined ? null : JSON.stringify(change.old),
      new: change.new === null || change.new === undefined ? null : JSON.stringify(change.new),
    })),
  occurredAt: (entry: ActivityEntry) => entry.occurredAt.toISOString(),
};
