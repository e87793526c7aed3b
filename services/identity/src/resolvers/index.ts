import type { Resolvers } from "../generated/graphql.js";
import { acceptInvitation } from "./Mutation/acceptInvitation.js";
import { deleteUser } from "./Mutation/deleteUser.js";
import { inviteUser } from "./Mutation/inviteUser.js";
import { logIn } from "./Mutation/logIn.js";
import { logOut } from "./Mutation/logOut.js";
import { requestPasswordReset } from "./Mutation/requestPasswordReset.js";
import { resendInvitation } from "./Mutation/resendInvitation.js";
import { resetPassword } from "./Mutation/resetPassword.js";
import { revokeInvitation } from "./Mutation/revokeInvitation.js";
import { setOrgRole } from "./Mutation/setOrgRole.js";
import { setUserStatus } from "./Mutation/setUserStatus.js";
import { signUp } from "./Mutation/signUp.js";
import { updateUser } from "./Mutation/updateUser.js";
import { invitations } from "./Query/invitations.js";
import { me } from "./Query/me.js";
import { users } from "./Query/users.js";
import { Invitation } from "./Invitation.js";
import { InvitationWorkspace } from "./InvitationWorkspace.js";
import { Organisation } from "./Organisation.js";
import { User } from "./User.js";

export const resolvers: Resolvers = {
  Query: { me, users, invitations },
  Mutation: {
    signUp,
    logIn,
    logOut,
    updateUser,
    setOrgRole,
    setUserStatus,
    deleteUser,
    inviteUser,
    acceptInvitation,
    revokeInvitation,
    resendInvitation,
    requestPasswordReset,
    resetPassword,
  },
  Invitation,
  InvitationWorkspace,
  User,
  Organisation,
};
