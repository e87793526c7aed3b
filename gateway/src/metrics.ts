import type { ApolloServerPlugin } from "@apollo/server";
import { BoundedLabel, metrics } from "@support/metrics";
import type { SubgraphFetcher } from "./subgraph-fetcher.js";

/**
 * Distinct operation names the latency histogram keeps per process; later new names are `(other)`.
 * Operation names are the client's to choose: without a cap, a client sending a fresh name per
 * request would grow the process's memory and every scrape without end.
 */
export const MAX_OPERATION_NAMES = 200;
/** Error codes are the gateway's own after masking (errors.ts); the cap only guards against a bug. */
const MAX_ERROR_CODES = 50;

/**
 * The gateway's request metrics (docs/adr/0020): each operation's latency by name, and every error
 * answered to a client by its `extensions.code`, including the refusals before any operation runs
 * (a refused credential, an authentication service down, a malformed request).
 */
export function gatewayMetricsPlugin(): ApolloServerPlugin {
  const names = new BoundedLabel(MAX_OPERATION_NAMES);
  const codes = new BoundedLabel(MAX_ERROR_CODES);
  const duration = metrics.operationDuration();
  const errors = metrics.gatewayErrors();
  const countError = (code: unknown) => errors.inc({ code: typeof code === "string" ? codes.of(code) : "(none)" });
  return {
    async contextCreationDidFail({ error }) {
      countError((error as { extensions?: { code?: unknown } }).extensions?.code);
    },
    async invalidRequestWasReceived() {
      countError("BAD_REQUEST");
    },
    async requestDidStart() {
      const end = duration.startTimer();
      return {
        async willSendResponse({ response, operation, operationName }) {
          end({
            operation_name: !operation ? "(invalid)" : operationName ? names.of(operationName) : "(anonymous)",
          });
          if (response.body.kind !== "single") return;
          for (const error of response.body.singleResult.errors ?? []) countError(error.extensions?.code);
        },
      };
    },
  };
}

/** `fetcher`, timed per subgraph: `ok` for a 2xx answer, `error` for anything else or no answer. */
export function timedFetcher(subgraph: string, fetcher: SubgraphFetcher): SubgraphFetcher {
  const duration = metrics.subgraphFetchDuration();
  return async (url, init) => {
    const end = duration.startTimer({ subgraph });
    try {
      const response = await fetcher(url, init);
      end({ outcome: response.ok ? "ok" : "error" });
      return response;
    } catch (error) {
      end({ outcome: "error" });
      throw error;
    }
  };
}
