import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createWorkspace, eventually, graphqlOk, signUp, testStack } from "../harness/stack.js";

/**
 * One client request, one trace (docs/adr/0021): the stack exports its spans over OTLP/HTTP (JSON)
 * to a receiver this suite runs on the harness's `otlpReceiverPort`, and records only requests that
 * arrive with a sampled W3C `traceparent` (OTEL_TRACES_SAMPLER=parentbased_always_off), which no
 * other suite sends. A ticket created through the gateway is followed across the gateway, its
 * subgraph fetch, ticketing, ticketing's permission look-up at workspace, the SQL statements, the
 * outbox → Kafka hop and audit applying the event to the activity log.
 */

interface ReceivedSpan {
  service: string;
  scope: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
}

/** OTLP's span kinds, as numbers in the JSON encoding. */
const KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}

const valueOf = (value: OtlpValue): unknown =>
  value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? null;
const attributesOf = (attributes: OtlpAttribute[] = []) =>
  Object.fromEntries(attributes.map(({ key, value }) => [key, valueOf(value)]));

const received: ReceivedSpan[] = [];
let receiver: Server;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method === "POST" && request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpExport;
        for (const resourceSpans of body.resourceSpans ?? []) {
          const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"]);
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              received.push({
                service,
                scope: scopeSpans.scope?.name ?? "",
                name: span.name,
                kind: span.kind,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? "",
                attributes: attributesOf(span.attributes),
              });
            }
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve, reject) => {
    receiver.once("error", reject);
    receiver.listen(testStack().otlpReceiverPort, "127.0.0.1", () => resolve());
  });
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

/** The span's ancestors, nearest first, as far as they were received. */
function ancestorsOf(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((each) => [each.spanId, each]));
  const chain: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) chain.push(parent);
  return chain;
}

const isPath = (span: ReceivedSpan, path: string) =>
  String(span.attributes["url.path"] ?? span.attributes["http.target"] ?? "").startsWith(path);

describe("a request is one trace across the gateway, subgraphs, permission look-up, SQL and Kafka", () => {
  test("creating a ticket: gateway → ticketing → workspace look-up → PostgreSQL → outbox → Kafka → audit", async () => {
    const owner = await signUp();
    // A new workspace: ticketing has no permission answer for it cached, so it asks workspace.
    const workspaceId = await createWorkspace(owner.token, "Traced");

    const traceId = randomBytes(16).toString("hex");
    const callerSpanId = randomBytes(8).toString("hex");
    const response = await fetch(testStack().gatewayUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${owner.token}`,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({
        query: `mutation($w: ID!, $i: CreateTicketInput!) { createTicket(workspaceId: $w, input: $i) { id } }`,
        variables: { w: workspaceId, i: { title: "Followed through every hop" } },
      }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    const { data } = (await response.json()) as { data: { createTicket: { id: string } } };
    const ticketId = data.createTicket.id;

    // What a user sees: the ticket in the activity log (audit consumed the event).
    await eventually(
      async () => {
        const page = await graphqlOk<{ activityLog: { nodes: Array<{ action: string; target: { id: string } }> } }>(
          `query($id: ID!) { activityLog(workspaceId: $id) { nodes { action target { id } } } }`,
          { token: owner.token, variables: { id: workspaceId } },
        );
        return (
          page.activityLog.nodes.some((e) => e.action === "ticket.created" && e.target.id === ticketId) || undefined
        );
      },
      20_000,
      "ticket.created in the activity log",
    );

    // Spans arrive within each process's export delay (200 ms) of ending, each process on its
    // own schedule: wait until the chain reaches the gateway's request span, which ends last.
    const auditStatement = await eventually(
      async () => {
        const trace = received.filter((span) => span.traceId === traceId);
        return trace.find((span) => {
          if (
            span.service !== "audit" ||
            !span.scope.endsWith("instrumentation-pg") ||
            !/activity_entry/i.test(String(span.attributes["db.query.text"] ?? ""))
          )
            return false;
          const ancestors = ancestorsOf(span, trace);
          return (
            ancestors.some((a) => a.service === "ticketing" && a.kind === KIND.PRODUCER) &&
            ancestors.some((a) => a.service === "gateway" && a.kind === KIND.SERVER)
          );
        });
      },
      20_000,
      "audit's statements in the request's trace, up to the gateway's request",
    );
    const trace = received.filter((span) => span.traceId === traceId);
    const chain = [auditStatement, ...ancestorsOf(auditStatement, trace)];

    // Walking up from audit's INSERT: the Kafka send, ticketing's request, the gateway's subgraph
    // fetch, the gateway's request, and the caller's span above them all.
    const send = chain.find((span) => span.kind === KIND.PRODUCER);
    expect(send).toMatchObject({ service: "ticketing", name: "send ticketing.events" });
    const ticketingServer = chain.find((span) => span.service === "ticketing" && span.kind === KIND.SERVER);
    expect(ticketingServer && isPath(ticketingServer, "/graphql")).toBe(true);
    const subgraphFetch = chain.find((span) => span.service === "gateway" && span.kind === KIND.CLIENT);
    expect(subgraphFetch?.attributes["url.full"]).toBe(`${testStack().serviceUrls.ticketing}/graphql`);
    const gatewayServer = chain.find((span) => span.service === "gateway" && span.kind === KIND.SERVER);
    expect(gatewayServer?.parentSpanId).toBe(callerSpanId);
    expect(chain.map((span) => span.service)).toEqual(expect.arrayContaining(["audit", "ticketing", "gateway"]));
    expect(chain.indexOf(send!)).toBeLessThan(chain.indexOf(ticketingServer!));
    expect(chain.indexOf(ticketingServer!)).toBeLessThan(chain.indexOf(subgraphFetch!));
    expect(chain.indexOf(subgraphFetch!)).toBeLessThan(chain.indexOf(gatewayServer!));

    // The request id is on the request's spans, the gateway's and the subgraph's alike.
    expect(gatewayServer?.attributes["request.id"]).toBe(requestId);
    expect(ticketingServer?.attributes["request.id"]).toBe(requestId);

    // Ticketing's permission look-up: a fetch from ticketing's request to workspace's internal
    // endpoint, answered by workspace in the same trace, with its own SQL below it.
    const lookUp = trace.find(
      (span) =>
        span.service === "workspace" &&
        span.kind === KIND.SERVER &&
        isPath(span, "/internal/permissions") &&
        ancestorsOf(span, trace).includes(ticketingServer!),
    );
    expect(lookUp).toBeDefined();
    expect(ancestorsOf(lookUp!, trace)[0]).toMatchObject({ service: "ticketing", kind: KIND.CLIENT });
    expect(
      trace.some(
        (span) =>
          span.service === "workspace" &&
          span.scope.endsWith("instrumentation-pg") &&
          ancestorsOf(span, trace).includes(lookUp!),
      ),
    ).toBe(true);

    // Ticketing's own statements, the outbox row among them, under its request.
    const outboxInsert = trace.find(
      (span) =>
        span.service === "ticketing" &&
        /INSERT INTO outbox_event/i.test(String(span.attributes["db.query.text"] ?? "")) &&
        ancestorsOf(span, trace).includes(ticketingServer!),
    );
    expect(outboxInsert).toBeDefined();
  });
});
