// The event-exact picture (issue 8, finding 1): at each event of a step-through, the axis and
// the tree show the tables as of that event, not the op's end state; play/pause steps by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, changes, screenshot } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

async function load(page, id) {
  await page.fill('#scenario-text', 'arch x86_64\n');
  await page.click('#apply-text');
  await page.waitForFunction(() => window.freepgtApp.state().text === 'arch x86_64\n');
  return changes(page, async () => {
    await page.selectOption('#preset', id);
    await page.click('#load-preset');
  });
}

/** Clicks the timeline event whose text starts with `prefix`; returns its index. */
async function goTo(page, prefix) {
  const texts = await page.locator('#step-timeline li').allTextContents();
  const i = texts.findIndex((t) => t.startsWith(prefix));
  assert.ok(i >= 0, `no event ${prefix}: ${texts.join(' | ')}`);
  await page.click(`#step-timeline li[data-event="${i}"] button`);
  await page.waitForFunction((i) => document.querySelector('#step-timeline li.current')?.dataset.event === String(i), i);
  return i;
}

/** The status class of a table in the tree. */
const status = (page, level, base) => page.evaluate(([level, base]) => {
  const b = document.querySelector(`.tree .tbl-btn[data-level="${level}"][data-base="${base}"]`);
  return b ? [...b.parentElement.classList].find((c) => c.startsWith('st-')) : null;
}, [level, base]);

async function atKeepPmd(page) {
  const s = await load(page, 'gather');
  await page.selectOption('#step-op', String(s.ops - 1));
  await page.click('#step-start');
  return goTo(page, 'keep pmd table 0x0');
}

test('gather, munmap, "keep pmd table 0x0": that pmd is live (kept), pte 0xa00000 not yet freed', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await atKeepPmd(page);
  assert.equal(await status(page, 'pmd', '0x0'), 'st-kept');
  assert.equal(await status(page, 'pud', '0x0'), 'st-live');
  assert.equal(await status(page, 'pte', '0x400000'), 'st-freed');
  assert.equal(await status(page, 'pte', '0x600000'), 'st-freed');
  assert.equal(await status(page, 'pte', '0xa00000'), 'st-live');
  // The axis agrees: the pmd row has no freed table yet, the pte row one live table left.
  assert.equal(await page.locator('#axis .tbl.st-kept').count(), 1);
  assert.ok(await page.locator('#axis .tbl.st-live').count() >= 1);
  assert.ok(await page.locator('#axis .step-hl').count() >= 1, 'the table under test is outlined');
  // Later events free them; the last shows the op's end state.
  await goTo(page, 'free pte table 0xa00000');
  assert.equal(await status(page, 'pte', '0xa00000'), 'st-freed');
  assert.equal(await status(page, 'pmd', '0x0'), 'st-kept');
  await page.click('#step-end');
  await page.waitForFunction(() => document.querySelector('.tree .tbl-btn[data-level="pud"][data-base="0x0"]')?.parentElement.classList.contains('st-freed'));
  assert.equal(await status(page, 'pmd', '0x0'), 'st-freed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the markers move with the trims, and the flush row fills in as flushes happen', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await atKeepPmd(page);
  const marks = () => page.$$eval('#axis .marker', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.name, g.dataset.addr])));
  // In the first group: ceiling is the next vma's start, end the last gathered vma's end.
  assert.deepEqual(await marks(), { floor: '0x0', ceiling: '0xa00000', addr: '0x400000', end: '0x601000' });
  assert.equal(await page.locator('#axis .flush').count(), 0, 'no flush before the first flush_tlb_pgtables');
  await goTo(page, 'walk [0xa00000, 0xa01000)');
  assert.deepEqual(await marks(), { floor: '0x0', ceiling: '0x0', addr: '0xa00000', end: '0xa01000' });
  assert.equal(await page.locator('#axis .flush').count(), 1, 'the first group has flushed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('play steps through the op by itself and stops at its last event; pause stops it', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s = await load(page, 'gather');
  await page.selectOption('#step-op', String(s.ops - 1));
  await page.selectOption('#step-speed', { label: 'very fast' });
  await page.click('#step-start');
  const n = await page.locator('#step-timeline li').count();
  const t0 = Date.now();
  await page.click('#step-play');
  await page.waitForFunction((n) => document.querySelector('#step-timeline li.current')?.dataset.event === String(n - 1), n, { timeout: 20000 });
  console.log(`played ${n} events in ${Date.now() - t0} ms at "very fast"`);
  await page.waitForFunction(() => document.querySelector('#step-play').getAttribute('aria-pressed') === 'false');
  // Pause: nothing moves any more.
  await page.click('#step-start');
  await page.click('#step-play');
  await page.waitForFunction(() => +document.querySelector('#step-timeline li.current')?.dataset.event >= 2);
  await page.click('#step-play');
  const at = await page.evaluate(() => document.querySelector('#step-timeline li.current').dataset.event);
  await page.waitForTimeout(400);
  assert.equal(await page.evaluate(() => document.querySelector('#step-timeline li.current').dataset.event), at);
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`a step in the middle of a walk, screenshot ${name} ${colorScheme}`, async () => {
      const { page, context, errors } = await openPage(browser, server.url, { viewport, colorScheme });
      await atKeepPmd(page);
      await page.locator('#axis').scrollIntoViewIfNeeded();
      await screenshot(page, `mid-walk-${name}-${colorScheme}`);
      await page.locator('main').screenshot({ path: (await screenshot(page, `mid-walk-${name}-${colorScheme}`)).replace(/\.png$/, '-main.png') });
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}
