// First: V8 flags the whole process runs with (the module says why).
import "@support/service-kit/v8-flags";
import { listenUntilSignalled } from "@support/service-kit";
import { loadAuditConfig } from "./config.js";
import { createServer } from "./app.js";

const config = loadAuditConfig();
const { app } = await createServer(config);
await listenUntilSignalled(app, { port: config.PORT, host: config.HOST });
