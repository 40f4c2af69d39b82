// Share links and embeds (issue 4): a link reopens the same state and step, back/forward
// move between scenarios, corrupt links fall back to the autosave, embed mode hides the
// editing chrome and its "Open in playground" link carries the state, the docs page's
// embeds work from another origin and from a sub-path, and an embed does not steal focus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, ready, state, cliReport, dist, screenshot } from './helpers.mjs';
import { createServer } from 'node:net';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); for (const s of extra) s.kill(); });

const extra = [];

/** Serves `dir` on a free port (another origin than `server`). */
async function serveDir(dir) {
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  extra.push(proc);
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return url; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

/** Waits until the address bar holds a fragment for the current scenario. */
async function synced(page) {
  await page.waitForFunction(() => {
    const h = location.hash;
    return h.startsWith('#v=1&') && window.freepgtApp.state() !== null;
  });
  // Let the debounced sync settle on the latest state.
  await page.waitForTimeout(400);
  return page.evaluate(() => location.hash);
}

const SMALL = 'arch x86_64\nvma 0x400000 0x401000 text\nvma 0xa00000 0xa01000\ntouch 0x400000\ntouch 0xa00000\nmunmap 0x400000 0xa01000\n';

test('a share link opens the same state, step and mode', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  // Through about:blank, so the link loads as a new document: a same-document hash change
  // followed at once by a reload raced the first page's own address-bar update (its compact
  // form, written when the browser's compression resolves) and sometimes reloaded that.
  await page.goto('about:blank');
  await page.goto(`${server.url}#v=1&s=${encodeURIComponent(SMALL)}&step=5.3&compare=1`);
  await ready(page);
  const s = await state(page);
  assert.equal(s.text, SMALL);
  assert.equal(s.report, cliReport(SMALL));
  await page.click('#share');
  const link = await page.inputValue('#share-link');
  assert.match(link, /#v=1&(s|z)=/);
  assert.match(link, /&step=5\.3/);
  assert.match(link, /&compare=1/);
  const snippet = await page.inputValue('#embed-snippet');
  assert.match(snippet, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/#v=1&.*&embed=1"/);
  // Open the link in a fresh context: same scenario, report and step.
  const other = await openPage(browser, link, { clear: false });
  const s2 = await state(other.page);
  assert.equal(s2.text, SMALL);
  assert.equal(s2.report, s.report);
  assert.equal(await other.page.evaluate(() => location.hash.includes('step=5.3')), true);
  await screenshot(page, 'share-panel');
  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
  await other.context.close();
  await context.close();
});

test('long scenarios get the compact form and still reopen exactly', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#preset', 'typical');
  await page.click('#load-preset');
  const hash = await synced(page);
  assert.match(hash, /&z=/, 'the typical preset compresses by more than 20%');
  const want = (await state(page)).text;
  const fresh = await openPage(browser, `${server.url}${hash}`, { clear: false });
  await fresh.page.waitForFunction((t) => window.freepgtApp.state().text === t, want);
  assert.deepEqual(fresh.errors, []);
  assert.deepEqual(errors, []);
  await fresh.context.close();
  await context.close();
});

test('back and forward move between scenarios', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await page.selectOption('#preset', 'gather');
  await page.click('#load-preset');
  await synced(page);
  const a = (await state(page)).text;
  await page.selectOption('#preset', 'middle-of-three');
  await page.click('#load-preset');
  await synced(page);
  const b = (await state(page)).text;
  assert.notEqual(a, b);
  await page.goBack();
  await page.waitForFunction((t) => window.freepgtApp.state().text === t, a);
  await page.goForward();
  await page.waitForFunction((t) => window.freepgtApp.state().text === t, b);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a corrupt or hostile fragment shows an error and keeps the autosave', async () => {
  const { page, context } = await openPage(browser, server.url);
  await page.fill('#scenario-text', 'arch sparc64\nvma 10000 12000 mine\n');
  await page.click('#apply-text');
  await page.waitForFunction(() => window.freepgtApp.state().text.includes('mine'));
  for (const bad of ['#v=1&z=AAAA', '#v=9&s=arch', '#v=1&s=arch%20x86_64%0Atouch%200', '#v=1&z=%%%', `#v=1&s=${'%FF'.repeat(10)}`]) {
    // A new document each time (see the first test: a hash change then a reload can race).
    await page.goto('about:blank');
    await page.goto(`${server.url}${bad}`);
    await ready(page);
    await page.waitForSelector('#notice');
    const notice = await page.textContent('#notice');
    assert.match(notice, /cannot open the link/, bad);
    assert.match((await state(page)).text, /mine/, `${bad}: the autosave is shown`);
    // Nothing from the fragment reached the DOM as markup.
    assert.equal(await page.locator('#notice script, #notice img').count(), 0);
  }
  await screenshot(page, 'corrupt-link');
  await context.close();
});

test('embed mode hides the editing chrome and opens in the playground with its state', async () => {
  const { page, context, errors } = await openPage(browser, `${server.url}#v=1&s=${encodeURIComponent(SMALL)}&step=5&embed=1`, { viewport: { width: 600, height: 400 }, clear: false });
  assert.equal(await page.locator('#share').count(), 0);
  assert.equal(await page.locator('#scenario-text').count(), 0);
  assert.equal(await page.locator('#axis').count(), 1);
  const href = await page.getAttribute('#open-in-playground', 'href');
  assert.doesNotMatch(href, /embed=1/);
  assert.match(href, /&step=5/);
  // The embed did not overwrite the reader's autosave.
  assert.equal(await page.evaluate(() => localStorage.getItem('freepgt-playground/scenario')), null);
  await screenshot(page, 'embed-600x400');
  const full = await openPage(browser, href, { clear: false });
  assert.equal((await state(full.page)).text, SMALL);
  assert.equal(await full.page.locator('#scenario-text').count(), 1);
  assert.deepEqual(errors, []);
  assert.deepEqual(full.errors, []);
  await full.context.close();
  await context.close();
});

test('the docs page embeds, from another origin and under a sub-path, without stealing focus', async () => {
  // The playground under /sub/path/ (relative URLs), the docs page on another origin.
  const root = mkdtempSync(path.join(tmpdir(), 'freepgt-sub-'));
  mkdirSync(path.join(root, 'sub'));
  symlinkSync(dist, path.join(root, 'sub', 'path'));
  const play = `${await serveDir(root)}sub/path/`;
  const host = mkdtempSync(path.join(tmpdir(), 'freepgt-host-'));
  writeFileSync(path.join(host, 'index.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<input id="host-input" autofocus>
<pre class="freepgt" data-step="5">
${SMALL}</pre>
<script src="${play}embed.js" defer></script>`);
  const hostUrl = await serveDir(host);
  const { page, context, errors } = await openPage(browser, hostUrl, { clear: false, ready: false });
  await page.waitForSelector('iframe');
  const frame = await (await page.$('iframe')).contentFrame();
  await frame.waitForFunction(() => window.freepgtApp && window.freepgtApp.state() !== null);
  const s = await frame.evaluate(() => window.freepgtApp.state());
  assert.equal(s.report, cliReport(SMALL));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'host-input', 'focus stays on the host page');
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the host page did not scroll');
  // The docs page shipped in dist/ shows all its embeds.
  const docs = await browser.newPage();
  await docs.goto(`${play}docs/`);
  await docs.waitForFunction(() => document.querySelectorAll('figure.freepgt-embed iframe').length === 4);
  // The frames are lazy and grow to fit their content: bring each near the viewport to load it.
  for (const h of await docs.$$('figure.freepgt-embed iframe')) {
    await h.scrollIntoViewIfNeeded();
    const f = await h.contentFrame();
    await f.waitForFunction(() => window.freepgtApp && window.freepgtApp.state() !== null);
    assert.match(await f.evaluate(() => window.freepgtApp.state().report), /^> arch /);
  }
  await docs.screenshot({ path: path.join(path.dirname(new URL(import.meta.url).pathname), 'artifacts', 'docs-page.png'), fullPage: true });
  assert.deepEqual(errors.filter((e) => !e.includes('favicon')), []);
  await docs.close();
  await context.close();
});
