import type { Logger } from "@support/logger";

/**
 * Runs jobs stored in a table, one at a time per process: `claim` leases the next due job (with
 * FOR UPDATE SKIP LOCKED, so several instances share the work), `run` does it. A failed job
 * stays leased for its back-off, then becomes due again. Woken by `kick()` and by a timer.
 */
export class LeaseWorker<Job> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly options: {
      name: string;
      logger: Logger;
      claim: () => Promise<Job | null>;
      run: (job: Job) => Promise<void>;
      /** Records a failure; the job is retried once its lease (set to the back-off) ends. */
      failed: (job: Job, error: unknown) => Promise<void>;
      pollMs?: number;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 1_000);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Stops taking jobs and waits for the one in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      let job: Job | null;
      try {
        job = await this.options.claim();
      } catch (error) {
        this.options.logger.warn({ err: error, worker: this.options.name }, "could not claim a job");
        return;
      }
      if (!job) return;
      try {
        await this.options.run(job);
      } catch (error) {
        this.options.logger.warn({ err: error, worker: this.options.name }, "job failed; it will be retried");
        await this.options
          .failed(job, error)
          .catch((failure: unknown) =>
            this.options.logger.error({ err: failure, worker: this.options.name }, "could not record a job failure"),
          );
      }
    }
  }
}

/** Seconds to wait before attempt `attempts + 1`: 1, 2, 4, … capped at 5 minutes. */
export const backoffSeconds = (attempts: number): number => Math.min(300, 2 ** Math.max(0, attempts - 1));
