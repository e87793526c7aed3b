// jest loads global setup outside its ESM transform; tsx loads the TypeScript harness instead.
import { tsImport } from "tsx/esm/api";

export default async function globalSetup() {
  const { startTestStack } = await tsImport("./start-stack.ts", import.meta.url);
  globalThis.__TEST_STACK__ = await startTestStack();
}
