// The REST API as a masto.js app drives it, through masto.js's own idioms: the v1/v2 namespaces,
// `$select(id)`, camelCase parameters and entities, paginators walked with `for await`, multipart
// uploads from a Blob, and its errors (MastoHttpError with statusCode). Two members sign up through
// the API, then: instance, credentials, a poll and a content warning, paginated timelines,
// interactions, notifications (v1 and grouped v2), search, lists, filters, markers, media, profile
// update, the push subscription, and hashtag and list streams multiplexed on one WebSocket.
// masto_streaming.mjs covers the user stream.
//
// Usage: node masto_rest.mjs http://127.0.0.1:PORT
// Prints `ok   masto.js: NAME` or `FAIL masto.js: NAME: reason` per check and
// `masto.js: N passed, M failed` last; the exit code is 1 when any check failed.
import { createECDH, randomBytes } from "node:crypto";
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, MastoHttpError } from "masto";
import WebSocket from "ws";

const base = process.argv[2];
if (!base) {
  console.error("usage: node masto_rest.mjs BASE_URL");
  process.exit(2);
}

// masto.js's MastoHttpError names the status and the server's `error` but not the request: every
// request goes through the global fetch, so the last refused one is kept here, for the report.
let lastRefused;
const originalFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await originalFetch(input, init);
  if (!response.ok) {
    const method = input instanceof Request ? input.method : (init?.method ?? "GET");
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = await response.clone().text().catch(() => "(unreadable)");
    lastRefused = { method, path: url.pathname + url.search, status: response.status, body };
  }
  return response;
};

let passed = 0;
let failed = 0;
class CheckError extends Error {}
function describe(error) {
  if (error instanceof MastoHttpError) {
    const seen = lastRefused && lastRefused.status === error.statusCode ? lastRefused : undefined;
    if (seen) return `${seen.method} ${seen.path} answered ${seen.status}: ${seen.body.slice(0, 500)}`;
    return `MastoHttpError ${error.statusCode}: ${error.message}`;
  }
  if (error instanceof CheckError) return error.message;
  return error?.stack ?? String(error);
}
async function check(name, body) {
  lastRefused = undefined;
  try {
    await body();
    passed += 1;
    console.log(`ok   masto.js: ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL masto.js: ${name}: ${describe(error)}`);
  }
}
// A check that needs an earlier one's result fails as "not run" when that one failed.
async function checkWith(name, needs, body) {
  if (needs.some((value) => value === undefined || value === null)) {
    failed += 1;
    console.log(`FAIL masto.js: ${name}: not run (an earlier check it needs failed)`);
    return;
  }
  await check(name, body);
}
function expect(condition, message) {
  if (!condition) throw new CheckError(message);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Ids are decimal 64-bit numbers: compared as such, not as strings.
const strictlyDecreasing = (ids) => ids.every((id, i) => i === 0 || BigInt(ids[i - 1]) > BigInt(id));
// Walks a masto.js paginator with `for await`, `pages` pages at most.
async function walk(paginator, pages) {
  const seen = [];
  for await (const page of paginator) {
    seen.push(page);
    if (seen.length >= pages) break;
  }
  return seen;
}

const suffix = Date.now().toString(36).slice(-5);
const tag = `masto${suffix}`;
const scopes = "read write follow push";
const anonymous = createRestAPIClient({ url: base });
let alice; // { client, token, me }
let bob;

await check("sign up two members (apps.create, oauth.token.create, apps.verifyCredentials, accounts.create)", async () => {
  const app = await anonymous.v1.apps.create({
    clientName: "masto.js REST check",
    redirectUris: "urn:ietf:wg:oauth:2.0:oob",
    scopes,
  });
  expect(app.clientId && app.clientSecret, `clientId and clientSecret: ${JSON.stringify(app)}`);
  const oauth = createOAuthAPIClient({ url: base });
  const token = await oauth.token.create({
    grantType: "client_credentials",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: "urn:ietf:wg:oauth:2.0:oob",
    scope: scopes,
  });
  expect(token.accessToken, `oauth.token.create: ${JSON.stringify(token)}`);
  const appToken = token.accessToken;
  const asApp = createRestAPIClient({ url: base, accessToken: appToken });
  const verified = await asApp.v1.apps.verifyCredentials();
  expect(verified.name === "masto.js REST check", `the app's name: ${JSON.stringify(verified)}`);
  const signUp = async (name) => {
    const token = await asApp.v1.accounts.create({
      username: `${name}_${suffix}`,
      email: `${name}_${suffix}@example.com`,
      password: `a long passphrase ${suffix}`,
      agreement: true,
      locale: "en",
    });
    expect(token.accessToken, `an access token: ${JSON.stringify(token)}`);
    const client = createRestAPIClient({ url: base, accessToken: token.accessToken });
    const me = await client.v1.accounts.verifyCredentials();
    return { client, token: token.accessToken, me };
  };
  alice = await signUp("alice");
  bob = await signUp("bob");
});

let streamingUrl;
await checkWith("instance: v1 and v2 fetch agree", [alice], async () => {
  const v1 = await alice.client.v1.instance.fetch();
  const v2 = await alice.client.v2.instance.fetch();
  expect(typeof v1.uri === "string" && v1.uri !== "", `v1 uri: ${v1.uri}`);
  expect(v2.domain === v1.uri, `v2 domain ${v2.domain} is v1 uri ${v1.uri}`);
  expect(/^\d+\.\d+\.\d+/.test(v2.version), `a Mastodon version first: ${v2.version}`);
  expect(v2.configuration?.statuses?.maxCharacters > 0, "configuration.statuses.maxCharacters");
  expect(v2.configuration?.polls?.maxOptions >= 2, `configuration.polls.maxOptions: ${v2.configuration?.polls?.maxOptions}`);
  expect(
    Array.isArray(v2.configuration?.mediaAttachments?.supportedMimeTypes) &&
      v2.configuration.mediaAttachments.supportedMimeTypes.includes("image/png"),
    "configuration.mediaAttachments.supportedMimeTypes has image/png",
  );
  expect(v2.registrations?.enabled === true, `registrations.enabled: ${JSON.stringify(v2.registrations)}`);
  streamingUrl = v2.configuration?.urls?.streaming;
  expect(/^wss?:\/\//.test(streamingUrl ?? ""), `v2 configuration.urls.streaming: ${streamingUrl}`);
  expect(v1.urls?.streamingApi === streamingUrl, `v1 urls.streamingApi ${v1.urls?.streamingApi} is v2's ${streamingUrl}`);
});

await checkWith("verifyCredentials (the credential account and its source)", [alice], async () => {
  const me = await alice.client.v1.accounts.verifyCredentials();
  expect(me.username === `alice_${suffix}` && me.acct === `alice_${suffix}`, `username/acct: ${me.username} ${me.acct}`);
  expect(me.id === alice.me.id, "the same id as at sign-up");
  expect(me.source && typeof me.source.privacy === "string", `source.privacy: ${JSON.stringify(me.source)}`);
  expect(typeof me.source.note === "string" && Array.isArray(me.source.fields), "source.note and source.fields");
  const looked = await bob.client.v1.accounts.lookup({ acct: `alice_${suffix}` });
  expect(looked.id === alice.me.id, `accounts.lookup: ${looked.id}`);
});

await checkWith("bob follows alice (follow, relationships.fetch)", [alice, bob], async () => {
  const relationship = await bob.client.v1.accounts.$select(alice.me.id).follow();
  expect(relationship.following === true, `following: ${relationship.following} (requested: ${relationship.requested})`);
  const [fetched] = await bob.client.v1.accounts.relationships.fetch({ id: [alice.me.id] });
  expect(fetched?.id === alice.me.id && fetched.following === true, `relationships: ${JSON.stringify(fetched)}`);
  const followers = await alice.client.v1.accounts.$select(alice.me.id).followers.list();
  expect(followers.some((a) => a.id === bob.me.id), "bob among alice's followers");
});

let pollStatus;
await checkWith("statuses.create with a poll", [alice], async () => {
  pollStatus = await alice.client.v1.statuses.create({
    status: `Which one? ${suffix}`,
    poll: { options: ["tea", "coffee", "water"], expiresIn: 86400, multiple: true },
  });
  const poll = pollStatus.poll;
  expect(poll, `a poll: ${JSON.stringify(pollStatus)}`);
  expect(poll.options.map((o) => o.title).join() === "tea,coffee,water", `its options: ${JSON.stringify(poll.options)}`);
  expect(poll.multiple === true && poll.expired === false, `multiple, open: ${JSON.stringify(poll)}`);
  expect(typeof poll.expiresAt === "string", `expiresAt: ${poll.expiresAt}`);
});

await checkWith("polls.$select(id).votes.create and fetch", [pollStatus, bob], async () => {
  const voted = await bob.client.v1.polls.$select(pollStatus.poll.id).votes.create({ choices: [0, 2] });
  expect(voted.voted === true, `voted: ${voted.voted}`);
  expect(voted.ownVotes?.join() === "0,2", `ownVotes: ${JSON.stringify(voted.ownVotes)}`);
  const poll = await alice.client.v1.polls.$select(pollStatus.poll.id).fetch();
  expect(poll.votesCount === 2 && poll.votersCount === 1, `votesCount ${poll.votesCount}, votersCount ${poll.votersCount}`);
  expect(poll.options.map((o) => o.votesCount).join() === "1,0,1", `per option: ${JSON.stringify(poll.options)}`);
});

let cwStatus;
await checkWith("statuses.create with a content warning and a hashtag", [alice], async () => {
  cwStatus = await alice.client.v1.statuses.create({
    status: `Behind a warning ${suffix} #${tag}`,
    spoilerText: "a warning",
    sensitive: true,
    visibility: "public",
    language: "en",
  });
  expect(cwStatus.spoilerText === "a warning", `spoilerText: ${cwStatus.spoilerText}`);
  expect(cwStatus.sensitive === true && cwStatus.visibility === "public", `sensitive/visibility: ${cwStatus.sensitive} ${cwStatus.visibility}`);
  expect(cwStatus.language === "en", `language: ${cwStatus.language}`);
  expect(cwStatus.tags.some((t) => t.name.toLowerCase() === tag), `tags: ${JSON.stringify(cwStatus.tags)}`);
  const fetched = await bob.client.v1.statuses.$select(cwStatus.id).fetch();
  expect(fetched.id === cwStatus.id && fetched.spoilerText === "a warning", "statuses.$select(id).fetch");
});

await checkWith("a reply and statuses.$select(id).context.fetch", [cwStatus, bob], async () => {
  const reply = await bob.client.v1.statuses.create({
    status: `@${alice.me.acct} a reply ${suffix}`,
    inReplyToId: cwStatus.id,
  });
  expect(reply.inReplyToId === cwStatus.id, `inReplyToId: ${reply.inReplyToId}`);
  expect(reply.mentions.some((m) => m.id === alice.me.id), `mentions alice: ${JSON.stringify(reply.mentions)}`);
  const context = await alice.client.v1.statuses.$select(cwStatus.id).context.fetch();
  expect(context.descendants.some((s) => s.id === reply.id), "the reply among the descendants");
  const up = await alice.client.v1.statuses.$select(reply.id).context.fetch();
  expect(up.ancestors.map((s) => s.id).join() === cwStatus.id, `ancestors: ${up.ancestors.map((s) => s.id)}`);
});

await checkWith("statuses.$select(id).update (an edit), history and source", [cwStatus], async () => {
  const edited = await alice.client.v1.statuses.$select(cwStatus.id).update({
    status: `Behind a warning ${suffix} #${tag} (edited)`,
    spoilerText: "a warning",
    sensitive: true,
    language: "en",
  });
  expect(edited.content.includes("(edited)"), `content: ${edited.content}`);
  expect(typeof edited.editedAt === "string", `editedAt: ${edited.editedAt}`);
  const history = await walk(alice.client.v1.statuses.$select(cwStatus.id).history.list(), 1);
  expect(history[0]?.length === 2, `two versions in the history: ${history[0]?.length}`);
  const source = await alice.client.v1.statuses.$select(cwStatus.id).source.fetch();
  expect(source.text.endsWith("(edited)") && source.spoilerText === "a warning", `source: ${JSON.stringify(source)}`);
});

// Six more posts by alice, which bob (her follower) finds on top of his home timeline.
const posted = [];
await checkWith("timelines.home.list({limit: 2}) walked three pages with for await", [alice, bob], async () => {
  for (let i = 0; i < 6; i += 1) {
    posted.push((await alice.client.v1.statuses.create({ status: `page post ${i} ${suffix}` })).id);
  }
  const pages = await walk(bob.client.v1.timelines.home.list({ limit: 2 }), 3);
  expect(pages.length === 3, `three pages: ${pages.length}`);
  expect(pages.every((page) => page.length === 2), `two statuses a page: ${pages.map((p) => p.length)}`);
  const ids = pages.flat().map((s) => s.id);
  expect(strictlyDecreasing(ids), `ids strictly decrease across pages: ${ids}`);
  expect(ids.join() === [...posted].reverse().join(), `alice's six posts, newest first: ${ids} (posted ${posted})`);
});

// Back up the timeline: masto.js follows the `prev` Link (min_id) when told to.
await checkWith("timelines.home.list({maxId}).setDirection(\"prev\") walked newer pages", [posted[5]], async () => {
  const paginator = bob.client.v1.timelines.home.list({ limit: 2, maxId: posted[2] }).setDirection("prev");
  const pages = await walk(paginator, 3);
  const got = pages.map((page) => page.map((s) => s.id).join()).join(" | ");
  const wanted = [[1, 0], [3, 2], [5, 4]].map((pair) => pair.map((i) => posted[i]).join()).join(" | ");
  expect(got === wanted, `pages ${got}, wanted ${wanted}`);
});

await checkWith("timelines.public.list({local: true}) and timelines.tag.$select(tag).list", [posted[5]], async () => {
  const pages = await walk(bob.client.v1.timelines.public.list({ local: true, limit: 3 }), 2);
  const ids = pages.flat().map((s) => s.id);
  expect(ids.length === 6 && strictlyDecreasing(ids), `six, strictly decreasing: ${ids}`);
  expect(ids.join() === [...posted].reverse().join(), `alice's six posts: ${ids}`);
  const tagged = await bob.client.v1.timelines.tag.$select(tag).list({ limit: 5 });
  expect(tagged.map((s) => s.id).join() === cwStatus?.id, `the tagged status alone: ${tagged.map((s) => s.id)}`);
});

await checkWith("accounts.$select(id).statuses.list walked to its end", [posted[5]], async () => {
  const pages = [];
  for await (const page of bob.client.v1.accounts.$select(alice.me.id).statuses.list({ limit: 4 })) {
    pages.push(page);
    if (page.length === 0 || pages.length > 20) break;
  }
  const ids = pages.flat().map((s) => s.id);
  expect(new Set(ids).size === ids.length, `no status twice: ${ids}`);
  expect(strictlyDecreasing(ids), `ids strictly decrease: ${ids}`);
  const account = await bob.client.v1.accounts.$select(alice.me.id).fetch();
  expect(ids.length === account.statusesCount, `${account.statusesCount} statuses (statusesCount), walked ${ids.length} in ${pages.length} pages`);
  expect(ids.includes(pollStatus?.id) && ids.includes(posted[0]), "the poll and the first page post among them");
});

await checkWith("favourite, favouritedBy, favourites.list", [cwStatus, bob], async () => {
  const status = await bob.client.v1.statuses.$select(cwStatus.id).favourite();
  expect(status.id === cwStatus.id && status.favourited === true, `favourited: ${status.favourited}`);
  expect(status.favouritesCount === 1, `favouritesCount: ${status.favouritesCount}`);
  const by = await alice.client.v1.statuses.$select(cwStatus.id).favouritedBy.list();
  expect(by.some((a) => a.id === bob.me.id), "favouritedBy names bob");
  const favourites = await bob.client.v1.favourites.list();
  expect(favourites.some((s) => s.id === cwStatus.id), "among bob's favourites");
});

await checkWith("reblog and rebloggedBy", [cwStatus, bob], async () => {
  const status = await bob.client.v1.statuses.$select(cwStatus.id).reblog();
  expect(status.reblog?.id === cwStatus.id, `a reblog of the status: ${status.reblog?.id}`);
  expect(status.reblog.reblogged === true && status.account.id === bob.me.id, "reblogged, by bob");
  const by = await alice.client.v1.statuses.$select(cwStatus.id).rebloggedBy.list();
  expect(by.some((a) => a.id === bob.me.id), "rebloggedBy names bob");
});

await checkWith("bookmark, bookmarks.list, unbookmark", [cwStatus, bob], async () => {
  const status = await bob.client.v1.statuses.$select(cwStatus.id).bookmark();
  expect(status.bookmarked === true, `bookmarked: ${status.bookmarked}`);
  const bookmarks = await bob.client.v1.bookmarks.list();
  expect(bookmarks.some((s) => s.id === cwStatus.id), "among the bookmarks");
  const undone = await bob.client.v1.statuses.$select(cwStatus.id).unbookmark();
  expect(undone.bookmarked === false, `unbookmarked: ${undone.bookmarked}`);
  const after = await bob.client.v1.bookmarks.list();
  expect(!after.some((s) => s.id === cwStatus.id), "gone from the bookmarks");
});

await checkWith("pin, the pinned statuses, unpin", [cwStatus], async () => {
  const status = await alice.client.v1.statuses.$select(cwStatus.id).pin();
  expect(status.pinned === true, `pinned: ${status.pinned}`);
  const pinned = await bob.client.v1.accounts.$select(alice.me.id).statuses.list({ pinned: true });
  expect(pinned.map((s) => s.id).join() === cwStatus.id, `alice's pinned statuses: ${pinned.map((s) => s.id)}`);
  const undone = await alice.client.v1.statuses.$select(cwStatus.id).unpin();
  expect(undone.pinned === false, `unpinned: ${undone.pinned}`);
});

let followNotification;
await checkWith("notifications.list (v1), walked with for await, and $select(id).fetch", [cwStatus, bob], async () => {
  const pages = await walk(alice.client.v1.notifications.list({ limit: 2 }), 3);
  const all = pages.flat();
  const ids = all.map((n) => n.id);
  expect(strictlyDecreasing(ids), `ids strictly decrease across pages: ${ids}`);
  const types = new Set(all.map((n) => n.type));
  for (const type of ["follow", "favourite", "reblog", "mention"]) {
    expect(types.has(type), `a ${type} notification (got ${[...types]})`);
  }
  const favourite = all.find((n) => n.type === "favourite");
  expect(favourite.account.id === bob.me.id && favourite.status?.id === cwStatus.id, "the favourite's account and status");
  followNotification = all.find((n) => n.type === "follow");
  const one = await alice.client.v1.notifications.$select(followNotification.id).fetch();
  expect(one.id === followNotification.id && one.account.id === bob.me.id, `the follow: ${JSON.stringify(one).slice(0, 200)}`);
  const only = await alice.client.v1.notifications.list({ types: ["follow"] });
  expect(only.length > 0 && only.every((n) => n.type === "follow"), `types: ["follow"]: ${only.map((n) => n.type)}`);
  const count = await alice.client.v1.notifications.unreadCount.fetch();
  expect(typeof count.count === "number" && count.count >= 4, `unreadCount: ${JSON.stringify(count)}`);
});

await checkWith("grouped notifications: v2.notifications.list and $select(groupKey)", [cwStatus, bob], async () => {
  const results = await alice.client.v2.notifications.list();
  expect(Array.isArray(results.notificationGroups), `notificationGroups: ${JSON.stringify(results).slice(0, 300)}`);
  const types = new Set(results.notificationGroups.map((g) => g.type));
  for (const type of ["follow", "favourite", "reblog", "mention"]) {
    expect(types.has(type), `a ${type} group (got ${[...types]})`);
  }
  expect(results.accounts.some((a) => a.id === bob.me.id), "bob among the accounts");
  expect(results.statuses.some((s) => s.id === cwStatus.id), "the warned status among the statuses");
  const favourite = results.notificationGroups.find((g) => g.type === "favourite");
  expect(favourite.statusId === cwStatus.id, `the favourite group's statusId: ${favourite.statusId}`);
  expect(favourite.sampleAccountIds.includes(bob.me.id), `sampleAccountIds: ${favourite.sampleAccountIds}`);
  expect(favourite.notificationsCount === 1 && typeof favourite.mostRecentNotificationId === "string", "notificationsCount, mostRecentNotificationId");
  const group = await alice.client.v2.notifications.$select(favourite.groupKey).fetch();
  expect(group.notificationGroups?.[0]?.groupKey === favourite.groupKey, `the group by its key: ${JSON.stringify(group).slice(0, 300)}`);
  const accounts = await alice.client.v2.notifications.$select(favourite.groupKey).accounts.fetch();
  expect(accounts.some((a) => a.id === bob.me.id), "$select(groupKey).accounts.fetch names bob");
  const count = await alice.client.v2.notifications.unreadCount.fetch();
  expect(typeof count.count === "number" && count.count >= 4, `v2 unreadCount: ${JSON.stringify(count)}`);
});

await checkWith("undo: unfavourite and unreblog", [cwStatus, bob], async () => {
  const unfavourited = await bob.client.v1.statuses.$select(cwStatus.id).unfavourite();
  expect(unfavourited.favourited === false, `favourited: ${unfavourited.favourited}`);
  const unreblogged = await bob.client.v1.statuses.$select(cwStatus.id).unreblog();
  expect(unreblogged.id === cwStatus.id && unreblogged.reblogged === false, `reblogged: ${unreblogged.reblogged}`);
});

await checkWith("v2.search.list: accounts, hashtags, statuses", [cwStatus, pollStatus, bob], async () => {
  const accounts = await bob.client.v2.search.list({ q: `alice_${suffix}`, type: "accounts" });
  expect(accounts.accounts.some((a) => a.id === alice.me.id), `alice among ${JSON.stringify(accounts.accounts.map((a) => a.acct))}`);
  const hashtags = await bob.client.v2.search.list({ q: `#${tag}`, type: "hashtags" });
  expect(hashtags.hashtags.some((t) => t.name.toLowerCase() === tag), `the tag among ${JSON.stringify(hashtags.hashtags)}`);
  // Statuses are found, as in Mastodon, when the searcher wrote them or interacted with them
  // (bob undid his favourite and boost of the warned status above, but voted in the poll).
  const own = await alice.client.v2.search.list({ q: `warning ${suffix}`, type: "statuses", resolve: false });
  expect(own.statuses.some((s) => s.id === cwStatus.id), `alice's status among ${JSON.stringify(own.statuses.map((s) => s.id))}`);
  const voted = await bob.client.v2.search.list({ q: `which one ${suffix}`, type: "statuses", resolve: false });
  expect(voted.statuses.map((s) => s.id).join() === pollStatus?.id, `the poll bob voted in: ${JSON.stringify(voted.statuses.map((s) => s.id))}`);
  const all = await bob.client.v2.search.list({ q: `alice_${suffix}` });
  expect(Array.isArray(all.accounts) && Array.isArray(all.statuses) && Array.isArray(all.hashtags), "the three arrays without a type");
  const v1 = await bob.client.v1.accounts.search.list({ q: `alice_${suffix}`, limit: 5 });
  expect(v1.some((a) => a.id === alice.me.id), "accounts.search.list");
});

let list;
await checkWith("lists: create, accounts.create, accounts.list, list, update", [alice, bob], async () => {
  list = await bob.client.v1.lists.create({ title: `masto ${suffix}`, exclusive: false });
  expect(list.id && list.title === `masto ${suffix}`, `a list: ${JSON.stringify(list)}`);
  await bob.client.v1.lists.$select(list.id).accounts.create({ accountIds: [alice.me.id] });
  const members = await bob.client.v1.lists.$select(list.id).accounts.list();
  expect(members.map((a) => a.id).join() === alice.me.id, `alice alone in it: ${members.map((a) => a.acct)}`);
  const lists = await bob.client.v1.lists.list();
  expect(lists.some((l) => l.id === list.id), "lists.list");
  const hers = await bob.client.v1.accounts.$select(alice.me.id).lists.list();
  expect(hers.some((l) => l.id === list.id), "accounts.$select(alice).lists.list");
  const renamed = await bob.client.v1.lists.$select(list.id).update({ title: `masto ${suffix} renamed` });
  expect(renamed.title === `masto ${suffix} renamed`, `update: ${renamed.title}`);
});

await checkWith("timelines.list.$select(id).list", [list], async () => {
  const status = await alice.client.v1.statuses.create({ status: `for the list ${suffix}` });
  const pages = await walk(bob.client.v1.timelines.list.$select(list.id).list({ limit: 2 }), 2);
  const ids = pages.flat().map((s) => s.id);
  expect(ids[0] === status.id, `alice's new post first: ${ids}`);
  expect(ids.length === 4 && strictlyDecreasing(ids), `two pages of two, strictly decreasing: ${ids}`);
});

let filter;
await checkWith("v2.filters.create, a filtered status in home, keywords.create, list", [alice, bob], async () => {
  const word = `zebra${suffix}`;
  filter = await bob.client.v2.filters.create({
    title: `masto ${suffix}`,
    context: ["home", "public"],
    filterAction: "warn",
    keywordsAttributes: [{ keyword: word, wholeWord: true }],
  });
  expect(filter.id && filter.title === `masto ${suffix}`, `a filter: ${JSON.stringify(filter)}`);
  expect(filter.context.join() === "home,public" && filter.filterAction === "warn", `context/filterAction: ${filter.context} ${filter.filterAction}`);
  expect(filter.keywords?.length === 1 && filter.keywords[0].keyword === word && filter.keywords[0].wholeWord === true, `keywords: ${JSON.stringify(filter.keywords)}`);
  const status = await alice.client.v1.statuses.create({ status: `a ${word} passes by` });
  const [top] = await bob.client.v1.timelines.home.list({ limit: 1 });
  expect(top?.id === status.id, `the new status on top: ${top?.id}`);
  const match = top.filtered?.find((r) => r.filter.id === filter.id);
  expect(match, `filtered by the filter: ${JSON.stringify(top.filtered)}`);
  expect(match.keywordMatches?.includes(word), `keywordMatches: ${JSON.stringify(match.keywordMatches)}`);
  const keyword = await bob.client.v2.filters.$select(filter.id).keywords.create({ keyword: `okapi${suffix}`, wholeWord: false });
  expect(keyword.keyword === `okapi${suffix}` && keyword.wholeWord === false, `keywords.create: ${JSON.stringify(keyword)}`);
  const keywords = await bob.client.v2.filters.$select(filter.id).keywords.list();
  expect(keywords.length === 2, `two keywords: ${JSON.stringify(keywords)}`);
  const filters = await bob.client.v2.filters.list();
  expect(filters.some((f) => f.id === filter.id), "filters.list");
});

await checkWith("v2.filters.$select(id).remove, then fetch is a 404", [filter], async () => {
  await bob.client.v2.filters.$select(filter.id).remove();
  const filters = await bob.client.v2.filters.list();
  expect(!filters.some((f) => f.id === filter.id), "gone from filters.list");
  try {
    await bob.client.v2.filters.$select(filter.id).fetch();
  } catch (error) {
    expect(error instanceof MastoHttpError && error.statusCode === 404, `a MastoHttpError 404: ${describe(error)}`);
    return;
  }
  throw new CheckError("fetching the removed filter succeeded");
});

await checkWith("markers.create and markers.fetch", [posted[5], followNotification], async () => {
  const saved = await bob.client.v1.markers.create({ home: { lastReadId: posted[5] } });
  expect(saved.home?.lastReadId === posted[5], `saved: ${JSON.stringify(saved)}`);
  await alice.client.v1.markers.create({ notifications: { lastReadId: followNotification.id } });
  const marker = await bob.client.v1.markers.fetch({ timeline: ["home", "notifications"] });
  expect(marker.home?.lastReadId === posted[5], `read back: ${JSON.stringify(marker)}`);
  expect(typeof marker.home.version === "number" && typeof marker.home.updatedAt === "string", "its version and updatedAt");
  const hers = await alice.client.v1.markers.fetch({ timeline: ["notifications"] });
  expect(hers.notifications?.lastReadId === followNotification.id, `alice's notifications marker: ${JSON.stringify(hers)}`);
  expect(hers.home === undefined, `only the timeline asked for: ${Object.keys(hers)}`);
});

// A 1x1 PNG, uploaded from a Blob as masto.js apps in a browser do.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
// Media URLs name the instance's domain (localhost:PORT); fetched at the address the server listens on.
const local = (url) => {
  const address = new URL(url);
  address.hostname = new URL(base).hostname;
  return address;
};
await checkWith("v2.media.create (a Blob), media.$select(id).update, a status with it", [alice], async () => {
  const media = await alice.client.v2.media.create({
    file: new Blob([png], { type: "image/png" }),
    description: "one pixel",
  });
  expect(media.id && media.type === "image", `an image attachment: ${JSON.stringify(media)}`);
  expect(/^https?:\/\//.test(media.url ?? ""), `its url (masto.js waits for it): ${media.url}`);
  const updated = await alice.client.v1.media.$select(media.id).update({ description: "a single pixel", focus: "0.0,0.5" });
  expect(updated.description === "a single pixel", `update description: ${updated.description}`);
  const status = await alice.client.v1.statuses.create({ status: `a picture ${suffix}`, mediaIds: [media.id] });
  expect(status.mediaAttachments.length === 1, `one attachment: ${status.mediaAttachments.length}`);
  const attachment = status.mediaAttachments[0];
  expect(attachment.id === media.id && attachment.description === "a single pixel", `the attachment: ${JSON.stringify(attachment)}`);
  const file = await originalFetch(local(attachment.url));
  expect(file.ok, `GET ${attachment.url} answered ${file.status}`);
  const type = file.headers.get("content-type") ?? "";
  expect(type.startsWith("image/"), `an image: ${type}`);
});

await checkWith("accounts.updateCredentials (names, note, fields, avatar, source)", [bob], async () => {
  const updated = await bob.client.v1.accounts.updateCredentials({
    displayName: `Bob ${suffix}`,
    note: "Driven by masto.js",
    fieldsAttributes: [
      { name: "Client", value: "masto.js" },
      { name: "Runtime", value: "Node.js" },
    ],
    avatar: new Blob([png], { type: "image/png" }),
    source: { privacy: "unlisted", language: "en" },
  });
  expect(updated.displayName === `Bob ${suffix}`, `displayName: ${updated.displayName}`);
  expect(updated.note.includes("Driven by masto.js"), `note: ${updated.note}`);
  expect(updated.fields.map((f) => `${f.name}=${f.value}`).join() === "Client=masto.js,Runtime=Node.js", `fields: ${JSON.stringify(updated.fields)}`);
  expect(updated.avatar && updated.avatar !== bob.me.avatar, `a new avatar: ${updated.avatar} (was ${bob.me.avatar})`);
  expect(updated.source?.privacy === "unlisted" && updated.source.language === "en", `source: ${JSON.stringify(updated.source)}`);
  const seen = await alice.client.v1.accounts.$select(bob.me.id).fetch();
  expect(seen.displayName === `Bob ${suffix}` && seen.fields.length === 2, "as others see it (accounts.$select(id).fetch)");
  const status = await bob.client.v1.statuses.create({ status: `default visibility ${suffix}` });
  expect(status.visibility === "unlisted", `a post takes source.privacy: ${status.visibility}`);
});

await checkWith("push.subscription.fetch without one: a MastoHttpError with statusCode 404", [bob], async () => {
  try {
    const subscription = await bob.client.v1.push.subscription.fetch();
    throw new CheckError(`a subscription without one: ${JSON.stringify(subscription)}`);
  } catch (error) {
    if (error instanceof CheckError) throw error;
    expect(error instanceof MastoHttpError, `a MastoHttpError: ${describe(error)}`);
    expect(error.statusCode === 404, `statusCode 404: ${describe(error)}`);
  }
});

await checkWith("push.subscription: create, fetch, update, remove", [bob], async () => {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const keys = {
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
  const endpoint = `https://push.example.com/masto/${suffix}`;
  try {
    const created = await bob.client.v1.push.subscription.create({
      subscription: { endpoint, keys },
      data: { alerts: { follow: true, mention: true, favourite: false } },
      policy: "all",
    });
    expect(created.endpoint === endpoint, `endpoint: ${created.endpoint}`);
    expect(created.alerts?.follow === true && created.alerts.mention === true && created.alerts.favourite === false, `alerts: ${JSON.stringify(created.alerts)}`);
    expect(typeof created.serverKey === "string" && created.serverKey.length > 40, `serverKey: ${created.serverKey}`);
    const fetched = await bob.client.v1.push.subscription.fetch();
    expect(String(fetched.id) === String(created.id), `the same subscription: ${fetched.id} ${created.id}`);
    const updated = await bob.client.v1.push.subscription.update({ data: { alerts: { favourite: true } } });
    expect(updated.alerts?.favourite === true && updated.alerts.follow === true, `updated alerts: ${JSON.stringify(updated.alerts)}`);
  } finally {
    await bob.client.v1.push.subscription.remove().catch(() => {});
  }
  try {
    await bob.client.v1.push.subscription.fetch();
  } catch (error) {
    expect(error instanceof MastoHttpError && error.statusCode === 404, `404 once removed: ${describe(error)}`);
    return;
  }
  throw new CheckError("the subscription is still there after remove");
});

// Streaming through masto.js: one WebSocket, two subscriptions (masto.js multiplexes them with
// `subscribe` messages), each receiving only its own stream's events.
await checkWith("streaming: hashtag and list subscriptions on one WebSocket", [streamingUrl, list], async () => {
  const url = local(streamingUrl);
  const streaming = createStreamingAPIClient({
    streamingApiUrl: url.toString().replace(/\/$/, ""),
    accessToken: bob.token,
    implementation: WebSocket,
    retry: 3,
  });
  const received = { hashtag: [], list: [] };
  const errors = [];
  const collect = (subscription, into) =>
    (async () => {
      for await (const event of subscription) into.push(event);
    })().catch((error) => errors.push(String(error?.message ?? error)));
  const hashtagStream = streaming.hashtag.subscribe({ tag });
  const listStream = streaming.list.subscribe({ list: list.id });
  collect(hashtagStream, received.hashtag);
  collect(listStream, received.list);
  const arrival = async (what, events, wanted) => {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const found = events.find(wanted);
      if (found) return found;
      await sleep(50);
    }
    const seen = events.map((e) => `${e.event}[${e.stream}]`).join(", ");
    throw new CheckError(`no ${what} within 10 s (received: ${seen || "nothing"}; errors: ${errors.join("; ") || "none"})`);
  };
  try {
    // masto.js connects lazily: probe posts until both streams carry one.
    for (let i = 0; i < 10 && !(received.hashtag.length && received.list.length); i += 1) {
      await alice.client.v1.statuses.create({ status: `probe ${i} #${tag}` });
      await sleep(1000);
    }
    const tagged = await alice.client.v1.statuses.create({ status: `live on the tag ${suffix} #${tag}` });
    const event = await arrival("hashtag update", received.hashtag, (e) => e.event === "update" && e.payload.id === tagged.id);
    expect(event.stream[0] === "hashtag", `its stream: ${event.stream}`);
    expect(event.payload.content.includes(`live on the tag ${suffix}`), "its content");
    await arrival("list update", received.list, (e) => e.event === "update" && e.payload.id === tagged.id);
    // An untagged post of alice's is the list's alone.
    const untagged = await alice.client.v1.statuses.create({ status: `list only ${suffix}` });
    const listed = await arrival("list update of the untagged post", received.list, (e) => e.event === "update" && e.payload.id === untagged.id);
    expect(listed.stream.join(":") === `list:${list.id}`, `the list stream: ${listed.stream}`);
    await sleep(500);
    expect(!received.hashtag.some((e) => e.payload?.id === untagged.id), "the untagged post is not on the hashtag stream");
    const deleted = await alice.client.v1.statuses.$select(tagged.id).remove();
    expect(deleted.id === tagged.id, "statuses.$select(id).remove answers the status");
    await arrival("hashtag delete", received.hashtag, (e) => e.event === "delete" && e.payload === tagged.id);
  } finally {
    hashtagStream.unsubscribe();
    listStream.unsubscribe();
    streaming.close();
  }
});

await checkWith("lists.$select(id).accounts.remove and remove", [list], async () => {
  await bob.client.v1.lists.$select(list.id).accounts.remove({ accountIds: [alice.me.id] });
  const members = await bob.client.v1.lists.$select(list.id).accounts.list();
  expect(members.length === 0, `empty: ${members.map((a) => a.acct)}`);
  await bob.client.v1.lists.$select(list.id).remove();
  const lists = await bob.client.v1.lists.list();
  expect(!lists.some((l) => l.id === list.id), "gone from lists.list");
});

console.log(`masto.js: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
