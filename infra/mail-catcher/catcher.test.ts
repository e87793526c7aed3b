import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { startMailCatcher, type RunningMailCatcher } from "./catcher.js";
import { invitationTokenFor, mailTo, waitForMail } from "./client.js";

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

let catcher: RunningMailCatcher;
const send = (message: SendMailOptions) =>
  nodemailer
    .createTransport({ url: catcher.smtpUrl, connectionTimeout: 2_000, greetingTimeout: 2_000 })
    .sendMail({ from: "Support <no-reply@support.test>", ...message });

beforeAll(async () => {
  catcher = await startMailCatcher({ smtpPort: await freePort(), httpPort: await freePort() });
});
afterAll(async () => {
  await catcher.close();
});

describe("the mail catcher", () => {
  test("keeps what it is sent and serves it by recipient, newest first, with its headers", async () => {
    await send({ to: "Ivy <ivy@example.test>", subject: "First", text: "one", messageId: "<first@support.test>" });
    await send({ to: "ivy@example.test", subject: "Second", text: "two" });
    await send({ to: "someone.else@example.test", subject: "Not hers", text: "three" });
    const mail = await mailTo(catcher.url, "IVY@example.test");
    expect(mail.map((m) => m.subject)).toEqual(["Second", "First"]);
    expect(mail[1]).toMatchObject({
      envelope: { from: "no-reply@support.test", to: ["ivy@example.test"] },
      from: "no-reply@support.test",
      to: ["ivy@example.test"],
      text: "one\n",
      messageId: "<first@support.test>",
    });
    expect(mail[1]?.headers["message-id"]).toBe("<first@support.test>");
  });

  test("its page lists the mail with the text escaped", async () => {
    await send({ to: "page@example.test", subject: "<script>alert(1)</script>", text: "<b>bold</b>" });
    const page = await (await fetch(`${catcher.url}/?to=page@example.test`)).text();
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(page).not.toContain("<script>");
  });

  test("reads an invitation token out of a mail, skipping the ones already used", async () => {
    await send({
      to: "inv@example.test",
      subject: "Invited",
      text: "https://app.test/accept-invitation?token=inv_first\n",
    });
    expect(await invitationTokenFor(catcher.url, "inv@example.test")).toBe("inv_first");
    await send({
      to: "inv@example.test",
      subject: "Again",
      text: "https://app.test/accept-invitation?token=inv_second\n",
    });
    expect(await invitationTokenFor(catcher.url, "inv@example.test", { except: ["inv_first"] })).toBe("inv_second");
  });

  test("SMTP stops and starts again on the same port; the HTTP side stays up", async () => {
    await catcher.stopSmtp();
    await expect(send({ to: "down@example.test", subject: "Lost", text: "x" })).rejects.toThrow();
    expect(await mailTo(catcher.url, "down@example.test")).toEqual([]);
    await fetch(`${catcher.url}/_catcher/smtp/start`, { method: "POST" });
    await send({ to: "down@example.test", subject: "Back", text: "y" });
    expect((await waitForMail(catcher.url, "down@example.test", { timeoutMs: 5_000 })).subject).toBe("Back");
  });
});
