// A member's day on the site, in Chromium, with no app: sign up, sign in, post with a content
// warning and a picture, see it at home, favourite and boost another member's post, follow them
// from their profile, read notifications, edit the profile, sign out; at phone width, in the
// dark scheme, by keyboard. Screenshots of each page go to the screenshots folder.
//
// Usage: node member.mjs http://127.0.0.1:PORT  (with CLIENT_TESTS_ADMIN_EMAIL and
// CLIENT_TESTS_ADMIN_PASSWORD naming a member who can sign in)
import { fileURLToPath } from "node:url";
import { check, expect, finish, launch, screenshot } from "./harness.mjs";

const base = process.argv[2];
const adminLogin = process.env.CLIENT_TESTS_ADMIN_EMAIL;
const adminPassword = process.env.CLIENT_TESTS_ADMIN_PASSWORD;
if (!base || !adminLogin || !adminPassword) {
  console.error("usage: CLIENT_TESTS_ADMIN_EMAIL=.. CLIENT_TESTS_ADMIN_PASSWORD=.. node member.mjs BASE_URL");
  process.exit(2);
}
const picture = fileURLToPath(new URL("../../static/avatar.png", import.meta.url));
const suffix = Date.now().toString(36).slice(-5);
const username = `webber_${suffix}`;
const password = `a long passphrase ${suffix}`;

const browser = await launch();
// A phone-sized screen for the member, a desktop one for the other member.
const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "light" });
const desk = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: "dark" });
const page = await phone.newPage();
const other = await desk.newPage();
const errors = [];
for (const p of [page, other]) {
  p.on("pageerror", (error) => errors.push(String(error)));
  p.on("console", (message) => message.type() === "error" && errors.push(message.text()));
}

async function signIn(p, login, secret) {
  await p.goto(`${base}/auth/sign_in`);
  await p.getByLabel("Email address or username").fill(login);
  await p.getByLabel("Password").fill(secret);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForLoadState();
}

await check("the front page leads a visitor in", async () => {
  await page.goto(base);
  await screenshot(page, "01 front page (visitor, phone)");
  for (const name of ["Sign in", "Sign up", "About", "Local"]) {
    expect(await page.getByRole("link", { name, exact: true }).first().isVisible(), `a "${name}" link`);
  }
}, page);

await check("a visitor signs up and lands at home", async () => {
  await page.getByRole("link", { name: "Sign up", exact: true }).first().click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email address").fill(`${username}@example.com`);
  await page.getByLabel("Password (8 to 72 characters)").fill(password);
  await page.getByLabel("Password again").fill(password);
  await page.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${base}/home`);
  expect(await page.getByRole("heading", { name: "Home" }).isVisible(), "the home page");
  await screenshot(page, "02 home after sign-up (phone)");
}, page);

await check("the member signs out and in again", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/`);
  expect(await page.getByRole("link", { name: "Sign in", exact: true }).first().isVisible(), "signed out");
  await signIn(page, username, password);
  await page.waitForURL(`${base}/home`);
}, page);

let postId = "";
await check("the member posts with a content warning and a described picture", async () => {
  await page.goto(`${base}/home`);
  const text = page.getByLabel("What's on your mind?");
  await text.fill("First post from a browser #ferrodonweb");
  expect((await page.locator("#compose-count").textContent()).includes("characters left"), "the counter counts");
  await page.getByLabel("Content warning (optional)").fill("a test, of sorts");
  await page.getByText("Attach media").click();
  await page.locator("input[name=media_1]").setInputFiles(picture);
  await page.locator("input[name=media_1_description]").fill("The default avatar, a grey square");
  await screenshot(page, "03 composer filled (phone)");
  await page.getByRole("button", { name: "Post", exact: true }).click();
  await page.waitForURL(/\/statuses\/\d+$/);
  postId = page.url().split("/").pop();
  await page.goto(`${base}/home`);
  const post = page.locator(`#post-${postId}`);
  expect(await post.locator("summary", { hasText: "a test, of sorts" }).isVisible(), "the warning shows");
  expect(!(await post.getByText("First post from a browser").isVisible()), "the text waits behind it");
  await post.locator("summary", { hasText: "a test, of sorts" }).click();
  expect(await post.getByText("First post from a browser").isVisible(), "opened, the text shows");
  expect(await post.locator("img[alt='The default avatar, a grey square']").count() === 1, "the picture with its alt text");
  await screenshot(page, "04 home with the post (phone)");
}, page);

let adminPost = "";
await check("another member posts, and the member favourites and boosts it", async () => {
  await signIn(other, adminLogin, adminPassword);
  await other.goto(`${base}/home`);
  await other.getByLabel("What's on your mind?").fill(`Hello from the staff ${suffix}`);
  await other.getByRole("button", { name: "Post", exact: true }).click();
  await other.waitForURL(/\/statuses\/\d+$/);
  adminPost = other.url().split("/").pop();
  await page.goto(`${base}/public/local`);
  const post = page.locator(`#post-${adminPost}`);
  await post.getByRole("button", { name: "Favourite" }).click();
  await page.waitForLoadState();
  await page.locator(`#post-${adminPost}`).getByRole("button", { name: "Boost" }).click();
  await page.waitForLoadState();
  const after = page.locator(`#post-${adminPost}`).first();
  expect(await after.getByRole("button", { name: "Unfavourite" }).isVisible(), "favourited");
  expect(await after.getByRole("button", { name: "Unboost" }).isVisible(), "boosted");
  await screenshot(page, "05 local timeline after favourite and boost (phone)");
}, page);

await check("the member follows the other from their profile page", async () => {
  const author = page.locator(`#post-${adminPost}`).first().locator(".byline a").first();
  await author.click();
  await page.waitForURL(/\/accounts\/\d+/);
  await page.getByRole("button", { name: "Follow", exact: true }).click();
  await page.waitForLoadState();
  expect(await page.getByRole("button", { name: "Unfollow" }).isVisible(), "following now");
  await screenshot(page, "06 profile after following (phone)");
}, page);

await check("the other member reads the notifications, filtered too", async () => {
  await other.goto(`${base}/notifications`);
  const text = await other.locator("section.notifications").innerText();
  for (const what of ["followed you", "favourited your post", "boosted your post"]) {
    expect(text.includes(what), `"${what}" in ${text.slice(0, 300)}`);
  }
  await screenshot(other, "07 notifications (desktop, dark)");
  await other.getByRole("link", { name: "Follows", exact: true }).click();
  const follows = await other.locator("section.notifications").innerText();
  expect(follows.includes("followed you") && !follows.includes("favourited"), "only follows");
}, other);

await check("the member edits the profile", async () => {
  await page.goto(`${base}/settings/profile`);
  await page.getByLabel("Display name").fill("Webber Tester");
  await page.getByLabel("Bio").fill("I live in the browser.");
  await page.getByLabel("Label 1").fill("Home");
  await page.getByLabel("Content 1").fill("https://example.com");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.waitForURL(/saved=true/);
  expect(await page.getByText("Saved.").isVisible(), "saved");
  await page.getByRole("link", { name: "See your profile" }).click();
  expect(await page.getByRole("heading", { name: "Webber Tester" }).isVisible(), "the new name");
  expect(await page.getByText("I live in the browser.").isVisible(), "the new bio");
  await screenshot(page, "08 own profile after editing (phone)");
}, page);

await check("the tag page and its feed show the post", async () => {
  const visitor = await browser.newPage();
  await visitor.goto(`${base}/tags/ferrodonweb`);
  expect(await visitor.locator(`#post-${postId}`).count() === 1, "the post is on the tag page");
  await screenshot(visitor, "09 tag page (visitor)");
  const feed = await visitor.request.get(`${base}/tags/ferrodonweb.rss`);
  expect(feed.ok() && (await feed.text()).includes("<rss"), "the RSS feed");
  await visitor.close();
}, page);

await check("the page can be used by keyboard", async () => {
  await page.goto(`${base}/home`);
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
  expect(first === "Skip to content", `the first stop is the skip link, not ${first}`);
  await page.keyboard.press("Enter");
  // The fragment change lands a moment after the key press: wait for it rather than race it.
  await page.waitForURL((url) => url.hash === "#main", { timeout: 5000 });
  expect(page.url().endsWith("#main"), "it skips to the content");
}, page);

await check("the member signs out from the navigation", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/`);
  await page.goto(`${base}/notifications`);
  expect(page.url().startsWith(`${base}/auth/sign_in`), "a member page asks to sign in again");
}, page);

await check("no script errors on any page", async () => {
  expect(errors.length === 0, errors.join("\n"));
});

await browser.close();
finish();
