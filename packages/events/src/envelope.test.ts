import { describe, expect, test } from "@jest/globals";
import { createEvent, diffFields, InvalidEventError, parseEvent, type EventEnvelope } from "./envelope.js";
import { EVENT_REGISTRY } from "./registry/index.js";

const WORKSPACE_ID = "4d7c6f0e-6a43-4c51-9a39-0f0f0b1f2a11";
const ORGANISATION_ID = "0b6f1b2c-3d4e-4f50-8a61-72839405a6b7";
const USER_ID = "9e8d7c6b-5a49-4837-a625-140312f1e0d9";

function validEnvelope(): EventEnvelope {
  return {
    id: "a3f1c2d4-5b6e-4f70-8192-a3b4c5d6e7f8",
    type: "workspace.created",
    version: 1,
    workspaceId: WORKSPACE_ID,
    organisationId: ORGANISATION_ID,
    actor: { type: "user", id: USER_ID },
    occurredAt: "2026-11-23T10:00:00.000Z",
    target: { type: "workspace", id: WORKSPACE_ID, label: "Front line" },
    changes: [{ field: "name", old: null, new: "Front line" }],
    data: { ownerId: USER_ID },
  };
}

/** The issues parseEvent reports for `value`, or a failure when it accepts it. */
function issuesOf(value: unknown): string[] {
  try {
    parseEvent(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return (error as InvalidEventError).issues;
  }
  throw new Error(`parseEvent accepted ${JSON.stringify(value)}`);
}

describe("event envelope validation", () => {
  test("accepts a valid envelope unchanged", () => {
    expect(parseEvent(validEnvelope())).toEqual(validEnvelope());
  });

  test("accepts every actor kind, a null workspace, a null target label and an offset timestamp", () => {
    const actors: EventEnvelope["actor"][] = [
      { type: "user", id: USER_ID },
      { type: "apiKey", id: USER_ID, prefix: "sk_live_ab12" },
      { type: "system" },
      { type: "stripe" },
    ];
    for (const actor of actors) {
      const event = {
        ...validEnvelope(),
        type: "organisation.created",
        actor,
        workspaceId: null,
        occurredAt: "2026-11-23T11:00:00+01:00",
        target: { type: "organisation", id: ORGANISATION_ID, label: null },
        data: { name: "Acme" },
      };
      expect(parseEvent(event)).toEqual(event);
    }
  });

  // Each case breaks one field; the message must name that field's path.
  const malformed: Array<[string, string, (e: Record<string, unknown>) => void]> = [
    ["id not a uuid", "id", (e) => (e.id = "not-a-uuid")],
    ["id missing", "id", (e) => delete e.id],
    ["type not aggregate.verb", "type", (e) => (e.type = "WorkspaceCreated")],
    ["type without a verb", "type", (e) => (e.type = "workspace")],
    ["version zero", "version", (e) => (e.version = 0)],
    ["version not an integer", "version", (e) => (e.version = 1.5)],
    ["version a string", "version", (e) => (e.version = "1")],
    ["workspaceId not a uuid", "workspaceId", (e) => (e.workspaceId = "ws-1")],
    ["workspaceId missing (must be null, not absent)", "workspaceId", (e) => delete e.workspaceId],
    ["organisationId null", "organisationId", (e) => (e.organisationId = null)],
    ["organisationId not a uuid", "organisationId", (e) => (e.organisationId = "org")],
    ["actor of an unknown type", "actor.type", (e) => (e.actor = { type: "robot" })],
    ["user actor without id", "actor.id", (e) => (e.actor = { type: "user" })],
    ["apiKey actor without prefix", "actor.prefix", (e) => (e.actor = { type: "apiKey", id: USER_ID })],
    ["occurredAt not a timestamp", "occurredAt", (e) => (e.occurredAt = "yesterday")],
    ["occurredAt a number", "occurredAt", (e) => (e.occurredAt = Date.now())],
    ["target missing", "target", (e) => delete e.target],
    ["target with empty type", "target.type", (e) => (e.target = { type: "", id: "x", label: null })],
    ["target without id", "target.id", (e) => (e.target = { type: "workspace", label: null })],
    ["target label absent (must be null)", "target.label", (e) => (e.target = { type: "workspace", id: "x" })],
    ["changes not an array", "changes", (e) => (e.changes = { field: "name" })],
    ["change without field", "changes.0.field", (e) => (e.changes = [{ old: 1, new: 2 }])],
    ["data an array", "data", (e) => (e.data = [1, 2])],
    ["data missing", "data", (e) => delete e.data],
  ];

  test.each(malformed)("rejects %s, naming %s", (_case, path, breakIt) => {
    const event = structuredClone(validEnvelope()) as unknown as Record<string, unknown>;
    breakIt(event);
    const issues = issuesOf(event);
    expect(issues.some((issue) => issue.startsWith(`${path}: `))).toBe(true);
    // Only the broken field is reported.
    expect(issues.every((issue) => issue.startsWith(path.split(".")[0] ?? path))).toBe(true);
  });

  test("rejects a non-object, naming the root", () => {
    expect(issuesOf(null)).toEqual([expect.stringMatching(/^\(root\): /)]);
    expect(issuesOf("workspace.created")).toEqual([expect.stringMatching(/^\(root\): /)]);
  });

  test("reports every malformed field at once, and the error message lists them", () => {
    const event = { ...validEnvelope(), id: "x", version: -1, occurredAt: "later" };
    let message = "";
    try {
      parseEvent(event);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid event envelope: /);
    for (const field of ["id", "version", "occurredAt"]) expect(message).toContain(`${field}: `);
  });
});

describe("event data against the registry", () => {
  const cases: Array<[string, (e: Record<string, unknown>) => void, RegExp]> = [
    ["an unregistered type", (e) => (e.type = "workspace.renamed"), /^type: workspace\.renamed is not a registered/],
    [
      "a version the registry does not have",
      (e) => (e.version = 2),
      /^version: workspace\.created has version 1, not 2$/,
    ],
    [
      "a target of another type than registered",
      (e) => (e.target = { type: "team", id: WORKSPACE_ID, label: null }),
      /^target\.type: workspace\.created is about a workspace, not a team$/,
    ],
    ["data without a required field", (e) => (e.data = {}), /^data\.ownerId: /],
    ["data with a malformed field", (e) => (e.data = { ownerId: "not-a-uuid" }), /^data\.ownerId: /],
    [
      "data of another type",
      (e) => (e.data = { userId: USER_ID, role: "MEMBER", customRoleId: null, via: "invitation" }),
      /^data\.ownerId: /,
    ],
  ];

  test.each(cases)("rejects %s", (_case, breakIt, issue) => {
    const event = structuredClone(validEnvelope()) as unknown as Record<string, unknown>;
    breakIt(event);
    expect(issuesOf(event)).toEqual([expect.stringMatching(issue)]);
  });

  test("reports the version, target and data issues together", () => {
    const event = { ...validEnvelope(), version: 3, target: { type: "team", id: "t", label: null }, data: {} };
    expect(issuesOf(event).map((issue) => issue.split(":")[0])).toEqual(["version", "target.type", "data.ownerId"]);
  });

  test("keeps only the registered fields of data", () => {
    const event = { ...validEnvelope(), data: { ownerId: USER_ID, secret: "not for consumers" } };
    expect(parseEvent(event).data).toEqual({ ownerId: USER_ID });
  });

  test("gives consumers data typed by the event's type", () => {
    const event = parseEvent({
      ...validEnvelope(),
      type: "member.added",
      target: { type: "member", id: USER_ID, label: "Ada" },
      data: { userId: USER_ID, role: "CUSTOM", customRoleId: ORGANISATION_ID, via: "join_request" },
    });
    // Narrowing on `type` types `data`: these lines compile only because of it.
    if (event.type !== "member.added") throw new Error(`parsed as ${event.type}`);
    const via: "workspace_created" | "join_request" | "invitation" | "update_user" = event.data.via;
    expect([via, event.data.customRoleId]).toEqual(["join_request", ORGANISATION_ID]);
  });
});

describe("createEvent", () => {
  const base = {
    workspaceId: WORKSPACE_ID,
    organisationId: ORGANISATION_ID,
    actor: { type: "system" },
  } as const;

  test("fills id, the registry's version, occurredAt and changes", () => {
    const event = createEvent({
      ...base,
      type: "workspace.updated",
      target: { type: "workspace", id: WORKSPACE_ID, label: "New" },
      data: {},
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.version).toBe(EVENT_REGISTRY["workspace.updated"].version);
    expect(Date.now() - Date.parse(event.occurredAt)).toBeLessThan(5_000);
    expect(event.changes).toEqual([]);
    expect(event.data).toEqual({});
  });

  // The @ts-expect-error lines are the test of the typing: `tsc` fails if any of them compiles.
  test("does not compile, and throws at run time, for an unregistered type or a wrong data shape", () => {
    const target = { type: "workspace", id: WORKSPACE_ID, label: null } as const;
    // @ts-expect-error an unregistered type
    expect(() => createEvent({ ...base, type: "workspace.renamed", target, data: {} })).toThrow(InvalidEventError);
    // @ts-expect-error data without its required field
    expect(() => createEvent({ ...base, type: "workspace.created", target, data: {} })).toThrow(/data\.ownerId/);
    expect(() =>
      // @ts-expect-error a target of another type than the registered one
      createEvent({ ...base, type: "team.created", target, data: { teamId: WORKSPACE_ID } }),
    ).toThrow(/target\.type: team\.created is about a team, not a workspace/);
  });

  test("refuses at run time what types cannot see: a malformed id", () => {
    expect(() =>
      createEvent({
        ...base,
        type: "workspace.created",
        target: { type: "workspace", id: WORKSPACE_ID, label: null },
        data: { ownerId: "not-a-uuid" },
      }),
    ).toThrow(/^Invalid event envelope: data\.ownerId: /);
  });
});

describe("diffFields", () => {
  test("lists only the listed fields that changed, old -> new, with null for absent values", () => {
    const before = { name: "Old", slug: "old", seats: 3, note: undefined as string | undefined };
    expect(diffFields(before, { name: "New", slug: "old", note: "hi" }, ["name", "slug", "seats", "note"])).toEqual([
      { field: "name", old: "Old", new: "New" },
      { field: "note", old: null, new: "hi" },
    ]);
  });
});
