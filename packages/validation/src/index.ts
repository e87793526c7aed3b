export * from "./text.js";
export * from "./time.js";
export * from "./cursor.js";
export * from "./page.js";
export * from "./connection.js";
export * from "./ids.js";
