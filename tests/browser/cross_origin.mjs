// A browser-based client on another origin, as Phanpy or Elk is: its page registers an app with
// fetch(), sends the person to ferrodon's sign-in and consent pages, exchanges the code (PKCE)
// and calls the API with the token, all across origins in Chromium. Pages stay unreadable to it.
//
// Usage: node cross_origin.mjs http://127.0.0.1:PORT  (with CLIENT_TESTS_ADMIN_EMAIL and
// CLIENT_TESTS_ADMIN_PASSWORD naming a member who can sign in)
import { createServer } from "node:http";
import { check, expect, finish, launch, screenshot } from "./harness.mjs";

const api = process.argv[2];
const login = process.env.CLIENT_TESTS_ADMIN_EMAIL;
const password = process.env.CLIENT_TESTS_ADMIN_PASSWORD;
if (!api || !login || !password) {
  console.error("usage: CLIENT_TESTS_ADMIN_EMAIL=.. CLIENT_TESTS_ADMIN_PASSWORD=.. node cross_origin.mjs BASE_URL");
  process.exit(2);
}

// The client's own page: the same script at / (start) and /callback (finish).
const clientPage = `<!doctype html>
<meta charset="utf-8"><title>A web client</title>
<pre id="out">working</pre>
<script>
const api = ${JSON.stringify(api)};
const here = location.origin;
const results = {};
const out = document.getElementById("out");
function show(done) {
  out.textContent = JSON.stringify(results, null, 1);
  if (done) out.dataset.done = "1";
}
function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
}
async function json(response) {
  const text = await response.text();
  try { return JSON.parse(text); } catch { return { unparsed: text }; }
}
async function start() {
  const registered = await fetch(api + "/api/v1/apps", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_name: "Cross-origin client", redirect_uris: here + "/callback", scopes: "read write", website: here }),
  });
  const app = await json(registered);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem("app", JSON.stringify({ ...app, verifier }));
  location.href = api + "/oauth/authorize?" + new URLSearchParams({
    client_id: app.client_id, redirect_uri: here + "/callback", response_type: "code",
    scope: "read write", state: "s-42", code_challenge: challenge, code_challenge_method: "S256",
  });
}
async function callback() {
  const params = new URLSearchParams(location.search);
  const app = JSON.parse(sessionStorage.getItem("app"));
  results.state = params.get("state");
  const tokenResponse = await fetch(api + "/oauth/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ grant_type: "authorization_code", code: params.get("code"), client_id: app.client_id,
      client_secret: app.client_secret, redirect_uri: here + "/callback", code_verifier: app.verifier, scope: "read write" }),
  });
  const token = await json(tokenResponse);
  results.token_status = tokenResponse.status;
  const auth = { Authorization: "Bearer " + token.access_token };
  const me = await json(await fetch(api + "/api/v1/accounts/verify_credentials", { headers: auth }));
  results.username = me.username;
  const posted = await fetch(api + "/api/v1/statuses", {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/json", "Idempotency-Key": "cross-origin-1" },
    body: JSON.stringify({ status: "posted from another origin" }),
  });
  results.posted = (await json(posted)).content;
  const home = await fetch(api + "/api/v1/timelines/home?limit=1", { headers: auth });
  results.home = (await json(home)).map((s) => s.content);
  results.link = home.headers.get("Link");
  const deleted = await fetch(api + "/api/v1/statuses/0", { method: "DELETE", headers: auth });
  results.delete_status = deleted.status;
  results.delete_error = (await json(deleted)).error;
  // A page is not for other origins: reading it fails as a network error in the browser.
  try {
    await fetch(api + "/about");
    results.page_readable = true;
  } catch (error) {
    results.page_readable = false;
  }
  const revoked = await fetch(api + "/oauth/revoke", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_id: app.client_id, client_secret: app.client_secret, token: token.access_token }),
  });
  results.revoke_status = revoked.status;
  results.after_revoke = (await fetch(api + "/api/v1/accounts/verify_credentials", { headers: auth })).status;
}
(location.pathname === "/callback" ? callback() : start())
  .catch((error) => { results.error = String(error); })
  .finally(() => show(location.pathname === "/callback" || results.error));
</script>`;

const server = createServer((request, response) => {
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  response.end(clientPage);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const client = `http://127.0.0.1:${server.address().port}`;

const browser = await launch();
const page = await browser.newPage();
let results = {};
await check("a web client on another origin signs in with PKCE and reads the API", async () => {
  await page.goto(client + "/");
  await page.waitForURL((url) => url.pathname.startsWith("/oauth/authorize"), { timeout: 20000 });
  await screenshot(page, "cross-origin 1 sign-in");
  await page.fill("input[name=username]", login);
  await page.fill("input[name=password]", password);
  await Promise.all([page.waitForURL((url) => url.pathname.startsWith("/oauth/authorize")), page.click("button[type=submit]")]);
  await page.waitForSelector("button[value=approve]", { timeout: 20000 });
  await screenshot(page, "cross-origin 2 consent");
  await page.click("button[value=approve]");
  await page.waitForURL((url) => url.href.startsWith(client + "/callback"), { timeout: 20000 });
  await page.waitForSelector("#out[data-done]", { timeout: 20000 });
  await screenshot(page, "cross-origin 3 client");
  results = JSON.parse(await page.textContent("#out"));
  expect(!results.error, `the client failed: ${results.error}`);
  expect(results.state === "s-42", `state came back as ${results.state}`);
  expect(results.token_status === 200, `token exchange answered ${results.token_status}`);
  expect(typeof results.username === "string" && results.username.length > 0, "verify_credentials was readable");
  expect(String(results.posted).includes("posted from another origin"), `posting: ${results.posted}`);
}, page);
await check("the answers expose Link and errors to the client", async () => {
  expect(String(results.home).includes("posted from another origin"), `home: ${results.home}`);
  expect(/rel="next"/.test(results.link || ""), `Link header as the client reads it: ${results.link}`);
  expect(results.delete_status === 404 && results.delete_error === "Record not found", `error: ${results.delete_status} ${results.delete_error}`);
}, page);
await check("pages stay unreadable from other origins", async () => {
  expect(results.page_readable === false, "a page was readable across origins");
}, page);
await check("the client revokes its token across origins", async () => {
  expect(results.revoke_status === 200, `revoke answered ${results.revoke_status}`);
  expect(results.after_revoke === 401, `a revoked token answered ${results.after_revoke}`);
}, page);

await browser.close();
server.close();
finish();
