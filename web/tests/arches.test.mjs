// The 32-bit arches in the playground (issue 11): an i386 and an i386 PAE scenario load with
// the CLI's report and counts; folded levels are drawn honestly (no pmd row or table on i386,
// PAE's three pmd tables marked as part of the pgd and never freed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, cliReport, lastBlock, applyText, screenshot } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

// The table rows (the axis also has a flush row, which has no level).
// The label's own text (a long form, where there is one, is its <title> tooltip).
const rowLabels = (page) => page.locator('#axis text.row-label[data-level]').evaluateAll((ts) => ts.map((t) => t.firstChild.nodeValue));
const treeLevels = (page) => page.locator('#tree .tbl-btn').evaluateAll((bs) => bs.map((b) => b.dataset.level));

async function loadAndCompare(page, text) {
  const s = await applyText(page, text);
  assert.ok(!s.notice && !s.text_error, `${s.notice} ${s.text_error}`);
  const want = cliReport(s.text);
  assert.equal(s.report, want, 'app report != CLI report');
  const tables = lastBlock(want).find((l) => l.startsWith('tables '));
  assert.equal(`tables pte=${s.counts.pte} pmd=${s.counts.pmd} pud=${s.counts.pud}`, tables);
  return s;
}

test('i386: two levels, pte tables only, report equal to the CLI', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const text = 'arch i386\nvma 8048000 8049000 text\nvma 8449000 844a000 data\nvma bffff000 c0000000 stack\n'
    + 'touch 8048000\ntouch 8449000\ntouch bffff000\n';
  let s = await loadAndCompare(page, text);
  assert.equal(s.arch, 'i386');
  assert.deepEqual(await rowLabels(page), ['pte'], 'the axis has a pte row and nothing else');
  assert.deepEqual(await treeLevels(page), ['pte', 'pte', 'pte']);
  assert.equal(await page.textContent('#count-pmd'), 'folded');
  assert.equal(await page.textContent('#count-pud'), 'folded');
  assert.match(await page.textContent('#tree'), /pgd → pte \(pud and pmd folded\)/);
  // One gathered munmap frees the two pte tables and nothing above them.
  s = await loadAndCompare(page, `${text}munmap 8048000 844a000\n`);
  assert.deepEqual(lastBlock(s.report).filter((l) => l.startsWith('free ')), ['free pte 0x8000000', 'free pte 0x8400000']);
  await screenshot(page, 'arch-i386');
  assert.deepEqual(errors, []);
  await context.close();
});

test('i386 PAE: the pgd\'s three pmd tables are drawn as part of it and never freed', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const text = 'arch i386-pae\nvma 3ff00000 40100000 lib\ntouch 3ff00000 40100000\n';
  let s = await loadAndCompare(page, text);
  assert.equal(s.counts.pmd, 3);
  assert.deepEqual(await rowLabels(page), ['pmd*', 'pte']);
  assert.match(await page.textContent('#axis text.row-label[data-level=pmd] title'), /part of the pgd/);
  assert.deepEqual(await treeLevels(page), ['pmd', 'pte', 'pmd', 'pte', 'pmd']);
  assert.equal(await page.locator('#tree .badge.pgd-owned').count(), 3);
  assert.equal(await page.textContent('#count-pmd'), '3');
  assert.match(await page.textContent('#tree'), /pud folded; the 3 user pmd tables are part of the pgd/);
  s = await loadAndCompare(page, `${text}munmap 3ff00000 40100000\nexit\n`);
  assert.ok(!s.report.includes('free pmd'), 'no pmd table is ever freed');
  assert.equal(s.counts.pmd, 3);
  assert.equal(await page.locator('#tree .badge.pgd-owned').count(), 3);
  assert.deepEqual(s.orphans, [], 'the pgd\'s pmds are never orphans');
  await screenshot(page, 'arch-i386-pae');
  assert.deepEqual(errors, []);
  await context.close();
});
