-- AlterEnum: invitations can give the preset roles of SPEC section 2 (seed 004)
ALTER TYPE "InvitationWorkspaceRole" ADD VALUE 'SUPERVISOR';
ALTER TYPE "InvitationWorkspaceRole" ADD VALUE 'AGENT';
ALTER TYPE "InvitationWorkspaceRole" ADD VALUE 'SUPPORT';
