// Every preset loads without errors and shows exactly the CLI's report and counts;
// screenshots at desktop and mobile widths, light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, state, changes, cliReport, lastBlock, screenshot } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

test('each preset loads, with counts and report equal to the CLI', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const ids = await page.locator('#preset option:not([disabled])').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(ids.length >= 9, ids.join(','));
  for (const id of ids) {
    // Start from something else so that every load is a change.
    await page.fill('#scenario-text', 'arch x86_64\n');
    await page.click('#apply-text');
    await page.waitForFunction(() => window.freepgtApp.state().text === 'arch x86_64\n');
    const s = await changes(page, async () => {
      await page.selectOption('#preset', id);
      await page.click('#load-preset');
    });
    assert.ok(!s.notice, `${id}: ${s.notice}`);
    const want = cliReport(s.text);
    assert.equal(s.report, want, `${id}: report`);
    const tables = lastBlock(want).find((l) => l.startsWith('tables '));
    const shown = `tables pte=${await page.textContent('#count-pte')} pmd=${await page.textContent('#count-pmd')} pud=${await page.textContent('#count-pud')}`;
    assert.equal(shown.replace('pud=folded', 'pud=0').replace('pmd=folded', 'pmd=0'), tables, id);
    const freed = lastBlock(want).filter((l) => l.startsWith('free '));
    assert.equal(await page.locator('#freed-list li').count(), freed.length, `${id}: freed list`);
    const bugs = lastBlock(want).filter((l) => l.startsWith('BUG '));
    assert.equal(await page.locator('#bugs li').count(), bugs.length, `${id}: bugs`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

const shots = [
  ['desktop', { width: 1280, height: 800 }],
  ['mobile', { width: 360, height: 740 }],
];
for (const [name, viewport] of shots) {
  for (const colorScheme of ['light', 'dark']) {
    test(`screenshots ${name} ${colorScheme}`, async () => {
      const { page, context, errors } = await openPage(browser, server.url, { viewport, colorScheme });
      for (const id of ['typical', 'mmapfail-zapfail', 'sparc64-hole-edge']) {
        await changes(page, async () => {
          await page.selectOption('#preset', id);
          await page.click('#load-preset');
        });
        // Open the explanation of the first freed table (if any) so it shows in the shot.
        if (await page.locator('#freed-list li button').count()) await page.click('#freed-list li button');
        await screenshot(page, `${id}-${name}-${colorScheme}`);
      }
      // Nothing may overflow the viewport horizontally (the axis scrolls inside its box).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `page overflows by ${overflow}px at ${viewport.width}px`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
}
