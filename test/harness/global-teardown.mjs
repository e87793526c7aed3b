/** Stops what the global setup started (services, gateway, the test broker, an embedded PostgreSQL). */
export default async function globalTeardown() {
  await globalThis.__TEST_STACK__?.stop();
}
