import { z } from "zod";
import { defineEvents } from "./define.js";
import { aggregateVersion, id, noData, orgRole, timestamp, userStatus } from "./fields.js";

/**
 * A user's state after the change: the workspace service keeps it as its `person` copy
 * (docs/adr/0004), replacing what it holds when `aggregateVersion` is newer.
 */
const userState = z.object({
  userId: id("user"),
  orgRole,
  status: userStatus,
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  aggregateVersion,
});

/** The role an invitation gives in one workspace; CUSTOM comes with `customRoleId`. */
const invitationRole = {
  role: z
    .enum(["ADMIN", "SUPERVISOR", "AGENT", "SUPPORT", "MEMBER"])
    .describe("the built-in role invited with; a customRoleId takes precedence"),
  customRoleId: id("custom role").nullable(),
};

/** Events the identity service publishes. */
export const identityEvents = defineEvents({
  "organisation.created": {
    version: 1,
    category: "organisation",
    targetType: "organisation",
    producer: "identity",
    description: "Someone signed up and created an organisation.",
    data: z.object({ name: z.string() }),
  },
  "user.signed_up": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "The first user of a new organisation signed up (an org admin).",
    data: userState,
  },
  "user.created": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "A user was created by accepting an invitation.",
    data: userState,
  },
  "user.updated": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "A user's name changed.",
    data: userState,
  },
  "user.org_role_changed": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "A user's organisation role changed.",
    data: userState,
  },
  "user.status_changed": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "A user was enabled, disabled or suspended.",
    data: userState,
  },
  "user.password_reset_requested": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description:
      "A password reset link was mailed to an active user (the link's token never leaves identity's database and the mail).",
    data: z.object({ userId: id("user"), expiresAt: timestamp("when the link stops working") }),
  },
  "user.password_reset": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "A user set a new password with a reset link; every session they had was ended.",
    data: z.object({ userId: id("user") }),
  },
  "user.deleted": {
    version: 1,
    category: "user",
    targetType: "user",
    producer: "identity",
    description: "A user was deleted; the workspace service removes their memberships.",
    data: z.object({ userId: id("user"), aggregateVersion }),
  },
  "user.logged_in": {
    version: 1,
    category: "session",
    targetType: "user",
    producer: "identity",
    description: "A user signed in (a new session).",
    data: noData,
  },
  "invitation.sent": {
    version: 1,
    category: "invitation",
    targetType: "invitation",
    producer: "identity",
    description: "An invitation was sent; one event per invited workspace (it holds a seat there).",
    data: z.object({
      invitationId: id("invitation"),
      email: z.string(),
      ...invitationRole,
      expiresAt: timestamp("when the invitation expires"),
    }),
  },
  "invitation.accepted": {
    version: 1,
    category: "invitation",
    targetType: "invitation",
    producer: "identity",
    description: "An invitation was accepted; one event per workspace, which adds the membership.",
    data: z.object({ invitationId: id("invitation"), userId: id("user who accepted"), ...invitationRole }),
  },
  "invitation.revoked": {
    version: 1,
    category: "invitation",
    targetType: "invitation",
    producer: "identity",
    description: "A pending invitation was revoked; one event per workspace.",
    data: z.object({ invitationId: id("invitation") }),
  },
  "workspace_data.purged_by_identity": {
    version: 1,
    category: "workspace_data",
    targetType: "workspace",
    producer: "identity",
    description:
      "The identity service removed its data of a deleted workspace (its invitations into it); workspaceDeletion shows the progress.",
    data: z.object({ rows: z.number().int().min(0).describe("rows removed") }),
  },
});
