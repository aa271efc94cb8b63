// The browser tests' harness: Debian's Chromium through playwright-core, named checks counted
// into one closing line (`browser: N passed, M failed`), and screenshots of every page looked at.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
export const shots = process.env.FERRODON_BROWSER_SHOTS || "/tmp/ferrodon-browser-shots";
mkdirSync(shots, { recursive: true });

let passed = 0;
let failed = 0;

/** Runs one named check; a thrown error fails it, with a screenshot of the page if there is one. */
export async function check(name, body, page) {
  try {
    await body();
    passed += 1;
    console.log(`ok: ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAILED: ${name}: ${error && error.stack ? error.stack : error}`);
    if (page) {
      await page.screenshot({ path: join(shots, `failed-${slug(name)}.png`), fullPage: true }).catch(() => {});
    }
  }
}

/** Throws unless `condition` holds. */
export function expect(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** Saves a screenshot of `page` as `name`.png in the screenshots folder. */
export async function screenshot(page, name) {
  await page.screenshot({ path: join(shots, `${slug(name)}.png`), fullPage: true });
}

function slug(name) {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Headless Chromium as this machine allows it: no sandbox as root, and none of the background
 * connections that a closed network refuses.
 */
export async function launch() {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Prints the closing line and sets the exit code. */
export function finish() {
  console.log(`screenshots: ${shots}`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
