import { parse as parseCsv, CsvError } from "csv-parse/sync";
import { z } from "zod";
import { badUserInput, invalidArguments, isAppError } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { metrics } from "@support/metrics";
import { authorize, requirePermission } from "@support/permissions";
import { descriptionText, parseInput } from "@support/validation";
import { actorUserId } from "../../authorization.js";
import type { TicketingContext } from "../../context.js";
import { findSlaPolicy } from "../../db/sla-policies.js";
import { insertTickets, reserveTicketNumbers } from "../../db/tickets.js";
import {
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ROWS,
  planImport,
  type ImportProblem,
  type PlannedTicket,
} from "../../domain/import.js";
import { createdChanges, priorityRank, slaTimes, stopsSlaClock, ticketTitle } from "../../domain/tickets.js";
import { publish, ticketTarget, workspaceOf } from "../../events/publish.js";
import type { MutationImportTicketsArgs, MutationResolvers } from "../../generated/graphql.js";

const column = z.string().min(1).max(200);
const mappingSchema = z.object({
  title: column,
  description: column.nullish(),
  status: column.nullish(),
  priority: column.nullish(),
  assigneeEmail: column.nullish(),
  teamName: column.nullish(),
  fields: z
    .array(z.object({ fieldId: z.string().uuid("must be a ticket field id"), column }))
    .max(100)
    .nullish(),
});

const refused = (message: string, problems: readonly [ImportProblem, ...ImportProblem[]]) =>
  invalidArguments(message, problems);

/** A problem of the whole file (its size, encoding or shape): row 0, no column. */
const fileProblem = (message: string): [ImportProblem] => [{ field: "csv", row: 0, message }];

const firstIssue = (schema: z.ZodType, value: string): string | null => {
  const result = schema.safeParse(value);
  return result.success ? null : (result.error.issues[0]?.message ?? "is not valid");
};

/** The CSV's header and data rows; BAD_USER_INPUT for a file that is not well-formed UTF-8 CSV or too big. */
function readCsv(csv: string): { header: string[]; rows: string[][] } {
  if (Buffer.byteLength(csv, "utf8") > MAX_IMPORT_BYTES)
    throw refused(`The CSV is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`, fileProblem("too large"));
  // What a file in another encoding turns into once decoded as UTF-8: replacement characters or NULs.
  if (csv.includes("\uFFFD") || csv.includes("\u0000"))
    throw refused("The CSV is not valid UTF-8 text (it holds replacement characters or NUL)", fileProblem("not UTF-8"));
  let records: string[][];
  try {
    records = parseCsv(csv, { bom: true, skip_empty_lines: true, relax_column_count: false, max_record_size: 100_000 });
  } catch (error) {
    const message = error instanceof CsvError ? error.message : "malformed CSV";
    throw refused(`The CSV cannot be read: ${message}`, fileProblem(message));
  }
  const [header, ...rows] = records;
  if (!header) throw refused("The CSV is empty", fileProblem("no header row"));
  if (rows.length === 0) throw refused("The CSV has no rows below its header", fileProblem("no rows"));
  if (rows.length > MAX_IMPORT_ROWS)
    throw refused(
      `The CSV has ${rows.length} rows; at most ${MAX_IMPORT_ROWS} are imported at once`,
      fileProblem("too many rows"),
    );
  return { header: header.map((name) => name.trim()), rows };
}

/**
 * `importTickets(workspaceId, csv, mapping)` (SPEC section 7): the caller maps CSV columns onto
 * ticket fields; every row is checked first and all problems come back (row, column, message);
 * then all rows are written in one transaction with their `ticket.created` events, or none.
 */
export const importTickets: MutationResolvers["importTickets"] = async (_, args, ctx) => {
  // Timed whole (docs/adr/0020): refused is a client error (a bad row, a missing permission), failed anything else.
  const end = metrics.ticketImportDuration().startTimer();
  try {
    const result = await checkAndImport(args, ctx);
    end({ outcome: "imported" });
    return result;
  } catch (error) {
    end({ outcome: isAppError(error) ? "refused" : "failed" });
    throw error;
  }
};

async function checkAndImport(
  args: MutationImportTicketsArgs,
  ctx: TicketingContext,
): Promise<{ imported: number; firstNumber: number | null; lastNumber: number | null }> {
  const grant = await authorize(ctx, args.workspaceId, "workspace_data:import", "tickets:create");
  if (typeof args.csv !== "string") throw badUserInput("csv must be text", "csv");
  const mapping = parseInput(mappingSchema, args.mapping, ["mapping"]);
  // Each mapped column sets what its own mutation guards: an import is no way around them.
  requirePermission(
    grant,
    ...(mapping.assigneeEmail || mapping.teamName ? (["tickets:assign"] as const) : []),
    ...(mapping.fields?.length ? (["ticket_fields:edit_values"] as const) : []),
  );
  const { header, rows } = readCsv(args.csv);

  const [directory, fields, policy] = await Promise.all([
    ctx.workspaceService.directory(args.workspaceId),
    ctx.fields.load(args.workspaceId),
    findSlaPolicy(ctx.db, args.workspaceId),
  ]);
  const plan = planImport(
    header,
    rows,
    mapping,
    {
      memberIdByEmail: new Map(directory.members.map((m) => [m.email.toLowerCase(), m.userId])),
      teamIdByName: new Map(directory.activeTeams.map((t) => [t.name, t.id])),
      fields: new Map(fields.map((f) => [f.id, f])),
    },
    { title: (v) => firstIssue(ticketTitle, v), description: (v) => firstIssue(descriptionText(), v) },
  );
  if (!plan.ok) {
    const [first, ...rest] = plan.problems;
    if (!first) throw new Error("an import plan refused without a problem");
    const where = first.column === undefined ? `row ${first.row}` : `row ${first.row}, column "${first.column}"`;
    throw refused(`Nothing was imported: ${plan.problems.length} problem(s), the first in ${where}: ${first.message}`, [
      first,
      ...rest,
    ]);
  }
  // A solved or closed status is what changeTicketStatus guards with tickets:close.
  if (plan.tickets.some((ticket) => stopsSlaClock(ticket.status))) requirePermission(grant, "tickets:close");
  return write(ctx, { workspaceId: args.workspaceId, organisationId: grant.organisationId }, plan.tickets, policy);
}

async function write(
  ctx: TicketingContext,
  { workspaceId, organisationId }: { workspaceId: string; organisationId: string },
  planned: PlannedTicket[],
  policy: Parameters<typeof slaTimes>[0],
) {
  return ctx.db.$transaction(
    async (tx) => {
      // One counter update reserves the numbers of the whole import.
      const firstNumber = await reserveTicketNumbers(tx, workspaceId, planned.length);
      const openedAt = new Date();
      const creatorId = actorUserId(ctx.actor);
      const rows = planned.map((ticket, i) => {
        const sla = stopsSlaClock(ticket.status) ? null : slaTimes(policy, openedAt);
        return {
          id: crypto.randomUUID(),
          workspaceId,
          organisationId,
          number: firstNumber + i,
          title: ticket.title,
          description: ticket.description,
          status: ticket.status,
          priority: ticket.priority,
          priorityRank: priorityRank(ticket.priority),
          creatorId,
          creatorApiKeyId: ctx.actor.kind === "apiKey" ? ctx.actor.apiKeyId : null,
          assigneeId: ticket.assigneeId,
          teamId: ticket.teamId,
          fieldValues: ticket.fieldValues,
          slaDueAt: sla?.dueAt ?? null,
          slaWarnAt: sla?.warnAt ?? null,
          createdAt: openedAt,
          updatedAt: openedAt,
        };
      });
      await insertTickets(tx, rows);
      await publish(
        tx,
        ...rows.map((ticket) => ({
          type: "ticket.created" as const,
          ...eventScope(workspaceOf(ticket)),
          actor: eventActor(ctx.actor),
          target: ticketTarget(ticket),
          changes: createdChanges(ticket),
          data: { ticketId: ticket.id, number: ticket.number },
        })),
      );
      return { imported: rows.length, firstNumber, lastNumber: firstNumber + rows.length - 1 };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}
