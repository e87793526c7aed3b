import { listenUntilSignalled } from "@support/service-kit";
import { loadWorkspaceConfig } from "./config.js";
import { createServer } from "./app.js";

const config = loadWorkspaceConfig();
const { app } = await createServer(config);
await listenUntilSignalled(app, { port: config.PORT, host: config.HOST });
