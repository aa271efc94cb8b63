// Streaming as a masto.js app lives it: two members sign up through the API, one follows the
// other, opens the user stream with masto.js's streaming client (the token as the WebSocket
// protocol, as masto.js sends it) and must receive the other's post (`update`) and the
// notification of being followed back (`notification`).
//
// Usage: node masto_streaming.mjs http://127.0.0.1:PORT
// Prints `masto.js: N passed, M failed` last; the exit code is 1 when any check failed.
import { createRestAPIClient, createStreamingAPIClient } from "masto";
import WebSocket from "ws";

const base = process.argv[2];
if (!base) {
  console.error("usage: node masto_streaming.mjs BASE_URL");
  process.exit(2);
}
let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok   masto.js: ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL masto.js: ${name}: ${error?.stack ?? error}`);
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const suffix = Date.now().toString(36).slice(-5);
const anonymous = createRestAPIClient({ url: base });
let alice;
let bob;
let streamingUrl;

await check("sign up two members (apps.create, client token, accounts.create)", async () => {
  const app = await anonymous.v1.apps.create({
    clientName: "masto.js streaming check",
    redirectUris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: "read write follow",
  });
  const answer = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: "read write follow",
    }),
  });
  expect(answer.ok, `client token: ${answer.status}`);
  const appToken = (await answer.json()).access_token;
  const asApp = createRestAPIClient({ url: base, accessToken: appToken });
  const signUp = async (name) => {
    const token = await asApp.v1.accounts.create({
      username: `${name}_${suffix}`,
      email: `${name}_${suffix}@example.com`,
      password: `a long passphrase ${suffix}`,
      agreement: true,
      locale: "en",
    });
    const client = createRestAPIClient({ url: base, accessToken: token.accessToken });
    const me = await client.v1.accounts.verifyCredentials();
    return { client, token: token.accessToken, me };
  };
  alice = await signUp("alice");
  bob = await signUp("bob");
});

await check("the instance names its streaming URL (v2 configuration.urls.streaming)", async () => {
  const instance = await bob.client.v2.instance.fetch();
  streamingUrl = instance.configuration.urls.streaming;
  expect(/^wss?:\/\//.test(streamingUrl ?? ""), `a ws(s) URL: ${streamingUrl}`);
});

await check("bob's user stream receives alice's post and the notification of her follow", async () => {
  await bob.client.v1.accounts.$select(alice.me.id).follow();
  // The advertised URL names the instance's domain (localhost:PORT here); connect to the
  // address the test server listens on.
  const url = new URL(streamingUrl);
  url.hostname = new URL(base).hostname;
  const streaming = createStreamingAPIClient({
    streamingApiUrl: url.toString().replace(/\/$/, ""),
    accessToken: bob.token,
    implementation: WebSocket,
  });
  const subscription = streaming.user.subscribe();
  const received = [];
  (async () => {
    for await (const event of subscription) received.push(event);
  })().catch((error) => received.push({ event: "error", payload: String(error) }));
  const arrival = async (what, wanted) => {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const found = received.find(wanted);
      if (found) return found.payload;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${what} within 10 s (received: ${received.map((e) => e.event).join(", ")})`);
  };
  // masto.js connects lazily, some time after subscribing: a probe post every second until the
  // stream carries one, so that what follows happens on an open stream.
  for (let i = 0; i < 10 && !received.some((e) => e.event === "update"); i += 1) {
    await alice.client.v1.statuses.create({ status: `probe ${i}` });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const status = await alice.client.v1.statuses.create({ status: `live from masto.js ${suffix}` });
  await alice.client.v1.accounts.$select(bob.me.id).follow();
  const update = await arrival("update", (e) => e.event === "update" && e.payload.id === status.id);
  expect(update.content.includes(`live from masto.js ${suffix}`), "its content");
  const notification = await arrival("notification", (e) => e.event === "notification");
  expect(notification.type === "follow", `a follow notification: ${notification.type}`);
  expect(notification.account.id === alice.me.id, "from alice");
  subscription.unsubscribe();
  streaming.close();
});

console.log(`masto.js: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
