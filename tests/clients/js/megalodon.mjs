// ferrodon as a megalodon app (Whalebird, Fedistar) sees it: `detector` must name it "mastodon"
// (from NodeInfo), then two members sign up through the API and megalodon's Mastodon client
// drives the calls such an app makes, ending with its WebSocket user stream.
//
// Usage: node megalodon.mjs http://127.0.0.1:PORT
// Prints `ok   megalodon: NAME` or `FAIL megalodon: NAME: reason` per call and
// `megalodon: N passed, M failed` last; the exit code is 1 when any check failed.
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import generator, { detector } from "megalodon";

const base = process.argv[2];
if (!base) {
  console.error("usage: node megalodon.mjs BASE_URL");
  process.exit(2);
}
let passed = 0;
let failed = 0;
// A failed call names what the server answered: megalodon rejects with axios's error.
function describe(error) {
  if (error?.response) {
    const { status, data, config } = error.response;
    const body = typeof data === "string" ? data : JSON.stringify(data);
    return `${config?.method?.toUpperCase() ?? ""} ${config?.url ?? "?"} answered ${status}: ${body?.slice(0, 500)}`;
  }
  // Our own expectations by their message, megalodon's detector errors by name and message, the
  // unexpected with its stack.
  if (error instanceof CheckError) return error.message;
  if (error?.name === "NodeinfoError") return `${error.name}: ${error.message}`;
  return error?.stack ?? String(error);
}
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok   megalodon: ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL megalodon: ${name}: ${describe(error)}`);
  }
}
// A check that needs an earlier one's result fails as "not run" when that one failed.
async function checkWith(name, needs, body) {
  if (needs.some((value) => value === undefined || value === null)) {
    failed += 1;
    console.log(`FAIL megalodon: ${name}: not run (an earlier check it needs failed)`);
    return;
  }
  await check(name, body);
}
class CheckError extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckError(message);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const suffix = Date.now().toString(36).slice(-5);
const scopes = ["read", "write", "follow"];
let app;
let appToken;
let alice; // { client, token, me }
let bob;

await check("detector names the server's API (NodeInfo)", async () => {
  const sns = await detector(base);
  expect(sns === "mastodon", `"mastodon", got ${JSON.stringify(sns)}`);
});

// The rest goes on as `mastodon` whatever the detector said, so that one failure stays one.
const anonymous = generator("mastodon", base);

await check("registerApp (apps + authorize URL)", async () => {
  app = await anonymous.registerApp("megalodon check", { scopes });
  expect(app.client_id && app.client_secret, `client_id and client_secret: ${JSON.stringify(app)}`);
  const url = new URL(app.url);
  expect(url.pathname === "/oauth/authorize", `an /oauth/authorize URL: ${app.url}`);
  expect(url.searchParams.get("client_id") === app.client_id, "with the app's client_id");
});

await checkWith("client_credentials token and verifyAppCredentials", [app], async () => {
  const answer = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: scopes.join(" "),
    }),
  });
  if (!answer.ok) throw new CheckError(`POST /oauth/token answered ${answer.status}: ${await answer.text()}`);
  appToken = (await answer.json()).access_token;
  const verified = await generator("mastodon", base, appToken).verifyAppCredentials();
  expect(verified.data.name === "megalodon check", `the app's name: ${JSON.stringify(verified.data)}`);
});

await checkWith("registerAccount (two members) and verifyAccountCredentials", [appToken], async () => {
  const asApp = generator("mastodon", base, appToken);
  const signUp = async (name) => {
    const token = await asApp.registerAccount(
      `${name}_${suffix}`,
      `${name}_${suffix}@example.com`,
      `a long passphrase ${suffix}`,
      true,
      "en",
    );
    expect(token.data.access_token, `an access token: ${JSON.stringify(token.data)}`);
    const client = generator("mastodon", base, token.data.access_token);
    const me = (await client.verifyAccountCredentials()).data;
    expect(me.username === `${name}_${suffix}`, `verifyAccountCredentials: ${me.username}`);
    expect(me.source && typeof me.source.privacy === "string", "the credential account's source");
    return { client, token: token.data.access_token, me };
  };
  alice = await signUp("alice");
  bob = await signUp("bob");
});

await checkWith("getInstance", [alice], async () => {
  const { data } = await alice.client.getInstance();
  expect(typeof data.uri === "string" && data.uri !== "", `uri: ${data.uri}`);
  expect(/^\d+\.\d+\.\d+/.test(data.version), `a Mastodon version first: ${data.version}`);
  expect(/^wss?:\/\//.test(data.urls?.streaming_api ?? ""), `urls.streaming_api: ${data.urls?.streaming_api}`);
  expect(data.configuration?.statuses?.max_characters > 0, "configuration.statuses.max_characters");
  expect(data.registrations === true, `registrations: ${data.registrations}`);
});

await checkWith("updateCredentials (display name and note)", [alice], async () => {
  const { data } = await alice.client.updateCredentials({
    display_name: `Alice ${suffix}`,
    note: "Driven by megalodon",
  });
  expect(data.display_name === `Alice ${suffix}`, `display_name: ${data.display_name}`);
  expect(data.note.includes("Driven by megalodon"), `note: ${data.note}`);
  const again = (await alice.client.verifyAccountCredentials()).data;
  expect(again.display_name === `Alice ${suffix}`, "kept (verifyAccountCredentials)");
});

await checkWith("followAccount and getRelationship", [alice, bob], async () => {
  const { data } = await bob.client.followAccount(alice.me.id);
  expect(data.id === alice.me.id, `the relationship with alice: ${data.id}`);
  expect(data.following === true, `following: ${data.following} (requested: ${data.requested})`);
  const relationship = (await bob.client.getRelationship(alice.me.id)).data;
  expect(relationship.following === true, `getRelationship.following: ${relationship.following}`);
});

let pollStatus;
await checkWith("postStatus with a poll", [alice], async () => {
  const { data } = await alice.client.postStatus(`Which one? ${suffix}`, {
    poll: { options: ["tea", "coffee"], expires_in: 86400, multiple: false },
  });
  expect(data.id, "a status");
  expect(data.poll, `a poll: ${JSON.stringify(data.poll)}`);
  expect(data.poll.options.map((o) => o.title).join(",") === "tea,coffee", "its two options");
  expect(data.poll.multiple === false && data.poll.expired === false, "single choice, open");
  pollStatus = data;
});

await checkWith("votePoll and getPoll", [pollStatus, bob], async () => {
  const voted = (await bob.client.votePoll(pollStatus.poll.id, [1], pollStatus.id)).data;
  expect(voted.voted === true, `voted: ${voted.voted}`);
  expect(voted.own_votes?.join(",") === "1", `own_votes: ${JSON.stringify(voted.own_votes)}`);
  const poll = (await alice.client.getPoll(pollStatus.poll.id)).data;
  expect(poll.votes_count === 1 && poll.options[1].votes_count === 1, `counted: ${JSON.stringify(poll.options)}`);
});

let cwStatus;
await checkWith("postStatus with spoiler_text (content warning)", [alice], async () => {
  const { data } = await alice.client.postStatus(`Behind a warning ${suffix} #megalodon${suffix}`, {
    spoiler_text: "a warning",
    sensitive: true,
    visibility: "public",
    language: "en",
  });
  expect(data.spoiler_text === "a warning", `spoiler_text: ${data.spoiler_text}`);
  expect(data.sensitive === true, `sensitive: ${data.sensitive}`);
  expect(data.visibility === "public", `visibility: ${data.visibility}`);
  expect(data.content.includes(`Behind a warning ${suffix}`), `content: ${data.content}`);
  expect(data.tags.some((t) => t.name.toLowerCase() === `megalodon${suffix}`), `tags: ${JSON.stringify(data.tags)}`);
  cwStatus = data;
});

await checkWith("postStatus in reply, getStatus and getStatusContext", [cwStatus, bob], async () => {
  const reply = (await bob.client.postStatus(`@${alice.me.acct} a reply ${suffix}`, {
    in_reply_to_id: cwStatus.id,
  })).data;
  expect(reply.in_reply_to_id === cwStatus.id, `in_reply_to_id: ${reply.in_reply_to_id}`);
  const fetched = (await alice.client.getStatus(reply.id)).data;
  expect(fetched.id === reply.id && fetched.account.id === bob.me.id, "getStatus");
  const context = (await alice.client.getStatusContext(cwStatus.id)).data;
  expect(context.descendants.some((s) => s.id === reply.id), "the reply among the descendants");
});

// Six more posts by alice, for paging: bob follows her, so they are in his home timeline too.
let posted = [];
await checkWith("getHomeTimeline, paged with max_id", [alice, bob], async () => {
  for (let i = 0; i < 6; i += 1) {
    posted.push((await alice.client.postStatus(`page post ${i} ${suffix}`)).data.id);
  }
  const first = (await bob.client.getHomeTimeline({ limit: 3 })).data;
  expect(first.length === 3, `3 statuses on the first page: ${first.length}`);
  expect(first[0].id === posted[5], `the newest first: ${first[0].id} (posted ${posted[5]})`);
  const second = (await bob.client.getHomeTimeline({ limit: 3, max_id: first[2].id })).data;
  expect(second.length === 3, `3 statuses on the second page: ${second.length}`);
  const ids = [...first, ...second].map((s) => s.id);
  expect(new Set(ids).size === 6, `no status twice: ${ids}`);
  expect(ids.join() === [...posted].reverse().join(), `alice's six posts, newest first: ${ids}`);
});

await checkWith("getPublicTimeline and getLocalTimeline, paged with max_id", [posted[5]], async () => {
  const first = (await bob.client.getPublicTimeline({ limit: 2 })).data;
  expect(first.length === 2 && first[0].id === posted[5], `the newest two: ${first.map((s) => s.id)}`);
  const second = (await bob.client.getPublicTimeline({ limit: 2, max_id: first[1].id })).data;
  expect(second.length === 2 && second[0].id === posted[3], `the next two: ${second.map((s) => s.id)}`);
  const local = (await bob.client.getLocalTimeline({ limit: 2, max_id: posted[5] })).data;
  expect(local.map((s) => s.id).join() === [posted[4], posted[3]].join(), `local: ${local.map((s) => s.id)}`);
});

await checkWith("favouriteStatus", [cwStatus, bob], async () => {
  const { data } = await bob.client.favouriteStatus(cwStatus.id);
  expect(data.id === cwStatus.id && data.favourited === true, `favourited: ${data.favourited}`);
  expect(data.favourites_count === 1, `favourites_count: ${data.favourites_count}`);
  const by = (await alice.client.getStatusFavouritedBy(cwStatus.id)).data;
  expect(by.some((a) => a.id === bob.me.id), "getStatusFavouritedBy names bob");
});

await checkWith("reblogStatus", [cwStatus, bob], async () => {
  const { data } = await bob.client.reblogStatus(cwStatus.id);
  expect(data.reblog?.id === cwStatus.id, `a reblog of the status: ${data.reblog?.id}`);
  expect(data.reblog.reblogged === true, `reblogged: ${data.reblog.reblogged}`);
  expect(data.account.id === bob.me.id, "by bob");
  const by = (await alice.client.getStatusRebloggedBy(cwStatus.id)).data;
  expect(by.some((a) => a.id === bob.me.id), "getStatusRebloggedBy names bob");
});

await checkWith("bookmarkStatus and getBookmarks", [cwStatus, bob], async () => {
  const { data } = await bob.client.bookmarkStatus(cwStatus.id);
  expect(data.bookmarked === true, `bookmarked: ${data.bookmarked}`);
  const bookmarks = (await bob.client.getBookmarks()).data;
  expect(bookmarks.some((s) => s.id === cwStatus.id), "among the bookmarks");
});

await checkWith("getNotifications (follow, favourite, reblog, mention)", [cwStatus], async () => {
  const { data } = await alice.client.getNotifications({ limit: 20 });
  const types = new Set(data.map((n) => n.type));
  for (const type of ["follow", "favourite", "reblog", "mention"]) {
    expect(types.has(type), `a ${type} notification (got ${[...types]})`);
  }
  const favourite = data.find((n) => n.type === "favourite");
  expect(favourite.account.id === bob.me.id && favourite.status?.id === cwStatus.id, "the favourite's account and status");
  const only = (await alice.client.getNotifications({ exclude_types: ["favourite", "reblog", "mention", "poll_vote"] })).data;
  expect(only.length > 0 && only.every((n) => n.type === "follow"), `exclude_types: ${only.map((n) => n.type)}`);
});

await checkWith("search v2: accounts", [alice, bob], async () => {
  const { data } = await bob.client.search(`alice_${suffix}`, { type: "accounts", resolve: false });
  expect(data.accounts.some((a) => a.id === alice.me.id), `alice among ${JSON.stringify(data.accounts.map((a) => a.acct))}`);
});

await checkWith("search v2: hashtags", [cwStatus], async () => {
  const { data } = await bob.client.search(`#megalodon${suffix}`, { type: "hashtags" });
  expect(data.hashtags.some((t) => t.name.toLowerCase() === `megalodon${suffix}`), `the tag among ${JSON.stringify(data.hashtags)}`);
});

await checkWith("search v2: statuses", [cwStatus], async () => {
  const { data } = await bob.client.search(`warning ${suffix}`, { type: "statuses", resolve: false });
  expect(data.statuses.some((s) => s.id === cwStatus.id), `the status among ${JSON.stringify(data.statuses.map((s) => s.id))}`);
});

let list;
await checkWith("createList, addAccountsToList, getAccountsInList", [bob], async () => {
  list = (await bob.client.createList(`megalodon ${suffix}`)).data;
  expect(list.id && list.title === `megalodon ${suffix}`, `a list: ${JSON.stringify(list)}`);
  await bob.client.addAccountsToList(list.id, [alice.me.id]);
  const members = (await bob.client.getAccountsInList(list.id)).data;
  expect(members.map((a) => a.id).join() === alice.me.id, `alice alone in it: ${members.map((a) => a.acct)}`);
  const lists = (await bob.client.getLists()).data;
  expect(lists.some((l) => l.id === list.id), "getLists");
});

await checkWith("getListTimeline", [list], async () => {
  const status = (await alice.client.postStatus(`for the list ${suffix}`)).data;
  const { data } = await bob.client.getListTimeline(list.id, { limit: 5 });
  expect(data[0]?.id === status.id, `alice's new post first: ${data.map((s) => s.id)}`);
});

await checkWith("saveMarkers and getMarkers", [posted[5]], async () => {
  const saved = (await bob.client.saveMarkers({ home: { last_read_id: posted[5] } })).data;
  expect(saved.home?.last_read_id === posted[5], `saved: ${JSON.stringify(saved)}`);
  const { data } = await bob.client.getMarkers(["home", "notifications"]);
  expect(data.home?.last_read_id === posted[5], `read back: ${JSON.stringify(data)}`);
  expect(typeof data.home.version === "number" && data.home.updated_at, "its version and updated_at");
});

// A 1x1 PNG, read from a file as megalodon apps upload one.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
let media;
await checkWith("uploadMedia (a PNG) and a status with it", [alice], async () => {
  const dir = mkdtempSync(join(tmpdir(), "megalodon-"));
  try {
    const file = join(dir, "pixel.png");
    writeFileSync(file, png);
    media = (await alice.client.uploadMedia(createReadStream(file), { description: "one pixel" })).data;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(media.id && media.type === "image", `an image attachment: ${JSON.stringify(media)}`);
  const status = (await alice.client.postStatus("a picture", { media_ids: [media.id] })).data;
  expect(status.media_attachments.length === 1, `one attachment: ${status.media_attachments.length}`);
  const attachment = status.media_attachments[0];
  expect(attachment.id === media.id && attachment.description === "one pixel", `the attachment: ${JSON.stringify(attachment)}`);
  expect(/^https?:\/\//.test(attachment.url ?? ""), `its url: ${attachment.url}`);
});

// Last: bob's user stream (megalodon connects to the instance's urls.streaming_api with the
// token as `access_token` in the query) must carry alice's next post and her follow.
await checkWith("userStreaming: update and notification", [alice, bob], async () => {
  const stream = await bob.client.userStreaming();
  const received = [];
  stream.on("update", (status) => received.push({ event: "update", payload: status }));
  stream.on("notification", (n) => received.push({ event: "notification", payload: n }));
  stream.on("error", (error) => received.push({ event: "error", payload: String(error?.message ?? error) }));
  stream.on("parser-error", (error) => received.push({ event: "parser-error", payload: String(error) }));
  const connected = new Promise((resolve) => stream.once("connect", resolve));
  const arrival = async (what, wanted) => {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const found = received.find(wanted);
      if (found) return found.payload;
      await sleep(50);
    }
    const seen = received.map((e) => (e.event.includes("error") ? `${e.event} (${e.payload})` : e.event));
    throw new Error(`no ${what} within 10 s (received: ${seen.join(", ") || "nothing"})`);
  };
  try {
    const opened = await Promise.race([connected.then(() => true), sleep(10_000).then(() => false)]);
    const errors = received.filter((e) => e.event === "error").map((e) => e.payload);
    expect(opened, `the WebSocket to ${stream.url} did not open within 10 s (${errors.join("; ") || "no error"})`);
    // Opened is not yet subscribed on every server: a probe post until one arrives.
    for (let i = 0; i < 10 && !received.some((e) => e.event === "update"); i += 1) {
      await alice.client.postStatus(`probe ${i}`);
      await sleep(500);
    }
    const status = (await alice.client.postStatus(`live from megalodon ${suffix}`)).data;
    await alice.client.followAccount(bob.me.id);
    const update = await arrival("update", (e) => e.event === "update" && e.payload.id === status.id);
    expect(update.content.includes(`live from megalodon ${suffix}`), "its content");
    expect(update.account.id === alice.me.id, "by alice");
    const notification = await arrival("notification", (e) => e.event === "notification");
    expect(notification.type === "follow", `a follow notification: ${notification.type}`);
    expect(notification.account.id === alice.me.id, "from alice");
  } finally {
    stream.removeAllListeners();
    stream.on("error", () => {});
    stream.stop();
  }
});

console.log(`megalodon: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
