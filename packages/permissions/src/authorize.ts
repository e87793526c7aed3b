import type { Actor } from "@support/actor-context";
import { forbidden, notFound, unauthenticated } from "@support/errors";
import { isUuid } from "@support/validation";
import type { Permission } from "./catalogue.js";

/** Whatever a service knows of the caller's standing in one workspace; at least their permissions. */
export interface WorkspaceGrant {
  readonly permissions: readonly string[];
}

/**
 * Where a service learns the caller's standing in a workspace: the workspace service computes it
 * from its own rows, every other service asks the workspace service (docs/adr/0003, 0004). Answers
 * NOT_FOUND for a workspace the caller may not see, exactly as for a missing one.
 */
export interface WorkspaceAccessSource<G extends WorkspaceGrant> {
  forWorkspace(workspaceId: string): Promise<G>;
}

/** What `authorize` reads from a resolver's context: who asks, and where their standing comes from. */
export interface AuthorizationContext<G extends WorkspaceGrant> {
  readonly actor: Actor;
  readonly workspaces: WorkspaceAccessSource<G>;
}

/**
 * The one authorization check of every service: the caller is signed in, may see the workspace
 * (else NOT_FOUND, whether it exists or not) and holds every permission named (else FORBIDDEN).
 * Answers the caller's standing, for the rules that read more than permissions (ticket scope, role).
 */
export async function authorize<G extends WorkspaceGrant>(
  ctx: AuthorizationContext<G>,
  workspaceId: string,
  ...permissions: Permission[]
): Promise<G> {
  if (ctx.actor.kind === "anonymous") throw unauthenticated();
  if (!isUuid(workspaceId)) throw notFound("Workspace");
  const grant = await ctx.workspaces.forWorkspace(workspaceId);
  requirePermission(grant, ...permissions);
  return grant;
}

/**
 * FORBIDDEN unless `grant` holds every permission named; for a standing `authorize` already
 * answered. The message names every one missing, not only the first: an import, say, tells at
 * once all that its mapping asks for.
 */
export function requirePermission(grant: WorkspaceGrant, ...permissions: Permission[]): void {
  const missing = permissions.filter((permission) => !grant.permissions.includes(permission));
  if (missing.length > 0) throw forbidden(`Missing permission ${missing.join(", ")}`);
}
