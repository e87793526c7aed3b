import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import { conflict, forbidden, invalidInput, unauthenticated } from "@support/errors";
import { eventActorFrom } from "@support/events";
import { entityNameText } from "@support/validation";
import type { Prisma, Workspace } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { addMembership } from "../db/memberships.js";
import { authorize, isUniqueViolation } from "./access.js";
import { keyset, nameIdCursor, page, type Page } from "./pages.js";
import type {
  MutationCreateWorkspaceArgs,
  MutationUpdateWorkspaceArgs,
  QueryWorkspacesArgs,
} from "../generated/graphql.js";

const workspaceInput = z.object({ name: entityNameText() });

export async function createWorkspace(args: MutationCreateWorkspaceArgs, ctx: WorkspaceContext): Promise<Workspace> {
  const { actor } = ctx;
  if (actor.kind !== "user")
    throw actor.kind === "anonymous" ? unauthenticated() : forbidden("API keys cannot create workspaces");
  if (actor.orgRole !== "ORG_ADMIN") throw forbidden("Only organisation admins can create workspaces");
  const parsed = workspaceInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const { name } = parsed.data;
  try {
    return await ctx.db.$transaction(async (tx) => {
      const workspace = await tx.workspace.create({ data: { organisationId: actor.organisationId, name } });
      const eventActor = eventActorFrom(actor);
      await publish(
        tx,
        workspaceEvent(
          workspace,
          eventActor,
          "workspace.created",
          { type: "workspace", id: workspace.id, label: workspace.name },
          [{ field: "name", old: null, new: workspace.name }],
          { ownerId: actor.userId },
        ),
      );
      // The owner's seat is the first; a new workspace always has one.
      await addMembership(tx, {
        workspace,
        userId: actor.userId,
        role: "OWNER",
        customRoleId: null,
        actor: eventActor,
        checkSeats: false,
        via: "workspace_created",
      });
      return workspace;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`A workspace named "${name}" already exists in this organisation`, "input.name");
    throw error;
  }
}

export async function updateWorkspace(args: MutationUpdateWorkspaceArgs, ctx: WorkspaceContext): Promise<Workspace> {
  const access = await authorize(ctx.db, ctx.actor, args.id, "workspace_settings:update");
  const parsed = workspaceInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const before = access.workspace;
  const { name } = parsed.data;
  if (name === before.name) return before;
  try {
    return await ctx.db.$transaction(async (tx) => {
      const workspace = await tx.workspace.update({ where: { id: before.id }, data: { name } });
      await publish(
        tx,
        workspaceEvent(
          workspace,
          eventActorFrom(ctx.actor),
          "workspace.updated",
          {
            type: "workspace",
            id: workspace.id,
            label: workspace.name,
          },
          [{ field: "name", old: before.name, new: name }],
          {},
        ),
      );
      return workspace;
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`A workspace named "${name}" already exists in this organisation`, "input.name");
    throw error;
  }
}

/** The caller's workspaces by name (all of the organisation's for org admins; an API key's own). */
export async function listWorkspaces(args: QueryWorkspacesArgs, ctx: WorkspaceContext): Promise<Page<Workspace>> {
  const { actor } = ctx;
  const window = pagingWindow(args, nameIdCursor);
  let visible: Prisma.WorkspaceWhereInput;
  switch (actor.kind) {
    case "anonymous":
      throw unauthenticated();
    case "apiKey":
      visible = { id: actor.workspaceId };
      break;
    case "user":
      visible =
        actor.orgRole === "ORG_ADMIN"
          ? { organisationId: actor.organisationId }
          : { organisationId: actor.organisationId, memberships: { some: { userId: actor.userId } } };
  }
  const { where, orderBy, take } = keyset<Prisma.WorkspaceWhereInput, Prisma.WorkspaceOrderByWithRelationInput[]>(
    window,
    ["name", "id"],
    true,
  );
  const rows = await ctx.db.workspace.findMany({ where: { AND: [visible, where] }, orderBy, take });
  return page(
    rows,
    window,
    (w): [string, string] => [w.name, w.id],
    nameIdCursor,
    () => ctx.db.workspace.count({ where: visible }),
  );
}
