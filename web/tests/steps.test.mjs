// Step-through, compare mode and exports (issue 5), checked against the CLI:
// `run --trace` for every event's text, `compare` and `run --visits` for the compare totals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startServer, launch, openPage, state, changes, cli, cliReport, screenshot } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

/** Each command of a scenario with the trace lines the CLI prints for it (prefix and indentation stripped). */
function cliTrace(text) {
  const out = execFileSync(cli, ['run', '--trace', '-'], { input: text, encoding: 'utf8' });
  const blocks = [];
  for (const line of out.split('\n')) {
    if (line.startsWith('> ')) blocks.push({ command: line.slice(2), trace: [] });
    else if (line.startsWith('  | ')) blocks.at(-1).trace.push(line.slice(4).trimStart());
  }
  return blocks;
}

const cliCompare = (text) => execFileSync(cli, ['compare', '-'], { input: text, encoding: 'utf8' });

/** The scenario under the given kernel (its kernel line replaced, or added after arch). */
function withKernel(text, kernel) {
  const lines = text.trimEnd().split('\n').filter((l) => !l.startsWith('kernel '));
  lines.splice(1, 0, `kernel ${kernel}`);
  return lines.join('\n') + '\n';
}

/** Sum of the `visits pgd=A pud=B pmd=C` lines of `run --visits`. */
function visitsTotal(text) {
  let n = 0;
  for (const m of cliReport(text).matchAll(/^visits pgd=(\d+) pud=(\d+) pmd=(\d+)$/gm)) n += +m[1] + +m[2] + +m[3];
  return n;
}

async function load(page, id) {
  await page.fill('#scenario-text', 'arch x86_64\n');
  await page.click('#apply-text');
  await page.waitForFunction(() => window.freepgtApp.state().text === 'arch x86_64\n');
  return changes(page, async () => {
    await page.selectOption('#preset', id);
    await page.click('#load-preset');
  });
}

const timeline = (page) => page.locator('#step-timeline li').allTextContents();
const current = (page) => page.evaluate(() => {
  const li = document.querySelector('#step-timeline li.current');
  return li ? { event: +li.dataset.event, text: document.querySelector('#step-current').textContent } : null;
});
async function until(page, fn, want) {
  for (let i = 0; i < 100; i++) {
    const got = await fn();
    if (JSON.stringify(got) === JSON.stringify(want)) return got;
    await page.waitForTimeout(20);
  }
  assert.deepEqual(await fn(), want);
}

for (const id of ['gather', 'middle-of-three', 'mmapfail-zapfail', 'lone-2.6.11', 'sparc64-hole-edge']) {
  test(`step through ${id}: every event's text equals the CLI's --trace`, async () => {
    const { page, context, errors } = await openPage(browser, server.url);
    const s = await load(page, id);
    const blocks = cliTrace(s.text);
    const ops = await page.locator('#step-op option').count();
    const header = blocks.length - ops;
    assert.equal(ops, s.ops);
    // Default: the last op, nothing highlighted.
    assert.deepEqual(await timeline(page), blocks.at(-1).trace, 'last op timeline');
    assert.equal(await current(page), null);
    // Every op's timeline.
    for (let i = 0; i < ops; i++) {
      await page.selectOption('#step-op', String(i));
      await until(page, () => timeline(page), blocks[header + i].trace);
    }
    // Step through the last op with the buttons: each current event is the CLI's line.
    await page.selectOption('#step-op', String(ops - 1));
    const want = blocks.at(-1).trace;
    await page.click('#step-start');
    for (let e = 0; e < want.length; e++) {
      await until(page, () => current(page), { event: e, text: want[e] });
      if (e + 1 < want.length) await page.click('#step-fwd');
    }
    await page.click('#step-start');
    await page.click('#step-end');
    await until(page, () => current(page), { event: want.length - 1, text: want.at(-1) });
    // Markers on the axis at a free_pgd_range step carry its arguments.
    const fpr = want.findIndex((l) => l.startsWith('free_pgd_range('));
    if (fpr >= 0) {
      await page.click(`#step-timeline li[data-event="${fpr}"] button`);
      await until(page, () => current(page), { event: fpr, text: want[fpr] });
      const m = want[fpr].match(/addr=(0x[0-9a-f]+), end=(0x[0-9a-f]+), floor=(0x[0-9a-f]+), ceiling=(0x[0-9a-f]+)/);
      const marks = await page.$$eval('#axis .marker', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.name, g.dataset.addr])));
      assert.deepEqual(marks, { addr: m[1], end: m[2], floor: m[3], ceiling: m[4] });
    }
    // A table step outlines the table on the axis and in the tree.
    const freeStep = want.findIndex((l) => /^free pte table /.test(l));
    if (freeStep >= 0) {
      await page.click(`#step-timeline li[data-event="${freeStep}"] button`);
      await until(page, () => current(page), { event: freeStep, text: want[freeStep] });
      const base = want[freeStep].split(' ').at(-1);
      assert.ok(await page.locator('#axis .step-hl').count() >= 1, 'axis outline');
      assert.equal(await page.locator(`.tree li.step-current > .tbl-btn[data-level="pte"][data-base="${base}"]`).count(), 1, 'tree highlight');
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('←/→ move the step, but not while typing in a field', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s = await load(page, 'gather');
  const want = cliTrace(s.text).at(-1).trace;
  await page.click('#step-start');
  await until(page, () => current(page), { event: 0, text: want[0] });
  await page.locator('#steps h2').click();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await until(page, () => current(page), { event: 2, text: want[2] });
  await page.keyboard.press('ArrowLeft');
  await until(page, () => current(page), { event: 1, text: want[1] });
  // Typing in the scenario text moves the caret, not the step.
  await page.focus('#scenario-text');
  await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(100);
  assert.deepEqual(await current(page), { event: 1, text: want[1] });
  // Back from the first event goes to the previous op's last event.
  await page.click('#step-start');
  await page.locator('#steps h2').click();
  await page.keyboard.press('ArrowLeft');
  const prev = cliTrace(s.text).at(-2).trace;
  await until(page, () => current(page), { event: prev.length - 1, text: prev.at(-1) });
  assert.equal(await page.inputValue('#step-op'), String(s.ops - 2));
  assert.deepEqual(errors, []);
  await context.close();
});

test('compare mode: totals equal `freepgt compare` and `run --visits` under both kernels, for every preset', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const ids = await page.locator('#preset option:not([disabled])').evaluateAll((os) => os.map((o) => o.value));
  await page.click('#tab-compare');
  await page.click('#compare-toggle');
  for (const id of ids) {
    const s = await load(page, id);
    const totals = await page.textContent('#compare-totals');
    const cmp = cliCompare(s.text).trimEnd().split('\n').slice(-2).join('\n');
    assert.equal(totals, cmp, `${id}: totals`);
    const m = totals.match(/total visits 2\.6\.11 (\d+) .*, 2\.6\.12 (\d+) /);
    assert.equal(+m[1], visitsTotal(withKernel(s.text, '2.6.11')), `${id}: 2.6.11 visits`);
    assert.equal(+m[2], visitsTotal(withKernel(s.text, '2.6.12')), `${id}: 2.6.12 visits`);
    // Steps the CLI marks as differing are marked ≠ in the table.
    const starred = cliCompare(s.text).split('\n').filter((l) => l.startsWith('* line ')).map((l) => l.match(/line (\d+)/)[1]);
    const marked = await page.$$eval('#compare-table tr.old.differs', (rs) => rs.map((r) => r.dataset.line));
    assert.deepEqual(marked, starred, `${id}: differing steps`);
    assert.equal(await page.locator('#compare-chart rect').count() >= 4, true);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('sparc64: PMD vs PGDIR flush cost, and the hole-edge swap flagged as derived', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s = await load(page, 'sparc64-hole-edge');
  assert.match(await page.textContent('#preset-summary'), /sparc64|hole/i);
  // Find an op whose flush fired the swap.
  const ops = await page.locator('#step-op option').count();
  let found = false;
  for (let i = 0; i < ops && !found; i++) {
    await page.selectOption('#step-op', String(i));
    await page.waitForTimeout(30);
    found = (await page.locator('#hole-edge').count()) > 0;
  }
  assert.ok(found, 'some op shows the hole-edge note');
  assert.match(await page.textContent('#hole-edge'), /Derived from the arithmetic/);
  assert.ok(await page.locator('#vpte-granularity td.swapped').count() > 0);
  assert.match(await page.textContent('#hugepage-note'), /constant 0 on x86_64 and sparc64/);
  assert.ok(s.text.startsWith('arch sparc64'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('exports: SVG parses, PNG has the signature, scenario and report equal the state and the CLI', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s = await load(page, 'gather');
  await page.click('#step-start');
  const get = async (id) => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(id)]);
    return { name: dl.suggestedFilename(), data: readFileSync(await dl.path()) };
  };
  const svg = await get('#export-svg');
  assert.equal(svg.name, 'freepgt-gather.svg');
  const text = svg.data.toString('utf8');
  assert.match(text, /<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const parsed = await page.evaluate((t) => {
    const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
    return { error: !!doc.querySelector('parsererror'), root: doc.documentElement.localName, styled: doc.querySelectorAll('[style*="fill:"]').length };
  }, text);
  assert.deepEqual({ error: parsed.error, root: parsed.root }, { error: false, root: 'svg' });
  assert.ok(parsed.styled > 10, 'styles are inlined');
  const png = await get('#export-png');
  assert.equal(png.name, 'freepgt-gather.png');
  assert.deepEqual([...png.data.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.data.length > 5000, `png is ${png.data.length} bytes`);
  assert.equal(png.data.readUInt32BE(16), 2000, 'PNG width: the 1000-unit view at 2x');
  const scn = await get('#export-scn');
  assert.equal(scn.name, 'freepgt-gather.scn');
  assert.equal(scn.data.toString('utf8'), s.text);
  const rep = await get('#export-report');
  assert.equal(rep.data.toString('utf8'), cliReport(s.text));
  assert.deepEqual(errors, []);
  await context.close();
});

for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['mobile', { width: 360, height: 740 }]]) {
  test(`step-through and compare screenshots, ${name}`, async () => {
    const { page, context, errors } = await openPage(browser, server.url, { viewport });
    for (const id of ['gather', 'sparc64-hole-edge', 'miller-ceiling']) {
      await load(page, id);
      await page.click('#step-start');
      for (let i = 0; i < 9 && await page.isEnabled('#step-fwd'); i++) await page.click('#step-fwd');
      if (!(await page.isChecked('#compare-toggle'))) {
        await page.click('#tab-compare');
        await page.click('#compare-toggle');
      }
      await page.locator('#steps').screenshot({ path: await screenshot(page, `steps-${id}-${name}`).then((f) => f.replace(/\.png$/, '-panel.png')) });
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page overflows by ${overflow}px at ${viewport.width}px`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('the step and compare mode go into the link and come back from it', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  const s = await load(page, 'gather');
  const want = cliTrace(s.text).at(-1).trace;
  await page.selectOption('#step-op', String(s.ops - 2));
  await page.click('#step-end');
  await page.click('#step-fwd');
  await page.click('#step-fwd');
  await until(page, () => current(page), { event: 1, text: want[1] });
  await page.click('#tab-compare');
  await page.click('#compare-toggle');
  const command = cliTrace(s.text).length - 1;
  await page.waitForFunction((c) => location.hash.includes(`step=${c}.1`) && location.hash.includes('compare=1'), command);
  const url = await page.evaluate(() => location.href);
  const other = await openPage(browser, url, { clear: false });
  await until(other.page, () => current(other.page), { event: 1, text: want[1] });
  assert.equal(await other.page.inputValue('#step-op'), String(s.ops - 1));
  assert.equal(await other.page.isChecked('#compare-toggle'), true);
  assert.ok(await other.page.locator('#compare-totals').count());
  assert.deepEqual([...errors, ...other.errors], []);
  await other.context.close();
  await context.close();
});

test('stepping into an earlier operation shows the mm right after it', async () => {
  const { page, context, errors } = await openPage(browser, server.url);
  await load(page, 'mmapfail-zapfail');
  // After the last op (exit) the driver's table 0x600000 is long gone and the zapfail
  // orphan 0xa00000 is leaked; right after mmapfail (op 4) the former was just freed and the
  // latter does not exist yet.
  await page.selectOption('#step-op', '4');
  await page.waitForFunction(() => /0x600000/.test(document.querySelector('#tree').textContent));
  const tree = await page.textContent('#tree');
  assert.match(tree, /pte 0x600000[^\n]*freed/);
  assert.doesNotMatch(tree, /0xa00000/);
  assert.match(await page.textContent('#steps'), /replayed up to it/);
  // Back to the last op: the full state again.
  await page.selectOption('#step-op', '6');
  await page.waitForFunction(() => /0xa00000/.test(document.querySelector('#tree').textContent));
  assert.deepEqual(errors, []);
  await context.close();
});
