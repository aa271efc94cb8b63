// A member looks after their account in Chromium: turns on two-factor sign-in from the QR
// code's key (codes computed here with Node's own HMAC, independently of the server's TOTP
// crate), signs in with a code, exports and imports their data, makes an invite that opens the
// sign-up page, and deletes the account. Screenshots of each page go to the screenshots folder.
//
// Usage: node account_security.mjs http://127.0.0.1:PORT
import { createHmac } from "node:crypto";
import { check, expect, finish, launch, screenshot } from "./harness.mjs";

const base = process.argv[2];
if (!base) {
  console.error("usage: node account_security.mjs BASE_URL");
  process.exit(2);
}
const suffix = Date.now().toString(36).slice(-5);
const username = `careful_${suffix}`;
const password = `a careful passphrase ${suffix}`;

/** RFC 4648 base32 to bytes. */
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (SHA-1, 30 s, 6 digits) at `unix` seconds. */
function totp(secret, unix) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const digest = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = digest[19] & 0x0f;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, "0");
}

const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (error) => errors.push(String(error)));
let secret = "";

await check("a new member turns on two-factor sign-in from the QR code's key", async () => {
  await page.goto(`${base}/auth/sign_up`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email address").fill(`${username}@example.com`);
  await page.getByLabel("Password (8 to 72 characters)").fill(password);
  await page.getByLabel("Password again").fill(password);
  await page.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${base}/home`);
  await page.goto(`${base}/settings/two_factor`);
  const qr = page.getByRole("img", { name: "QR code for your authenticator app" });
  expect(await qr.evaluate((img) => img.complete && img.naturalWidth > 100), "the QR code is drawn");
  secret = (await page.locator(".otp-secret").textContent()).trim();
  expect(/^[A-Z2-7]{32}$/.test(secret), `a base32 key, not ${secret}`);
  await screenshot(page, "20 two-factor setup");
  await page.getByLabel("Code from your app").fill(totp(secret, Date.now() / 1000));
  await page.getByLabel("Current password").fill(password);
  await page.getByRole("button", { name: "Turn two-factor sign-in on" }).click();
  await page.waitForLoadState();
  expect(await page.getByText("Two-factor sign-in is on.").isVisible(), "it is on");
  expect((await page.locator(".recovery-codes li").count()) === 10, "ten recovery codes");
  await screenshot(page, "21 two-factor recovery codes");
}, page);

await check("signing in asks for a code after the password", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/`);
  await page.goto(`${base}/auth/sign_in`);
  await page.getByLabel("Email address or username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
  expect(await page.getByRole("heading", { name: "Two-factor sign-in" }).isVisible(), "the code page");
  await screenshot(page, "22 two-factor code page");
  await page.getByLabel("Code from your authenticator app").fill("000000");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
  expect(await page.getByRole("alert").isVisible(), "a wrong code is refused");
  // The code of the next step: the setup spent this one.
  await page.getByLabel("Code from your authenticator app").fill(totp(secret, Date.now() / 1000 + 30));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/auth/"));
  await page.goto(`${base}/settings/two_factor`);
  expect(await page.getByText("recovery code(s) left").isVisible(), "signed in, two-factor on");
}, page);

await check("the member exports and imports their data", async () => {
  await page.goto(`${base}/settings/export`);
  await screenshot(page, "23 export");
  const download = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "follows.csv" }).click(),
  ]).then(([d]) => d);
  expect(download.suggestedFilename() === "follows.csv", "the follows file downloads");
  await page.goto(`${base}/settings/import`);
  await page.getByLabel("The file holds").selectOption("domain_blocking");
  await page.setInputFiles("input[name=data]", {
    name: "domain_blocks.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("spam.example\nnot a domain\n"),
  });
  await page.getByRole("button", { name: "Import" }).click();
  await page.waitForURL(/\/settings\/imports\/\d+$/);
  // The worker runs within a second or two: reload until the import is done.
  for (let i = 0; i < 20 && !(await page.getByText("Done:").isVisible()); i += 1) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  expect(await page.getByText("2 of 2 rows processed, 1 failed").isVisible(), "progress and failures");
  expect(await page.getByText("is not a domain name").isVisible(), "the failed row's reason");
  await screenshot(page, "24 import report");
}, page);

await check("an invite link opens the sign-up page", async () => {
  await page.goto(`${base}/settings/invites`);
  await page.getByRole("button", { name: "Make an invite link" }).click();
  await page.waitForURL(`${base}/settings/invites`);
  const link = (await page.locator(".invite-link").first().textContent()).trim();
  await screenshot(page, "25 invites");
  const visitor = await browser.newPage();
  await visitor.goto(link.replace(/^https?:\/\/[^/]+/, base));
  expect(await visitor.getByText("You were invited").isVisible(), "the invited sign-up page");
  await visitor.close();
}, page);

await check("the member deletes the account", async () => {
  await page.goto(`${base}/settings/delete`);
  await page.getByLabel(`Type your username (${username}) to confirm`).fill(username);
  await page.getByLabel("Current password").fill(password);
  await page.getByRole("button", { name: "Delete my account for good" }).click();
  await page.waitForLoadState();
  expect(await page.getByRole("heading", { name: "Your account was deleted" }).isVisible(), "gone");
  await screenshot(page, "26 account deleted");
  await page.goto(`${base}/settings/profile`);
  expect(page.url().startsWith(`${base}/auth/sign_in`), "signed out");
}, page);

await check("no script errors on any page", async () => {
  expect(errors.length === 0, errors.join("\n"));
});

await browser.close();
finish();
