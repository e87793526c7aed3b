import { eventually, testStack } from "./stack.js";

/** A process of the stack, by the name its metrics URLs are listed under. */
export type StackProcess = "gateway" | "identity" | "workspace" | "ticketing" | "billing" | "audit";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  status: number;
  contentType: string | null;
  /** Family name → type, from the `# TYPE` lines. */
  families: Map<string, string>;
  samples: Sample[];
}

/** Reads the text format: `# TYPE name type` lines and `name{a="b",…} value` samples. */
export function parseExposition(text: string): Pick<Scrape, "families" | "samples"> {
  const families = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) families.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { families, samples };
}

/** Every instance of a process (one in the harness's stack). */
export const metricsUrlsOf = (process: StackProcess): string[] => testStack().metricsUrls[process];

export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type"), ...parseExposition(text) };
}

export const sampleOf = (scraped: Scrape, name: string, labels: Record<string, string> = {}) =>
  scraped.samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );

/**
 * Waits until every instance of `processes` reports its caches in use (`live`: true,
 * support_cache_invalidations_live 1) or bypassed (false, 0).
 */
export async function cachesReport(live: boolean, ...processes: StackProcess[]): Promise<void> {
  const expected = live ? 1 : 0;
  await Promise.all(
    processes
      .flatMap((process) => metricsUrlsOf(process))
      .map((url) =>
        eventually(
          async () =>
            sampleOf(await scrape(url), "support_cache_invalidations_live")?.value === expected ? true : undefined,
          60_000,
          `caches ${live ? "in use" : "bypassed"} at ${url}`,
        ),
      ),
  );
}

/**
 * Waits until every instance of `processes` uses its caches: an answer fetched while an
 * instance's invalidation feed is lapsed, as it is for a while after Kafka restarts, is not
 * remembered (docs/adr/0003), so a test that warms a cache waits for this first.
 */
export const cachesLive = (...processes: StackProcess[]): Promise<void> => cachesReport(true, ...processes);
