import { z } from "zod";
import { conflict, forbidden, invalidInput, unauthenticated } from "@support/errors";
import type { Workspace } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { publish } from "../events/publish.js";

export const createWorkspaceInput = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
});

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002"
  );
}

export async function createWorkspace(args: { input: unknown }, ctx: WorkspaceContext): Promise<Workspace> {
  const { actor } = ctx;
  if (actor.kind !== "user")
    throw actor.kind === "anonymous" ? unauthenticated() : forbidden("API keys cannot create workspaces");
  if (actor.orgRole !== "ORG_ADMIN") throw forbidden("Only organisation admins can create workspaces");
  const parsed = createWorkspaceInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const { name } = parsed.data;
  try {
    return await ctx.db.$transaction(async (tx) => {
      const workspace = await tx.workspace.create({ data: { organisationId: actor.organisationId, name } });
      await tx.membership.create({ data: { workspaceId: workspace.id, userId: actor.userId, role: "OWNER" } });
      await publish(tx, {
        type: "workspace.created",
        workspaceId: workspace.id,
        organisationId: workspace.organisationId,
        actor: { type: "user", id: actor.userId },
        target: { type: "workspace", id: workspace.id, label: workspace.name },
        changes: [{ field: "name", old: null, new: workspace.name }],
        data: { ownerId: actor.userId },
      });
      return workspace;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`A workspace named "${name}" already exists in this organisation`);
    throw error;
  }
}

export async function listWorkspaces(ctx: WorkspaceContext): Promise<Workspace[]> {
  const { actor } = ctx;
  switch (actor.kind) {
    case "anonymous":
      throw unauthenticated();
    case "apiKey":
      return ctx.db.workspace.findMany({ where: { id: actor.workspaceId } });
    case "user":
      return ctx.db.workspace.findMany({
        where:
          actor.orgRole === "ORG_ADMIN"
            ? { organisationId: actor.organisationId }
            : { organisationId: actor.organisationId, memberships: { some: { userId: actor.userId } } },
        orderBy: { name: "asc" },
      });
  }
}
