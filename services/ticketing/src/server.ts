import { listenUntilSignalled } from "@support/service-kit";
import { loadTicketingConfig } from "./config.js";
import { createServer } from "./app.js";

const config = loadTicketingConfig();
const { app } = await createServer(config);
await listenUntilSignalled(app, { port: config.PORT, host: config.HOST });
