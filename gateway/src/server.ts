// First: V8 flags the whole process runs with (the module says why).
import "@support/service-kit/v8-flags";
import { listenUntilSignalled } from "@support/service-kit";
import { loadGatewayConfig } from "./config.js";
import { createServer } from "./app.js";

const config = loadGatewayConfig();
const app = await createServer(config);
await listenUntilSignalled(app, { port: config.PORT, host: config.HOST });
app.log.info(`gateway ready at http://${config.HOST}:${config.PORT}/graphql`);
