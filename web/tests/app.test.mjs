// Editing through the UI (form, drag, clicks), compared with the CLI; text errors; undo/redo;
// autosave; no console errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, openPage, state, changes, cliReport, lastBlock, applyText, screenshot,
} from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

/** The page x of an address, from the axis segment that draws it. */
async function xOf(page, addr) {
  await page.locator('#axis').scrollIntoViewIfNeeded();
  return page.evaluate((a) => {
    const a0 = BigInt(a);
    for (const r of document.querySelectorAll('#axis rect.seg')) {
      const s = BigInt(r.dataset.start), e = BigInt(r.dataset.end);
      if (a0 >= s && a0 <= e) {
        const b = r.getBoundingClientRect();
        return b.left + (Number(a0 - s) / Number(e - s)) * b.width;
      }
    }
    return null;
  }, addr);
}

async function axisY(page, which = 'vma') {
  await page.locator('#axis').scrollIntoViewIfNeeded();
  const b = await page.locator('#axis').boundingBox();
  // The vma band is at 30..64 of a 150-unit-high view box.
  return b.y + b.height * (which === 'vma' ? 45 / 150 : 140 / 150);
}

function assertMatchesCli(s, where) {
  const want = cliReport(s.text);
  assert.equal(s.report, want, `${where}: app report != CLI report`);
  const last = lastBlock(want);
  const tables = last.find((l) => l.startsWith('tables '));
  assert.equal(`tables pte=${s.counts.pte} pmd=${s.counts.pmd} pud=${s.counts.pud}`, tables, where);
  const freed = last.filter((l) => l.startsWith('free ')).map((l) => l.slice(5));
  if (freed.length || s.freed.length) assert.deepEqual(s.freed, freed, `${where}: freed`);
  return last;
}

test('edit with form, drag and clicks; everything shown equals the CLI', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  let s = await applyText(page, 'arch x86_64\n');
  assert.equal(s.text, 'arch x86_64\n');

  // Add vmas through the form.
  s = await changes(page, async () => {
    await page.fill('#vma-start', '0x400000');
    await page.fill('#vma-size', '8K');
    await page.fill('#vma-name', 'text');
    await page.click('#vma-add');
  });
  assert.match(s.text, /^vma 0x400000 0x402000 text$/m);
  s = await changes(page, async () => {
    await page.fill('#vma-start', '600000');
    await page.fill('#vma-size', '2M');
    await page.fill('#vma-name', 'heap');
    await page.press('#vma-name', 'Enter');
  });
  assert.match(s.text, /^vma 0x600000 0x800000 heap$/m);

  // Add a vma by dragging on the axis (add mode is the default).
  assert.equal(await page.isChecked('#mode-add'), true);
  const x0 = await xOf(page, '0xa00000');
  const x1 = await xOf(page, '0xb00000');
  assert.ok(x0 !== null && x1 !== null && x1 - x0 > 10, `axis positions ${x0} ${x1}`);
  let y = await axisY(page);
  s = await changes(page, async () => {
    await page.mouse.move(x0 + 1, y);
    await page.mouse.down();
    await page.mouse.move((x0 + x1) / 2, y, { steps: 4 });
    await page.mouse.move(x1 - 1, y, { steps: 4 });
    await page.mouse.up();
  });
  assert.equal(s.vmas, 3);
  const dragged = s.text.trim().split('\n').at(-1);
  const m = dragged.match(/^vma (0x[0-9a-f]+) (0x[0-9a-f]+)$/);
  assert.ok(m, dragged);
  assert.ok(BigInt(m[1]) >= 0x9f0000n && BigInt(m[1]) <= 0xa10000n, dragged);
  assert.ok(BigInt(m[2]) >= 0xaf0000n && BigInt(m[2]) <= 0xb10000n, dragged);

  // Fault pages: the form, a vma's populate button, a click on the axis.
  s = await changes(page, async () => {
    await page.fill('#fault-addr', '0x400010');
    await page.click('#fault-go');
  });
  assert.match(s.text, /^touch 0x400010$/m);
  assert.equal(s.counts.pte, 1);
  s = await changes(page, () => page.click('button[aria-label^="populate heap"]'));
  assert.match(s.text, /^touch 0x600000 0x800000$/m);
  await page.check('#mode-fault');
  const xf = await xOf(page, '0xa80000');
  y = await axisY(page); // the page may have scrolled to the button clicked above
  s = await changes(page, () => page.mouse.click(xf, y));
  assert.match(s.text.trim().split('\n').at(-1), /^touch 0xa[78][0-9a-f]{4}$/);
  assertMatchesCli(s, 'after faults');
  assert.equal(s.counts.pte, 3);

  // Select a range (drag in select mode) and munmap it: text and heap go; one pte table
  // (0x400000's block) and the heap's are freed, the pmd table stays for the last vma.
  await page.check('#mode-select');
  const xs0 = await xOf(page, '0x400000');
  const xs1 = await xOf(page, '0x800000');
  y = await axisY(page);
  await page.mouse.move(xs0 + 0.5, y);
  await page.mouse.down();
  await page.mouse.move(xs1 - 0.5, y, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('#range-start').value !== '');
  // Snap the dragged selection to exact bounds for a deterministic munmap.
  await page.fill('#range-start', '0x400000');
  await page.fill('#range-end', '0x800000');
  s = await changes(page, () => page.click('#range-munmap'));
  assert.match(s.text, /^munmap 0x400000 0x800000$/m);
  const last = assertMatchesCli(s, 'after munmap');
  assert.ok(last.includes('free pte 0x400000'), last.join('\n'));
  // The freed list in the DOM shows the same lines.
  const shown = await page.locator('#freed-list li').allTextContents();
  assert.deepEqual(shown.map((t) => t.replace('✕', '').trim()), last.filter((l) => l.startsWith('free ')));
  // The DOM report and counts equal the CLI too.
  assert.equal(await page.textContent('#report'), cliReport(s.text));
  assert.equal(await page.textContent('#count-pte'), String(s.counts.pte));

  // Clicking a freed table explains it from the trace.
  await page.click('#freed-list li button');
  const why = await page.textContent('#explain pre');
  assert.match(why, /free pte table 0x400000/);
  assert.match(why, /free_pgd_range/);

  // mmapfail, zapfail and exit go through the same path.
  await page.fill('#range-start', '0x40000000');
  await page.fill('#range-end', '0x40002000');
  s = await changes(page, () => page.click('#range-zapfail'));
  assertMatchesCli(s, 'after zapfail');
  assert.ok(s.orphans.length > 0, 'zapfail leaves an orphan');
  assert.ok(await page.locator('#orphan-list li').count() > 0);
  s = await changes(page, () => page.click('#exit'));
  assertMatchesCli(s, 'after exit');
  assert.ok(s.bugs.some((b) => b.startsWith('BUG exit_mmap')), JSON.stringify(s.bugs));
  assert.ok(await page.locator('#bugs li').count() > 0);
  await screenshot(page, 'edit-desktop-light');

  // A refused edit changes nothing and says why.
  const before = await state(page);
  await page.fill('#fault-addr', '0x400000');
  await page.click('#fault-go');
  await page.waitForSelector('#notice');
  const after = await state(page);
  assert.equal(after.text, before.text);
  assert.match(after.notice, /^error line \d+: /);

  assert.deepEqual(errors, []);
  await context.close();
});

test('applying text with an error shows the line and changes nothing', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s0 = await applyText(page, 'arch x86_64\nvma 400000 401000 a\ntouch 400000\n');
  await page.fill('#scenario-text', 'arch x86_64\n# comment\nvma 400000 400800\n');
  await page.click('#apply-text');
  await page.waitForFunction(() => document.querySelector('#text-error').textContent !== '');
  assert.match(await page.textContent('#text-error'), /^error line 3: /);
  let s = await state(page);
  assert.equal(s.text, s0.text);
  assert.equal(s.revision, s0.revision);
  assert.equal(s.report, s0.report);
  // An error the mm finds (a touch outside any vma) names its line too.
  await page.fill('#scenario-text', 'arch x86_64\n\nvma 400000 401000\ntouch 500000\n');
  await page.click('#apply-text');
  await page.waitForFunction(() => /line 4/.test(document.querySelector('#text-error').textContent));
  s = await state(page);
  assert.equal(s.text, s0.text);
  assert.deepEqual(errors, []);
  await context.close();
});

test('undo, redo (buttons and keys) and reload restores the autosave', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s0 = await applyText(page, 'arch x86_64\nvma 400000 401000 a\n');
  const s1 = await changes(page, async () => {
    await page.fill('#fault-addr', '400000');
    await page.click('#fault-go');
  });
  const s2 = await changes(page, () => page.selectOption('#kernel', '2.6.11'));
  assert.match(s2.text, /^kernel 2\.6\.11$/m);
  let s = await changes(page, () => page.click('#undo'));
  assert.equal(s.text, s1.text);
  await page.locator('h1').click();
  s = await changes(page, () => page.keyboard.press('Control+z'));
  assert.equal(s.text, s0.text);
  s = await changes(page, () => page.keyboard.press('Control+Shift+z'));
  assert.equal(s.text, s1.text);
  s = await changes(page, () => page.click('#redo'));
  assert.equal(s.text, s2.text);
  assert.equal(s.redo, 0);
  // Arch switch re-runs the scenario (0x401000 is 8K-aligned? no: refused, nothing changes).
  await page.selectOption('#arch', 'sparc64');
  await page.waitForSelector('#notice');
  assert.equal((await state(page)).text, s2.text);
  // Reload: the autosave comes back.
  await page.reload();
  await page.waitForFunction(() => window.freepgtApp && window.freepgtApp.state());
  s = await state(page);
  assert.equal(s.text, s2.text);
  assert.equal(s.report, cliReport(s2.text));
  assert.equal(await page.inputValue('#scenario-text'), s2.source, 'the editor shows the autosaved text as written');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an unapplied edit in the text panel survives other edits (never lose work)', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await applyText(page, 'arch x86_64\nvma 400000 401000 text\n');
  const draft = 'arch x86_64\nvma 400000 401000 text\n# my half-written idea\nvma 800000 801000\n';
  await page.fill('#scenario-text', draft);
  // Another edit, through the form: the scenario changes, the draft stays and is flagged.
  const s = await changes(page, async () => {
    await page.fill('#range-start', '400000');
    await page.fill('#range-end', '401000');
    await page.click('#range-touch');
  });
  assert.match(s.text, /touch 0x400000 0x401000/);
  assert.equal(await page.inputValue('#scenario-text'), draft);
  await page.waitForSelector('#draft-kept');
  // Revert shows the current scenario; applying a draft keeps it as written (comments too),
  // while the scenario itself is its canonical form.
  await page.click('#revert-text');
  assert.equal(await page.inputValue('#scenario-text'), s.source);
  assert.equal(await page.locator('#draft-kept').count(), 0);
  const applied = await applyText(page, draft);
  assert.equal(await page.inputValue('#scenario-text'), draft);
  assert.equal(applied.source, draft);
  assert.doesNotMatch(applied.text, /half-written/);
  assert.equal(applied.report, cliReport(draft));
  assert.deepEqual(errors, []);
  await context.close();
});
