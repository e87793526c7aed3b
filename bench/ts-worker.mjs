// The entry of a bench worker thread written in TypeScript: a worker does not inherit the tsx
// loader of the thread that starts it, so it registers tsx and then imports workerData.module.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
