// Prints measured figures (not asserted as timings): first render, and the re-render after
// one operation on the large preset (3,000 vmas, 12,000 pte tables).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, state, changes, cliReport } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

test('measure first render and an op on the large preset', async () => {
  // Warm the browser and HTTP cache once, then measure a fresh page.
  const warm = await openPage(browser, server.url);
  await warm.context.close();
  const { page, context, errors } = await openPage(browser, server.url, { clear: false });
  const first = await page.evaluate(() => window.freepgtApp.state().firstRenderMs);
  console.log(`first render: ${first.toFixed(1)} ms after navigation start (target < 400)`);

  let t0 = Date.now();
  let s = await changes(page, async () => {
    await page.selectOption('#preset', 'large');
    await page.click('#load-preset');
  });
  console.log(`load large preset: ${s.lastRenderMs.toFixed(1)} ms reduce+render (${Date.now() - t0} ms wall incl. polling)`);
  assert.equal(s.report, cliReport(s.text));
  console.log(`large preset: ${s.vmas} vmas, tables pte=${s.counts.pte} pmd=${s.counts.pmd} pud=${s.counts.pud}`);

  // One op: munmap one vma (appends to the scenario; the mm is cloned, not re-run).
  const times = [];
  for (const addr of [0x10000000, 0x10800000, 0x11000000]) {
    await page.fill('#range-start', '0x' + addr.toString(16));
    await page.fill('#range-end', '0x' + (addr + 0x700000).toString(16));
    t0 = Date.now();
    s = await changes(page, () => page.click('#range-munmap'));
    times.push(s.lastRenderMs);
    console.log(`munmap on large: ${s.lastRenderMs.toFixed(1)} ms reduce+render (${Date.now() - t0} ms wall incl. polling), freed ${s.freed.length}`);
  }
  console.log(`op on large preset, median: ${times.sort((a, b) => a - b)[1].toFixed(1)} ms (target < 50)`);
  assert.equal(s.report, cliReport(s.text));
  assert.deepEqual(errors, []);
  await context.close();
});
