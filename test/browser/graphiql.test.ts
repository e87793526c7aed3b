import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startDevGateway } from "../harness/dev-gateway.js";
import { signUp, type SignedUpUser } from "../harness/stack.js";

/**
 * GraphiQL as a developer meets it (issue 23): the development gateway's IDE in a real Chromium
 * with every request to anything but the gateway refused, so it must work with no internet. A
 * query run with a session token answers; a bad query and a bad token show their error in the
 * result pane. `npm run test:browser` (CHROMIUM_PATH, default /usr/bin/chromium).
 */

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

describe("GraphiQL served by the development gateway, offline", () => {
  let gateway: Awaited<ReturnType<typeof startDevGateway>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let user: SignedUpUser;
  /** Every URL the page asked for, and those refused for not being the gateway's. */
  const requested: string[] = [];
  const refused: string[] = [];
  /** Script errors and CSP refusals the page reported, and files it asked for in vain. */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH`,
      );
    gateway = await startDevGateway();
    user = await signUp();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    context = await browser.newContext();
    // The network as if offline: only the gateway answers.
    await context.route("**/*", async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === gateway.origin) return route.continue();
      refused.push(url);
      return route.abort("internetdisconnected");
    });
    page = await context.newPage();
    page.on("request", (request) => requested.push(request.url()));
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    page.on("response", (response) => {
      // /graphql answers 400 and 401 on purpose below; any other file must be there.
      if (response.status() >= 400 && !response.url().endsWith("/graphql"))
        problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    // Read the schema by introspection as it loads: the answer must be the schema, not a refusal.
    const schemaRead = page.waitForResponse(
      (response) =>
        response.url() === `${gateway.origin}/graphql` &&
        /IntrospectionQuery/.test(response.request().postData() ?? ""),
    );
    await page.goto(`${gateway.origin}/`);
    const schema = await schemaRead;
    expect(schema.status()).toBe(200);
    expect(JSON.stringify(await schema.json())).toMatch(/"__schema"/);
    await page.locator(".graphiql-container").waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await gateway?.close();
  });

  const resultPane = () => page.locator(".graphiql-response");
  const status = () => page.locator("#ide-status");

  /** Replaces the operation in the query editor, as pasting it would, and runs it. */
  async function run(query?: string): Promise<void> {
    if (query !== undefined) {
      await page.locator(".graphiql-query-editor .CodeMirror").click();
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.insertText(query);
    }
    await page.locator(".graphiql-execute-button").click();
  }

  /** Waits until the result pane shows every piece of text, then returns what it shows. */
  async function resultShows(...texts: string[]): Promise<string> {
    let pane = resultPane();
    for (const text of texts) pane = pane.filter({ hasText: text });
    await pane.waitFor();
    return (await resultPane().textContent()) ?? "";
  }

  test("it loads with nothing asked of any other host, no script error and no CSP refusal", async () => {
    expect(refused).toEqual([]);
    for (const url of requested) expect(url.startsWith(`${gateway.origin}/`) || url.startsWith("data:")).toBe(true);
    // The page, the scripts and styles, and the schema at least.
    expect(requested.filter((url) => url.startsWith(`${gateway.origin}/graphiql/`)).length).toBeGreaterThanOrEqual(6);
    expect(problems).toEqual([]);
  });

  test("a query run with a session token in the token field answers as that user", async () => {
    await page.locator("#ide-token").fill(user.token);
    // The default operation is `query Me { me { id email } }`.
    await run();
    const shown = await resultShows(user.userId, user.email);
    expect(shown).toMatch(/"me"/);
    await expect(status().textContent()).resolves.toMatch(/^HTTP 200 in \d+ ms$/);
    expect(refused).toEqual([]);
  }, 60_000);

  test("a bad query shows the gateway's validation error in the result pane", async () => {
    // schema-check: invalid on purpose (the result pane must show the refusal)
    await run("query Bad { me { id nosuchField } }");
    const shown = await resultShows("GRAPHQL_VALIDATION_FAILED", "nosuchField");
    expect(shown).toMatch(/Cannot query field/);
    await expect(status().textContent()).resolves.toMatch(/^HTTP 400/);
  });

  test("a bad token shows UNAUTHENTICATED with the reason in the result pane", async () => {
    await page.locator("#ide-token").fill("sess_forged");
    await run("query Me { me { id email } }");
    await resultShows("UNAUTHENTICATED", "Invalid or expired session");
    await expect(status().textContent()).resolves.toMatch(/^HTTP 401/);
  });

  test("the Headers tab works too, and its Authorization wins over the token field", async () => {
    // The field still holds the forged token; the header carries the real one.
    await page.getByRole("button", { name: "Headers" }).click();
    await page.locator(".graphiql-editor-tool .CodeMirror").last().click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${user.token}` }));
    await run();
    await resultShows(user.userId, user.email);
    await expect(status().textContent()).resolves.toMatch(/^HTTP 200/);
    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
  });
});
