import { listenUntilSignalled } from "@support/service-kit";
import { loadIdentityConfig } from "./config.js";
import { createServer } from "./app.js";

const config = loadIdentityConfig();
const { app } = await createServer(config);
await listenUntilSignalled(app, { port: config.PORT, host: config.HOST });
