// The book (dist/book/, mdBook) and embed.js (issue 9): the book is opened from another
// origin than the playground; every ```freepgt fence becomes an embed whose report equals
// `freepgt run` of its block, each frame is as tall as its content (±8 px) at 1280 and
// 390 px and follows it when it grows, no console errors, the host page keeps its focus and
// scroll. One page per renderer shape (mdBook, Hugo/kramdown, Jekyll-Rouge, Sphinx, <pre>)
// embeds, options (step, compare, max-height, theme) arrive, and a stranger's postMessage
// cannot resize a frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, cliReport, dist, root, artifacts } from './helpers.mjs';

const TOLERANCE = 8;
let server, browser, host;
const procs = [];
before(async () => {
  server = await startServer();
  browser = await launch();
  host = await hostSite(server.url);
});
after(async () => { await browser?.close(); server?.stop(); for (const p of procs) p.kill(); });

async function serveDir(dir) {
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore' });
  procs.push(proc);
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url)).ok) return url; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

const SMALL = 'arch x86_64\nvma 400000 401000 text\nvma a00000 a01000\ntouch 400000\ntouch a00000\nmunmap 400000 a01000\n';
const SPARC = 'arch sparc64\nvma 10000 12000\ntouch 10000\nmunmap 10000 12000\n';

/** Another origin: the book (a copy of dist/book's files, by symlink) with an embed.js that
 *  loads the playground's from the first origin, and one page per renderer shape. */
async function hostSite(playground) {
  const dir = mkdtempSync(path.join(tmpdir(), 'freepgt-book-host-'));
  symlinkSync(path.join(dist, 'book'), path.join(dir, 'book'));
  // The book loads <book root>/../embed.js; here that is a stub pointing at the playground.
  writeFileSync(path.join(dir, 'embed.js'),
    `(function(){var s=document.createElement('script');s.src=${JSON.stringify(playground + 'embed.js')};document.head.appendChild(s);})();\n`);
  const page = (body, head = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}
<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>
<input id="host-input" autofocus>
${body}
<script src="${playground}embed.js" defer></script></body></html>`;
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  // Hugo (goldmark + chroma off), kramdown without Rouge, markdown-it, marked, GitHub-style.
  writeFileSync(path.join(dir, 'hugo.html'), page(`<h1>Hugo</h1>
<pre><code class="language-freepgt" data-lang="freepgt">${esc(SMALL)}</code></pre>
<p>kramdown:</p>
<pre><code class="language-freepgt">${esc(SPARC)}</code></pre>`));
  // Jekyll with Rouge: the language is on the outer div.
  writeFileSync(path.join(dir, 'jekyll.html'), page(`<h1>Jekyll</h1>
<div class="language-freepgt highlighter-rouge"><div class="highlight"><pre class="highlight"><code>${esc(SMALL)}</code></pre></div></div>`));
  // Sphinx (.. code-block:: freepgt): Pygments markup inside.
  writeFileSync(path.join(dir, 'sphinx.html'), page(`<h1>Sphinx</h1>
<div class="highlight-freepgt notranslate"><div class="highlight"><pre><span></span>${esc(SMALL).split('\n').map((l) => `<span class="n">${l}</span>`).join('\n')}</pre></div></div>`));
  // Hand-written HTML with data attributes, a dark host and a max height.
  writeFileSync(path.join(dir, 'pre.html'), page(`<h1>pre</h1>
<pre class="freepgt" data-step="5" data-compare data-max-height="300">
${esc(SMALL)}</pre>
<pre class="freepgt" data-step="3">
${esc(SPARC)}</pre>`).replace('<html lang="en">', '<html lang="en" data-theme="dark">'));
  return serveDir(dir);
}

/** The ```freepgt fences of a chapter's Markdown source: { text, info }. */
function fences(md) {
  const out = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(`{3,})(.*)$/.exec(lines[i].trim());
    if (!m) continue;
    const fence = m[1];
    const body = [];
    for (i++; i < lines.length && lines[i].trim() !== fence; i++) body.push(lines[i]);
    if (m[2].trim().split(/\s+/)[0] === 'freepgt') out.push({ info: m[2].trim(), text: body.join('\n') + '\n' });
  }
  return out;
}

/** Every chapter of the book with its fences, from docs/src/SUMMARY.md. */
function chapters() {
  const summary = readFileSync(path.join(root, 'docs/src/SUMMARY.md'), 'utf8');
  return [...summary.matchAll(/\]\(([^)]+\.md)\)/g)].map(([, md]) => ({
    md,
    html: md.replace(/\.md$/, '.html'),
    fences: fences(readFileSync(path.join(root, 'docs/src', md), 'utf8')),
  }));
}

async function openHost(url, width) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  // Warnings the book's own scripts log (highlight.js, book.js, the loader), apart from the
  // embeds' frames: the book must not warn about its ```freepgt fences.
  const bookWarnings = [];
  const book = new URL('/book/', url).href;
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    if (m.type() === 'warning' && m.location().url.startsWith(book)) bookWarnings.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()}`));
  await page.goto(url);
  return { page, context, errors, bookWarnings };
}

/** The playground frames of the host page, in document order, each loaded and sized. */
async function loadedFrames(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('figure.freepgt-embed iframe').length === k, n);
  const handles = await page.$$('figure.freepgt-embed iframe');
  const frames = [];
  for (const h of handles) {
    // Lazy frames load when near the viewport; bring each there (after the host checks).
    await h.scrollIntoViewIfNeeded();
    const f = await h.contentFrame();
    await f.waitForFunction(() => window.freepgtApp && window.freepgtApp.state() !== null, null, { timeout: 30000 });
    frames.push({ handle: h, frame: f });
  }
  return frames;
}

/** Waits until the frame's height matches its content (the embed has posted and settled). */
async function fits(handle, frame) {
  let last = null;
  for (let i = 0; i < 60; i++) {
    const content = await frame.evaluate(() => Math.ceil(document.getElementById('app').getBoundingClientRect().height));
    const box = await handle.evaluate((el) => el.clientHeight);
    last = { content, box };
    if (Math.abs(content - box) <= TOLERANCE) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

for (const width of [1280, 390]) {
  test(`the book from another origin at ${width} px: every fence is an embed that fits and reports like the CLI`, async () => {
    assert.ok(existsSync(path.join(dist, 'book/index.html')), 'dist/book/ is built (scripts/build-book.sh)');
    let total = 0;
    for (const ch of chapters()) {
      if (ch.fences.length === 0) continue;
      const { page, context, errors, bookWarnings } = await openHost(`${host}book/${ch.html}`, width);
      await page.waitForFunction((k) => document.querySelectorAll('figure.freepgt-embed iframe').length === k, ch.fences.length);
      assert.equal(await page.locator('code.language-freepgt').count(), 0, `${ch.md}: no fence left as text`);
      // highlight.js knows the fences' language (docs/theme/head.hbs) and so does not warn.
      assert.ok(await page.evaluate(() => !!hljs.getLanguage('freepgt')), `${ch.md}: freepgt is a highlight.js language`);
      assert.deepEqual(bookWarnings, [], `${ch.md}: no warnings from the book's scripts`);
      // Let the frames near the top load and post their heights, then check the host page.
      await page.waitForTimeout(1500);
      const hostState = await page.evaluate(() => ({ active: document.activeElement && document.activeElement.tagName, y: window.scrollY }));
      assert.equal(hostState.y, 0, `${ch.md}: the embeds did not scroll the host page`);
      assert.notEqual(hostState.active, 'IFRAME', `${ch.md}: no embed took the focus`);
      const frames = await loadedFrames(page, ch.fences.length);
      for (let i = 0; i < frames.length; i++) {
        const { handle, frame } = frames[i];
        const fence = ch.fences[i];
        const s = await frame.evaluate(() => window.freepgtApp.state());
        assert.equal(s.report, cliReport(fence.text), `${ch.md} embed ${i}: report equals freepgt run`);
        const src = await handle.getAttribute('src');
        const step = /step=(\d+(?:\.\d+)?)/.exec(fence.info);
        if (step) assert.match(src, new RegExp(`&step=${step[1].replace('.', '\\.')}(&|$)`), `${ch.md} embed ${i}: step option`);
        if (/\bcompare\b/.test(fence.info)) assert.match(src, /&compare=1/);
        const h = await fits(handle, frame);
        assert.ok(Math.abs(h.content - h.box) <= TOLERANCE, `${ch.md} embed ${i} at ${width}px: frame ${h.box}px, content ${h.content}px`);
        total++;
      }
      assert.deepEqual(errors, [], `${ch.md}: no console errors`);
      if (ch.md === 'patch/gather.md') {
        mkdirSync(artifacts, { recursive: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: path.join(artifacts, `book-gather-${width}.png`), fullPage: true });
      }
      await context.close();
    }
    assert.ok(total >= 14, `the book embeds its cases (${total})`);
    console.log(`# ${total} embeds checked at ${width} px`);
  });
}

test('an embed follows its content when a step grows it', async () => {
  const { page, context, errors } = await openHost(`${host}book/patch/gather.html`, 1280);
  const [{ handle, frame }] = await loadedFrames(page, 1);
  const before = await fits(handle, frame);
  // Step back to the start of the munmap, then through events: the explanation changes size.
  await frame.click('#step-start');
  const heights = new Set([before.box]);
  for (let i = 0; i < 8; i++) {
    await frame.click('#step-fwd');
    const h = await fits(handle, frame);
    assert.ok(Math.abs(h.content - h.box) <= TOLERANCE, `after step ${i}: frame ${h.box}, content ${h.content}`);
    heights.add(h.box);
  }
  assert.ok(heights.size > 1, `the frame height followed the content (${[...heights].join(', ')})`);
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [name, n] of [['hugo', 2], ['jekyll', 1], ['sphinx', 1], ['pre', 2]]) {
  test(`renderer shape "${name}" embeds`, async () => {
    const { page, context, errors } = await openHost(`${host}${name}.html`, 1280);
    const frames = await loadedFrames(page, n);
    assert.equal(await page.locator('pre').count(), 0, 'every block was replaced');
    const texts = name === 'hugo' || name === 'pre' ? [SMALL, SPARC] : [SMALL];
    for (let i = 0; i < n; i++) {
      const s = await frames[i].frame.evaluate(() => window.freepgtApp.state());
      assert.equal(s.report, cliReport(texts[i]), `${name} embed ${i}`);
    }
    assert.equal(await page.evaluate(() => document.activeElement.id), 'host-input', 'focus stays on the host page');
    if (name === 'pre') {
      const { handle, frame } = frames[0];
      assert.match(await handle.getAttribute('src'), /&step=5&compare=1&embed=1&theme=dark/);
      // data-max-height: the frame stops at 300 px and scrolls inside.
      await frame.waitForFunction(() => document.getElementById('app').getBoundingClientRect().height > 300);
      await page.waitForFunction(() => document.querySelector('iframe').clientHeight === 300);
      // The host's data-theme reaches the embed, and a change follows.
      assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), 'dark');
      const bg = () => frame.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(await bg(), 'rgb(22, 24, 28)');
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      await frame.waitForFunction(() => document.documentElement.dataset.theme === 'light');
      assert.equal(await bg(), 'rgb(255, 255, 255)');
      // A message from the host page itself (not the frame) cannot resize a frame.
      const h0 = await frames[1].handle.evaluate((el) => el.style.height);
      await page.evaluate(() => window.postMessage({ freepgt: 'height', height: 999 }, '*'));
      await page.waitForTimeout(300);
      assert.equal(await frames[1].handle.evaluate((el) => el.style.height), h0, 'a stranger cannot resize');
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('the book ships with the playground: dist/book/ embeds from the same server, and the Share panel shows the three ways', async () => {
  const { page, context, errors } = await openHost(`${server.url}book/reference.html`, 1280);
  const [{ frame }] = await loadedFrames(page, 1);
  assert.equal((await frame.evaluate(() => window.freepgtApp.state())).report, cliReport(SMALL));
  assert.deepEqual(errors, []);
  await page.goto(server.url);
  await page.waitForFunction(() => window.freepgtApp && window.freepgtApp.state() !== null);
  assert.equal(await page.getAttribute('#book-link', 'href'), 'book/');
  await page.click('#share');
  await page.click('#embed-ways summary');
  assert.equal(await page.inputValue('#embed-js-url'), `${server.url}embed.js`);
  assert.match(await page.inputValue('#embed-pre'), /^<script src="http:\/\/127\.0\.0\.1:\d+\/embed\.js" defer><\/script>\n<pre class="freepgt"/);
  assert.match(await page.inputValue('#embed-fence'), /^```freepgt/);
  assert.match(await page.inputValue('#embed-snippet'), /^<iframe src=/);
  await context.close();
});
