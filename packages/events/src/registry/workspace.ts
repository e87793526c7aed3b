import { z } from "zod";
import { defineEvents } from "./define.js";
import { id, memberRole, memberToggles, noData, permission } from "./fields.js";

/** A member's standing after the change; CUSTOM comes with `customRoleId`. */
const membership = {
  userId: id("member (a user)"),
  role: memberRole,
  customRoleId: id("custom role").nullable(),
};

const apiKey = { apiKeyId: id("API key"), prefix: z.string().describe("the key's public prefix, never the secret") };

/** Events the workspace service publishes. */
export const workspaceEvents = defineEvents({
  "workspace.created": {
    version: 1,
    category: "workspace",
    targetType: "workspace",
    producer: "workspace",
    description: "A workspace was created; billing opens its trial account.",
    data: z.object({ ownerId: id("user who created and owns it") }),
  },
  "workspace.updated": {
    version: 1,
    category: "workspace",
    targetType: "workspace",
    producer: "workspace",
    description: "A workspace was renamed.",
    data: noData,
  },
  "workspace.settings_changed": {
    version: 1,
    category: "workspace",
    targetType: "workspace",
    producer: "workspace",
    description: "The member toggles of a workspace changed.",
    data: z.object({ settings: memberToggles.describe("every toggle after the change") }),
  },
  "member.added": {
    version: 1,
    category: "member",
    targetType: "member",
    producer: "workspace",
    description: "Someone became a member of a workspace.",
    data: z.object({
      ...membership,
      via: z
        .enum(["workspace_created", "join_request", "invitation", "update_user"])
        .describe("how: creating the workspace, an approved join request, an invitation, or updateUser"),
    }),
  },
  "member.removed": {
    version: 1,
    category: "member",
    targetType: "member",
    producer: "workspace",
    description: "Someone left a workspace (removed, or their user was deleted).",
    data: z.object({
      ...membership,
      reason: z.enum(["removed", "user_deleted"]),
    }),
  },
  "member.role_changed": {
    version: 1,
    category: "member",
    targetType: "member",
    producer: "workspace",
    description: "A member's role changed (ownership transfers publish one per person).",
    data: z.object(membership),
  },
  "member.permissions_changed": {
    version: 1,
    category: "member",
    targetType: "member",
    producer: "workspace",
    description: "A member's permission overrides changed.",
    data: z.object({
      userId: id("member (a user)"),
      granted: z.array(permission).describe("permissions granted on top of the role"),
      denied: z.array(permission).describe("permissions taken away from the role"),
    }),
  },
  "ownership.transferred": {
    version: 1,
    category: "member",
    targetType: "workspace",
    producer: "workspace",
    description: "A workspace passed to a new owner (by its owner, or to an admin when the owner was deleted).",
    data: z.object({
      userId: id("new owner"),
      role: z.literal("OWNER"),
      customRoleId: z.null(),
      previousOwnerId: id("previous owner"),
      reason: z.enum(["transferred", "owner_deleted"]),
    }),
  },
  "role.created": {
    version: 1,
    category: "role",
    targetType: "role",
    producer: "workspace",
    description: "A custom role was created.",
    data: z.object({ roleId: id("custom role") }),
  },
  "role.updated": {
    version: 1,
    category: "role",
    targetType: "role",
    producer: "workspace",
    description: "A custom role's name, permissions or ticket access changed.",
    data: z.object({ roleId: id("custom role") }),
  },
  "role.deleted": {
    version: 1,
    category: "role",
    targetType: "role",
    producer: "workspace",
    description: "A custom role was deleted.",
    data: z.object({ roleId: id("custom role") }),
  },
  "team.created": {
    version: 1,
    category: "team",
    targetType: "team",
    producer: "workspace",
    description: "A team was created.",
    data: z.object({ teamId: id("team") }),
  },
  "team.updated": {
    version: 1,
    category: "team",
    targetType: "team",
    producer: "workspace",
    description: "A team's name, description, state or members changed.",
    data: z.object({ teamId: id("team") }),
  },
  "team.deleted": {
    version: 1,
    category: "team",
    targetType: "team",
    producer: "workspace",
    description: "A team was deleted.",
    data: z.object({ teamId: id("team") }),
  },
  "join_request.created": {
    version: 1,
    category: "member",
    targetType: "join_request",
    producer: "workspace",
    description: "Someone of the organisation asked to join a workspace.",
    data: z.object({ joinRequestId: id("join request"), userId: id("user asking") }),
  },
  "join_request.approved": {
    version: 1,
    category: "member",
    targetType: "join_request",
    producer: "workspace",
    description: "A join request was approved (a member.added follows).",
    data: z.object({
      joinRequestId: id("join request"),
      userId: id("user asking"),
      role: memberRole.exclude(["OWNER"]),
      customRoleId: id("custom role").nullable(),
    }),
  },
  "join_request.rejected": {
    version: 1,
    category: "member",
    targetType: "join_request",
    producer: "workspace",
    description: "A join request was rejected.",
    data: z.object({ joinRequestId: id("join request"), userId: id("user asking") }),
  },
  "api_key.created": {
    version: 1,
    category: "api_key",
    targetType: "api_key",
    producer: "workspace",
    description: "An API key was created.",
    data: z.object(apiKey),
  },
  "api_key.revoked": {
    version: 1,
    category: "api_key",
    targetType: "api_key",
    producer: "workspace",
    description: "An API key was revoked.",
    data: z.object(apiKey),
  },
  "api_key.rotated": {
    version: 1,
    category: "api_key",
    targetType: "api_key",
    producer: "workspace",
    description: "An API key's secret was replaced.",
    data: z.object(apiKey),
  },
  "api_key.used": {
    version: 1,
    category: "api_key",
    targetType: "api_key",
    producer: "workspace",
    description: "An API key authenticated a request at the gateway.",
    data: z.object({ ...apiKey, requestId: z.string().describe("the gateway request it authenticated") }),
  },
});
