// The /docs page in a real browser: headless Chromium (Debian's package, driven by
// playwright-core) loads it, creates a user through the "Try it" form, sees the 201 and
// the new id, reads the user back, and checks that no request left the server's origin.
// Run by scripts/check-docs.sh, which sets DOCS_URL (the page) and SCREENSHOT (where
// the picture for the README goes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { chromium } from "playwright-core";

const docsUrl = process.env.DOCS_URL;
const screenshot = process.env.SCREENSHOT;
const origin = docsUrl ? new URL(docsUrl).origin : "";

// data: (the empty favicon) never touches the network; anything else must be ours.
const leavesOrigin = (url) => !url.startsWith("data:") && new URL(url).origin !== origin;

test("/docs creates a user through its form and talks to no other origin", { timeout: 60_000 }, async () => {
  assert.ok(docsUrl, "DOCS_URL must name the page, e.g. http://127.0.0.1:8080/docs");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // Root needs --no-sandbox; the rest keep Chromium's own background traffic (updates,
    // sync, QUIC probes) from trying a network this machine does not have.
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
      "--no-first-run", "--disable-component-update", "--disable-sync",
    ],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const requested = [];
    const problems = [];
    context.on("request", (request) => requested.push(request.url()));
    // Refuse other origins outright, so the page cannot pass by the luck of a network.
    await context.route((url) => leavesOrigin(url.href), (route) => route.abort());
    const page = await context.newPage();
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });

    const response = await page.goto(docsUrl);
    assert.equal(response.status(), 200);
    assert.match(response.headers()["content-security-policy"] ?? "", /connect-src 'self'/);
    await page.waitForSelector("body[data-ready=true]");

    // Create a user through the form, with an email no earlier run has used.
    const email = `docs-page-${Date.now()}@example.com`;
    const create = page.locator('[data-operation="create_user"]');
    await create.locator("summary").click();
    await create.locator('input[data-field="name"]').fill("Ada from /docs");
    await create.locator('input[data-field="email"]').fill(email);
    await create.locator('input[data-field="age"]').fill("36");
    await create.getByRole("button", { name: "Send" }).click();
    const status = create.locator(".status");
    await status.waitFor();
    assert.match(await status.textContent(), /^201 Created/);
    const created = JSON.parse(await create.locator(".response-body").textContent());
    assert.ok(Number.isInteger(created.id) && created.id > 0, `new id: ${created.id}`);
    assert.deepEqual(created, { id: created.id, name: "Ada from /docs", email, age: 36 });
    assert.match(await create.locator(".response-headers").textContent(), /content-type: application\/json/);

    // Read it back by that id through the next form.
    const read = page.locator('[data-operation="get_user"]');
    await read.locator("summary").click();
    await read.locator('input[name="user_id"]').fill(String(created.id));
    await read.getByRole("button", { name: "Send" }).click();
    await read.locator(".status").waitFor();
    assert.match(await read.locator(".status").textContent(), /^200 OK/);
    assert.deepEqual(JSON.parse(await read.locator(".response-body").textContent()), created);
    await read.locator("summary").click(); // closed again, for a tidy screenshot

    const foreign = requested.filter(leavesOrigin);
    assert.deepEqual(foreign, [], "requests that left the server's origin");
    for (const path of ["/docs", "/openapi.json", "/users", `/users/${created.id}`]) {
      assert.ok(requested.includes(origin + path), `the page requested ${path}: ${requested}`);
    }
    assert.deepEqual(problems, []);

    if (screenshot) {
      await mkdir(dirname(screenshot), { recursive: true });
      await create.scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`screenshot: ${screenshot}`);
    }
    console.log(`created user id ${created.id}; ${requested.length} requests, all to ${origin}`);
  } finally {
    await browser.close();
  }
});
