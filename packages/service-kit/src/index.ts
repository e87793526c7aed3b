export * from "./app.js";
export * from "./runtime.js";
export * from "./graphql-errors.js";
export * from "./permissions-client.js";
export * from "./people-client.js";
export { postInternal } from "./workspace-call.js";
