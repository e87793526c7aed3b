import { describe, expect, test } from "@jest/globals";
import { changedWithin, errorCodes, eventually, graphql, graphqlOk, signUp } from "../harness/stack.js";
import { permissionsOf, workspaceWithMembers } from "../harness/workspace.js";

const CREATE_TEAM = `mutation($w: ID!, $input: CreateTeamInput!) { createTeam(workspaceId: $w, input: $input) { id name description active members(first: 100) { nodes { id } } } }`;
const UPDATE_TEAM = `mutation($id: ID!, $input: UpdateTeamInput!) { updateTeam(id: $id, input: $input) { id name active members(first: 100) { nodes { id } } } }`;
const DELETE_TEAM = `mutation($id: ID!) { deleteTeam(id: $id) }`;
const TEAMS = `query($w: ID!) { workspace(id: $w) { teams(first: 5) { nodes { id name members(first: 10) { totalCount nodes { id } } } } } }`;

type TeamMembers = { nodes: Array<{ id: string }> };
const idsOf = (members: TeamMembers) => members.nodes.map((m) => m.id);

describe("teams", () => {
  test("create, update, list and delete; members must belong to the workspace; names are unique", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(2);
    const [a, b] = members as [(typeof members)[0], (typeof members)[0]];
    const stranger = await signUp();

    const created = await graphqlOk<{
      createTeam: { id: string; members: TeamMembers; active: boolean; description: string };
    }>(CREATE_TEAM, {
      token: owner.token,
      variables: { w: workspaceId, input: { name: "Tier 1", description: "First line", memberIds: [a.userId] } },
    });
    expect(created.createTeam).toMatchObject({ active: true, description: "First line" });
    expect(idsOf(created.createTeam.members)).toEqual([a.userId]);
    const teamId = created.createTeam.id;

    const outsider = await graphql(CREATE_TEAM, {
      token: owner.token,
      variables: { w: workspaceId, input: { name: "Tier 2", memberIds: [stranger.userId] } },
    });
    expect(errorCodes(outsider)).toEqual(["BAD_USER_INPUT"]);
    expect(outsider.errors?.[0]?.message).toMatch(stranger.userId);
    const duplicate = await graphql(CREATE_TEAM, {
      token: owner.token,
      variables: { w: workspaceId, input: { name: "tier 1" } },
    });
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toMatch(/A team named "tier 1" already exists/);
    const byMember = await graphql(CREATE_TEAM, {
      token: a.token,
      variables: { w: workspaceId, input: { name: "Mine" } },
    });
    expect(errorCodes(byMember)).toEqual(["FORBIDDEN"]);

    const updated = await graphqlOk<{ updateTeam: { active: boolean; members: TeamMembers; name: string } }>(
      UPDATE_TEAM,
      {
        token: owner.token,
        variables: { id: teamId, input: { active: false, memberIds: [a.userId, b.userId] } },
      },
    );
    expect(updated.updateTeam).toEqual({
      id: teamId,
      name: "Tier 1",
      active: false,
      members: { nodes: [a.userId, b.userId].sort().map((id) => ({ id })) },
    });

    const listed = await graphqlOk<{
      workspace: { teams: { nodes: Array<{ id: string; members: TeamMembers & { totalCount: number } }> } };
    }>(TEAMS, {
      token: a.token,
      variables: { w: workspaceId },
    });
    expect(listed.workspace.teams.nodes).toHaveLength(1);
    expect(idsOf(listed.workspace.teams.nodes[0]!.members).sort()).toEqual([a.userId, b.userId].sort());
    expect(listed.workspace.teams.nodes[0]?.members.totalCount).toBe(2);

    expect(errorCodes(await graphql(DELETE_TEAM, { token: stranger.token, variables: { id: teamId } }))).toEqual([
      "NOT_FOUND",
    ]);
    expect(await graphqlOk(DELETE_TEAM, { token: owner.token, variables: { id: teamId } })).toEqual({
      deleteTeam: teamId,
    });
  });
});

const CREATE_KEY = `mutation($w: ID!, $name: String!, $p: [String!]!) { createApiKey(workspaceId: $w, name: $name, permissions: $p) { key apiKey { id prefix permissions revoked } } }`;

describe("API keys", () => {
  test("owner creates a key shown once; it acts with exactly its permissions through the gateway; rotate and revoke", async () => {
    const { owner, workspaceId, members } = await workspaceWithMembers(1);
    const member = members[0]!;

    expect(
      errorCodes(
        await graphql(CREATE_KEY, {
          token: member.token,
          variables: { w: workspaceId, name: "x", p: ["members:list"] },
        }),
      ),
    ).toEqual(["FORBIDDEN"]);
    const bad = await graphql(CREATE_KEY, {
      token: owner.token,
      variables: { w: workspaceId, name: "x", p: ["members:lisst"] },
    });
    expect(errorCodes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors?.[0]?.message).toMatch(/members:lisst/);

    const created = await graphqlOk<{
      createApiKey: { key: string; apiKey: { id: string; prefix: string; permissions: string[]; revoked: boolean } };
    }>(CREATE_KEY, { token: owner.token, variables: { w: workspaceId, name: "Zapier", p: ["teams:create"] } });
    const { key, apiKey } = created.createApiKey;
    expect(key).toMatch(/^sk_[a-z0-9]{8}_/);
    expect(key.startsWith(`${apiKey.prefix}_`)).toBe(true);
    expect(apiKey.permissions).toEqual(["teams:list", "teams:create"]);

    const listed = await graphqlOk<{ apiKeys: { nodes: Array<Record<string, unknown>> } }>(
      `query($w: ID!) { apiKeys(workspaceId: $w) { nodes { id name prefix revoked } } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    expect(listed.apiKeys.nodes).toEqual([{ id: apiKey.id, name: "Zapier", prefix: apiKey.prefix, revoked: false }]);
    expect(JSON.stringify(listed)).not.toContain(key.slice(apiKey.prefix.length + 1));

    // The key acts as itself: exactly its permissions, in its workspace only.
    expect(await permissionsOf(key, workspaceId)).toEqual(["teams:list", "teams:create"]);
    const team = await graphqlOk<{ createTeam: { id: string } }>(CREATE_TEAM, {
      token: key,
      variables: { w: workspaceId, input: { name: "Bots" } },
    });
    expect(team.createTeam.id).toBeDefined();
    expect(
      errorCodes(
        await graphql(
          `
            query ($w: ID!) {
              workspace(id: $w) {
                members {
                  nodes {
                    role
                  }
                }
              }
            }
          `,
          { token: key, variables: { w: workspaceId } },
        ),
      ),
    ).toEqual(["FORBIDDEN"]);
    expect(
      errorCodes(
        await graphql(CREATE_KEY, { token: key, variables: { w: workspaceId, name: "child", p: ["teams:list"] } }),
      ),
    ).toEqual(["FORBIDDEN"]);

    // Every use is logged by prefix, never the secret.
    const used = await eventually(async () => {
      const page = await graphqlOk<{
        activityLog: { nodes: Array<{ action: string; actor: { type: string; label: string | null } }> };
      }>(`query($id: ID!) { activityLog(workspaceId: $id) { nodes { action actor { type label } } } }`, {
        token: owner.token,
        variables: { id: workspaceId },
      });
      return page.activityLog.nodes.find((e) => e.action === "api_key.used");
    });
    expect(used.actor).toEqual({ type: "apiKey", label: apiKey.prefix });

    // Rotate: same prefix, new secret; the old one stops working within the credential cache's
    // 1 s bound of the answer (docs/adr/0011).
    const rotated = await graphqlOk<{ rotateApiKey: { key: string; apiKey: { prefix: string } } }>(
      `mutation($id: ID!) { rotateApiKey(id: $id) { key apiKey { prefix } } }`,
      { token: owner.token, variables: { id: apiKey.id } },
    );
    const rotatedAt = Date.now();
    expect(rotated.rotateApiKey.apiKey.prefix).toBe(apiKey.prefix);
    expect(rotated.rotateApiKey.key).not.toBe(key);
    await changedWithin(
      rotatedAt,
      async () => {
        const answer = await graphql(
          `
            query ($w: ID!) {
              myPermissions(workspaceId: $w)
            }
          `,
          {
            token: key,
            variables: { w: workspaceId },
          },
        );
        if (answer.errors === undefined) return false;
        expect(errorCodes(answer)).toEqual(["UNAUTHENTICATED"]);
        return true;
      },
      "the rotated key's old secret",
    );
    const newKey = rotated.rotateApiKey.key;
    expect(await permissionsOf(newKey, workspaceId)).toEqual(["teams:list", "teams:create"]);

    // Another tenant cannot revoke it; the owner can, and then it is UNAUTHENTICATED.
    const stranger = await signUp();
    const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { revoked } }`;
    expect(errorCodes(await graphql(REVOKE, { token: stranger.token, variables: { id: apiKey.id } }))).toEqual([
      "NOT_FOUND",
    ]);
    expect(await graphqlOk(REVOKE, { token: owner.token, variables: { id: apiKey.id } })).toEqual({
      revokeApiKey: { revoked: true },
    });
    // Refused within the documented bound: 1 s after the revocation's answer (docs/adr/0011).
    const revokedAt = Date.now();
    await eventually(
      async () => {
        const codes = errorCodes(
          await graphql(
            `
              query ($w: ID!) {
                myPermissions(workspaceId: $w)
              }
            `,
            {
              token: newKey,
              variables: { w: workspaceId },
            },
          ),
        );
        return codes.includes("UNAUTHENTICATED") ? codes : undefined;
      },
      1_000,
      "the revoked key to be refused",
    );
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    const forged = `${apiKey.prefix}_${"A".repeat(43)}`;
    expect(
      errorCodes(
        await graphql(
          `
            {
              workspaces {
                nodes {
                  id
                }
              }
            }
          `,
          { token: forged },
        ),
      ),
    ).toEqual(["UNAUTHENTICATED"]);
  });
});
