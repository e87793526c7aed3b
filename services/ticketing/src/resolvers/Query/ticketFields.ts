import { authorize } from "@support/permissions";
import { pageInMemory } from "@support/service-kit";
import { compareFieldKeys, fieldCursorCodec, fieldKeyOf } from "../../domain/tickets.js";
import type { QueryResolvers } from "../../generated/graphql.js";

/** A page of the workspace's fields in their order (position, creation, id), read in one batched query. */
export const ticketFields: QueryResolvers["ticketFields"] = async (_, args, ctx) => {
  await authorize(ctx, args.workspaceId, "ticket_fields:list");
  return pageInMemory(await ctx.fields.load(args.workspaceId), args, {
    codec: fieldCursorCodec,
    keyOf: fieldKeyOf,
    compare: compareFieldKeys,
  });
};
