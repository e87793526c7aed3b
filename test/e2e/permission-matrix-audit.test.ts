import { auditQuery } from "../harness/audit.js";
import { type Caller, type MatrixFixture, type Operation, subgraphMatrix } from "../harness/matrix.js";
import { graphql } from "../harness/stack.js";

// ---- audit (issue 11) --------------------------------------------------------------------------
// Reading and verifying the log need `activity_log:view` (MEMBERs have it, the custom role
// "Triage" and the API key do not); signing a checkpoint needs `activity_log:checkpoint` and
// exporting `activity_log:export` (admins and owners, issue 19). An export is limited to one per 60 seconds per workspace, so each export call first
// clears the workspace's allowance row (the limit itself is tested in audit-integrity.test.ts).

const EXPECTED_AUDIT = `
operation                  owner admin member memberOff custom orgAdmin otherOrg apiKey anonymous supervisor agent support
activityLog                ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
activityStats              ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
verifyActivityLog          ok    ok    ok     ok        F      ok       NF       F      UA        ok         ok    F
checkpointActivityLog      ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
exportActivityLog          ok    ok    F      F         F      ok       NF       F      UA        ok         F     F
renewActivityLogExportLink ok    ok    NF     NF        NF     ok       NF       NF     UA        ok         NF    NF
`;

/** The caller's own activity-log export where they may export, otherwise the owner's (allowance cleared first). */
async function activityExportFor(fx: MatrixFixture, caller: Caller): Promise<string | undefined> {
  const exportAs = async (token: string | undefined, w: string) => {
    await auditQuery(`DELETE FROM export_allowance WHERE workspace_id = $1`, [w]);
    const answer = await graphql<{ exportActivityLog: { exportId: string } }>(
      "mutation($w: ID!) { exportActivityLog(workspaceId: $w) { exportId } }",
      { token, variables: { w } },
    );
    return answer.data?.exportActivityLog.exportId;
  };
  return (
    (await exportAs(fx.tokenFor(caller), fx.workspaceFor(caller))) ??
    (await exportAs(fx.tokenFor("owner"), fx.workspaceId))
  );
}

const AUDIT_OPERATIONS: Record<string, Operation> = {
  activityLog: {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { activityLog(workspaceId: $w, first: 5) { nodes { id action } } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  activityStats: {
    call: async (fx, caller) => ({
      query: `query($w: ID!) { activityStats(workspaceId: $w, from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z") { categories } }`,
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  verifyActivityLog: {
    call: async (fx, caller) => ({
      query: "query($w: ID!) { verifyActivityLog(workspaceId: $w) { valid } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  checkpointActivityLog: {
    call: async (fx, caller) => ({
      query: "mutation($w: ID!) { checkpointActivityLog(workspaceId: $w) { position } }",
      variables: { w: fx.workspaceFor(caller) },
    }),
  },
  exportActivityLog: {
    call: async (fx, caller) => {
      await auditQuery(`DELETE FROM export_allowance WHERE workspace_id = $1`, [fx.workspaceFor(caller)]);
      return {
        query: "mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }",
        variables: { w: fx.workspaceFor(caller) },
      };
    },
  },
  renewActivityLogExportLink: {
    // Only the requester renews a link (and only while they may export): anyone else NOT_FOUND.
    call: async (fx, caller) => ({
      query: "mutation($e: ID!) { renewActivityLogExportLink(id: $e) { url } }",
      variables: { e: await activityExportFor(fx, caller) },
    }),
  },
};

subgraphMatrix({
  name: "audit",
  graph: "AUDIT",
  rootFields: [
    "activityLog",
    "activityStats",
    "checkpointActivityLog",
    "exportActivityLog",
    "renewActivityLogExportLink",
    "verifyActivityLog",
  ],
  table: EXPECTED_AUDIT,
  operations: AUDIT_OPERATIONS,
  foreignQuery: "query($w: ID!) { verifyActivityLog(workspaceId: $w) { valid } }",
});
