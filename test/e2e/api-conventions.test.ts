import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, graphql, signUp, type SignedUpUser } from "../harness/stack.js";
import { invitePerson, type Person } from "../harness/people.js";

/**
 * Issue 20: the graph's conventions as a client meets them. A missing object is null with an
 * error beside the rest of the answer; errors from a field another service resolves carry the
 * client's path.
 */

let owner: SignedUpUser;
let workspaceId: string;
let member: Person;

beforeAll(async () => {
  owner = await signUp();
  workspaceId = await createWorkspace(owner.token, `Conventions ${Date.now()}`);
  member = await invitePerson(owner, [{ workspaceId, role: "MEMBER" }]);
});

describe("nullable roots keep the rest of the answer", () => {
  test("an unknown ticket is null with NOT_FOUND on its path; `me` is still answered", async () => {
    const answer = await graphql<{ ticket: { id: string } | null; me: { id: string } | null }>(
      `
        query ($id: ID!) {
          ticket(id: $id) {
            id
          }
          me {
            id
          }
        }
      `,
      { token: owner.token, variables: { id: randomUUID() } },
    );
    expect(answer.status).toBe(200);
    expect(answer.data).toEqual({ ticket: null, me: { id: owner.userId } });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]).toMatchObject({ path: ["ticket"], extensions: { code: "NOT_FOUND" } });
  });

  test("a workspace of another organisation is null with NOT_FOUND; `me` is still answered", async () => {
    const stranger = await signUp();
    const answer = await graphql<{ workspace: { id: string } | null; me: { id: string } | null }>(
      `
        query ($id: ID!) {
          workspace(id: $id) {
            id
            name
          }
          me {
            id
          }
        }
      `,
      { token: stranger.token, variables: { id: workspaceId } },
    );
    expect(answer.data).toEqual({ workspace: null, me: { id: stranger.userId } });
    expect(answer.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[["workspace"], "NOT_FOUND"]]);
  });

  test("a lookup the caller may not make is null with its error; the other lookups stay", async () => {
    const answer = await graphql<Record<string, unknown>>(
      `
        query ($w: ID!) {
          apiKeys(workspaceId: $w) {
            id
          }
          myPermissions(workspaceId: $w)
          me {
            id
          }
        }
      `,
      { token: member.token, variables: { w: workspaceId } },
    );
    expect(answer.data?.apiKeys).toBeNull();
    expect(answer.data?.myPermissions).toEqual(expect.arrayContaining(["tickets:list"]));
    expect(answer.data?.me).toEqual({ id: member.userId });
    expect(answer.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[["apiKeys"], "FORBIDDEN"]]);
  });
});

describe("errors from a field another service resolves carry the client's path", () => {
  test("billing refused on a workspace: path [workspace, billing], never _entities", async () => {
    const answer = await graphql<{ workspace: { name: string; billing: unknown } | null }>(
      `
        query ($w: ID!) {
          workspace(id: $w) {
            name
            billing {
              plan
            }
          }
        }
      `,
      { token: member.token, variables: { w: workspaceId } },
    );
    expect(answer.data?.workspace).toEqual({ name: expect.any(String), billing: null });
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.path).toEqual(["workspace", "billing"]);
    expect(answer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  test("inside a list: each failing entity's own index in the client's list", async () => {
    const answer = await graphql<{ workspaces: Array<{ id: string; billing: unknown }> }>(
      `
        {
          workspaces {
            id
            billing {
              plan
            }
          }
        }
      `,
      { token: member.token },
    );
    const index = answer.data?.workspaces.findIndex((workspace) => workspace.id === workspaceId) ?? -1;
    expect(index).toBeGreaterThanOrEqual(0);
    expect(answer.errors?.map((error) => error.path)).toContainEqual(["workspaces", index, "billing"]);
    for (const error of answer.errors ?? []) {
      expect(error.path).not.toContain("_entities");
      expect(error.path?.every((part) => typeof part === "number" || !/^\d+$/.test(part))).toBe(true);
    }
  });
});
