import { z } from "zod";
import { badUserInput, notFound } from "@support/errors";
import { diffFields, eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { isUuid, parseInput } from "@support/validation";
import { freshAccess } from "../../authorization.js";
import { lockWorkspace, membersByIds, memberTarget, setOverrides } from "../../db/memberships.js";
import {
  actingUserId,
  assertCanEditOverrides,
  assertMayManage,
  assertWithinOwn,
  managerOf,
} from "../../domain/members.js";
import { parseOverrides } from "../../domain/permission-input.js";
import { publish } from "../../events/publish.js";
import type { Membership } from "../../db/generated/client.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const overridesArgs = z.object({
  input: z.object({
    grant: z.array(z.string()).nullish(),
    deny: z.array(z.string()).nullish(),
  }),
  userIds: z
    .array(z.string())
    .min(1, "name at least one member")
    .max(500)
    .superRefine((ids, check) => {
      const twice = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
      if (twice.length > 0) check.addIssue({ code: "custom", message: `listed more than once: ${twice.join(", ")}` });
    }),
});

/**
 * Bulk override edit (seed 003, members:update): validated as a whole first, then written in one
 * transaction; any refused member refuses the whole request.
 */
export const setMemberPermissions: MutationResolvers["setMemberPermissions"] = async (_, args, ctx) => {
  const access = await authorize(freshAccess(ctx), args.workspaceId, "members:update");
  const { input, userIds } = parseInput(overridesArgs, args);
  const { grant, deny } = input;
  if (!grant && !deny) throw badUserInput("Give grant, deny or both", "input.grant");
  const badIds = userIds.filter((id) => !isUuid(id));
  if (badIds.length > 0) throw badUserInput(`Not member ids: ${badIds.join(", ")}`, "userIds");
  const { workspace } = access;
  return ctx.db.$transaction(async (tx) => {
    // A concurrent transfer must not make a target the owner between this check and the write.
    await lockWorkspace(tx, workspace.id);
    const targets = await membersByIds(tx, workspace.id, userIds);
    const missing = userIds.filter((id) => !targets.some((t) => t.userId === id));
    if (missing.length > 0) throw notFound(`Member ${missing.join(", ")}`);
    assertCanEditOverrides(actingUserId(ctx.actor), targets);
    const manager = managerOf(ctx.actor, access);
    assertMayManage(manager, targets);
    if (grant) assertWithinOwn(manager, parseOverrides(grant, []).granted, "grant");
    const updated: Membership[] = [];
    for (const target of targets) {
      // A list that is not given keeps the member's current one; the pair is validated together.
      const overrides = parseOverrides(grant ?? target.granted, deny ?? target.denied);
      const changes = diffFields(target, overrides, ["granted", "denied"]);
      const row = await setOverrides(tx, workspace.id, target.userId, overrides);
      if (changes.length > 0) {
        await publish(tx, {
          type: "member.permissions_changed",
          ...eventScope(workspace),
          actor: eventActor(ctx.actor),
          target: await memberTarget(tx, target.userId),
          changes,
          data: { userId: target.userId, granted: overrides.granted, denied: overrides.denied },
        });
      }
      updated.push(row);
    }
    return userIds.map((id) => updated.find((m) => m.userId === id) as Membership);
  });
};
