/**
 * The ticket list at size (issue 9): a workspace with 100,000 tickets, measured through the
 * gateway with one sequential client:
 *
 *   - a page of 50 (newest first) with assignee, team and creator names (identity and workspace
 *     resolve them as batched entity references),
 *   - a page of 50 filtered by full-text search (GIN index on the generated tsvector column).
 *
 *   npx tsx bench/tickets.ts                           # starts its own stack
 *   BENCH_TICKETS=100000 BENCH_RUNS=300 npx tsx bench/tickets.ts
 *
 * The tickets are seeded straight into ticketing's database in one INSERT … SELECT (creating
 * 100,000 through the API would measure the seeding, not the list); people, teams and the
 * workspace are created through the gateway.
 */
import pg from "pg";
import {
  graphqlOk,
  machine,
  ownerWithWorkspace,
  summary,
  timeEach,
  withBenchStack,
  type BenchStack,
} from "./common.js";

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);

/** Where the bench stack's ticketing database is (its own stack: support_ticketing_bench on the local server). */
function ticketingDatabaseUrl(): string {
  return (
    process.env.BENCH_TICKETING_DATABASE_URL ??
    `postgresql://postgres@127.0.0.1:5432/support_ticketing${process.env.BENCH_DATABASE_SUFFIX ?? "_bench"}`
  );
}

const WORDS = `printer login password invoice refund billing export import email phone laptop screen crash slow
  error timeout payment card subscription upgrade downgrade account access permission report dashboard
  chart mobile android iphone browser chrome firefox safari sync calendar meeting video audio network
  wifi vpn server database backup restore delete archive search filter sort notification reminder`
  .split(/\s+/)
  .filter(Boolean);

/**
 * Inserts `count` tickets into the bench stack's ticketing database in one INSERT … SELECT; a third
 * unassigned, the rest spread over `assigneeIds`, all spread over `teamIds`. Returns the seconds it took.
 */
export async function insertTickets(seed: {
  workspaceId: string;
  organisationId: string;
  creatorId: string;
  assigneeIds: string[];
  teamIds: string[];
  count: number;
}): Promise<number> {
  const client = new pg.Client({ connectionString: ticketingDatabaseUrl() });
  await client.connect();
  const started = performance.now();
  try {
    // Titles and descriptions of 4 and 12 words from a small vocabulary: each word matches ~1/15 of the tickets.
    await client.query(
      `INSERT INTO ticket (id, workspace_id, organisation_id, number, title, description, status, priority, priority_rank,
                           creator_id, assignee_id, team_id, created_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, n,
              (SELECT string_agg(($6::text[])[1 + ((n * 7 + k * 13) % cardinality($6::text[]))], ' ') FROM generate_series(1, 4) k),
              (SELECT string_agg(($6::text[])[1 + ((n * 11 + k * 17) % cardinality($6::text[]))], ' ') FROM generate_series(1, 12) k),
              (ARRAY['OPEN','PENDING','ON_HOLD','SOLVED','CLOSED']::"TicketStatus"[])[1 + n % 5],
              (ARRAY['LOW','NORMAL','HIGH','URGENT']::"TicketPriority"[])[1 + n % 4], 1 + n % 4,
              $3::uuid, CASE WHEN n % 3 = 0 THEN NULL ELSE ($4::uuid[])[1 + n % cardinality($4::uuid[])] END,
              ($5::uuid[])[1 + n % cardinality($5::uuid[])],
              now() - make_interval(secs => $7::int - n), now() - make_interval(secs => $7::int - n)
       FROM generate_series(1, $7::int) n`,
      [seed.workspaceId, seed.organisationId, seed.creatorId, seed.assigneeIds, seed.teamIds, WORDS, seed.count],
    );
    await client.query(
      `INSERT INTO workspace_ticket_counter (workspace_id, last_number) VALUES ($1, $2)
       ON CONFLICT (workspace_id) DO UPDATE SET last_number = EXCLUDED.last_number`,
      [seed.workspaceId, seed.count],
    );
    await client.query("ANALYZE ticket");
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

async function seed(stack: BenchStack): Promise<{ token: string; workspaceId: string; word: string }> {
  const owner = await ownerWithWorkspace(stack.gatewayUrl, "Tickets");
  const { token, workspaceId } = owner;
  const teamIds: string[] = [];
  for (const name of ["Billing", "Technical", "Sales", "Onboarding"]) {
    const { createTeam } = await graphqlOk<{ createTeam: { id: string } }>(
      stack.gatewayUrl,
      `mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }`,
      { w: workspaceId, n: name },
      token,
    );
    teamIds.push(createTeam.id);
  }
  const seconds = await insertTickets({
    workspaceId,
    organisationId: owner.organisationId,
    creatorId: owner.userId,
    assigneeIds: [owner.userId],
    teamIds,
    count: TICKETS,
  });
  process.stdout.write(`seeded ${TICKETS} tickets in ${seconds.toFixed(1)} s\n`);
  return { token, workspaceId, word: "refund" };
}

const PAGE = `query($w: ID!, $f: TicketFilter, $first: Int, $last: Int) {
  tickets(workspaceId: $w, first: $first, last: $last, filter: $f) {
  nodes { number title status priority assignee { firstName lastName } team { name } creator { firstName } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

export async function measureTickets(stack: BenchStack) {
  const { token, workspaceId, word } = await seed(stack);
  const page =
    (filter: Record<string, unknown> | null, backward = false) =>
    async () => {
      const data = await graphqlOk<{ tickets: { nodes: Array<{ team: { name: string } | null }> } }>(
        stack.gatewayUrl,
        PAGE,
        { w: workspaceId, f: filter, ...(backward ? { last: 50 } : { first: 50 }) },
        token,
      );
      if (data.tickets.nodes.length !== 50) throw new Error(`expected a page of 50, got ${data.tickets.nodes.length}`);
    };
  const newest = summary(await timeEach(RUNS, page(null)));
  const fullText = summary(await timeEach(RUNS, page({ text: word })));
  // The oldest page, read backward (last: 50): the same index, walked the other way.
  const oldest = summary(await timeEach(RUNS, page(null, true)));
  return { tickets: TICKETS, runs: RUNS, newest, fullText, oldest };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await withBenchStack(async (stack) => {
    process.stdout.write(`${machine()}\n`);
    const result = await measureTickets(stack);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`load average after: ${machine()}\n`);
  });
}
