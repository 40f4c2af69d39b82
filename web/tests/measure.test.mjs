// Prints measured figures (never asserted as timings): the first render, and on the large
// preset (3,000 vmas, 12,000 pte tables) an operation, steps through its trace (the first
// event of an op and later ones, forward and back), undo and redo. Each action is timed two
// ways: `hook` is the app's own reduce + render (window.freepgtApp.timing().lastRenderMs,
// from the reducer to the root's effect), `frame` is wall time in the page from the click to
// the first frame after that render (layout and paint included).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, state, changes, cliReport, median } from './helpers.mjs';
import { readFileSync, readdirSync } from 'node:fs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.stop(); });

const TARGET_FIRST = 250;
const TARGET_ACTION = 30;

/**
 * CPU time (ms) used so far by this test's Chromium: the browser process this node process
 * started and all its descendants (renderer, GPU, utilities), from /proc. Unlike wall time it
 * hardly depends on what else the machine runs; its resolution is a clock tick (10 ms), so it
 * is summed over repeated actions. `null` where /proc is missing.
 */
function browserCpuMs() {
  let procs;
  try {
    procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return { pid: +pid, ppid: +f[1], ticks: +f[11] + +f[12] };
      } catch { return null; }
    }).filter(Boolean);
  } catch { return null; }
  const ours = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) if (!ours.has(p.pid) && ours.has(p.ppid)) { ours.add(p.pid); grew = true; }
  }
  ours.delete(process.pid);
  return procs.filter((p) => ours.has(p.pid)).reduce((a, p) => a + p.ticks, 0) * 10;
}

/** Clicks `selector` in the page and waits for the app's next render, then for a frame. */
async function timedClick(page, selector) {
  const cpu0 = browserCpuMs();
  const r = await timedClickInPage(page, selector);
  const cpu1 = browserCpuMs();
  return { ...r, cpu: cpu0 === null ? NaN : cpu1 - cpu0 };
}

async function timedClickInPage(page, selector) {
  return page.evaluate(async (sel) => {
    const app = window.freepgtApp;
    const r0 = app.timing().renders;
    const t0 = performance.now();
    document.querySelector(sel).click();
    await new Promise((resolve) => {
      const tick = () => (app.timing().renders > r0 ? resolve() : requestAnimationFrame(tick));
      tick();
    });
    // The frame after the render: a rAF callback runs before paint, a task queued from it after.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    return { hook: app.timing().lastRenderMs, frame: performance.now() - t0 };
  }, selector);
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;

test('measure first render, an op, steps, undo and redo on the large preset', async () => {
  const rows = [];
  const row = (what, runs, target) => {
    const hook = median(runs.map((o) => o.hook));
    const frame = median(runs.map((o) => o.frame));
    const cpu = runs.reduce((a, o) => a + o.cpu, 0) / runs.length;
    rows.push({ what, hook, frame, cpu, target });
    console.log(`${what}: ${fmt(hook)} reduce+render, ${fmt(frame)} click to frame, ${fmt(cpu)} browser CPU (target ${target} ms)`);
  };

  // Warm the browser and HTTP cache once, then measure a fresh page.
  const warm = await openPage(browser, server.url);
  await warm.context.close();
  const { page, context, errors } = await openPage(browser, server.url, { clear: false });
  const first = await page.evaluate(() => window.freepgtApp.timing().firstRenderMs);
  console.log(`first render: ${fmt(first)} after navigation start (target ${TARGET_FIRST} ms)`);
  rows.push({ what: 'first render (from navigation start)', hook: first, frame: first, cpu: NaN, target: TARGET_FIRST });

  let t0 = Date.now();
  let s = await changes(page, async () => {
    await page.selectOption('#preset', 'large');
  });
  console.log(`load large preset: ${fmt(s.lastRenderMs)} reduce+render (${Date.now() - t0} ms wall incl. polling)`);
  assert.equal(s.report, cliReport(s.text));
  console.log(`large preset: ${s.vmas} vmas, ${s.ops} ops, tables pte=${s.counts.pte} pmd=${s.counts.pmd} pud=${s.counts.pud}`);

  // An op: munmap within one vma (appends to the scenario; the mm is cloned, not re-run).
  const ops = [];
  for (const addr of [0x10000000, 0x10800000, 0x11000000]) {
    await page.fill('#range-start', '0x' + addr.toString(16));
    await page.fill('#range-end', '0x' + (addr + 0x700000).toString(16));
    ops.push(await timedClick(page, '#range-munmap'));
  }
  s = await state(page);
  assert.equal(s.report, cliReport(s.text));
  assert.ok(s.freed.length > 0, 'the munmap freed tables');
  row('munmap (median of 3)', ops, TARGET_ACTION);

  // Steps through the last munmap's trace: its first event (the picture of a new op), then
  // later events forward and back.
  const start = await timedClick(page, '#step-start');
  const lastCommand = s.text.split('\n').length - 2; // one command per line, the last op's
  assert.equal((await state(page)).step, `${lastCommand}.0`);
  row('step: first event of the last op', [start], TARGET_ACTION);
  const fwd = [];
  for (let i = 0; i < 5; i++) fwd.push(await timedClick(page, '#step-fwd'));
  assert.match((await state(page)).step, /\.5$/);
  row('step: next event (median of 5)', fwd, TARGET_ACTION);
  const back = [];
  for (let i = 0; i < 5; i++) back.push(await timedClick(page, '#step-back'));
  assert.match((await state(page)).step, /\.0$/);
  row('step: previous event (median of 5)', back, TARGET_ACTION);
  const end = await timedClick(page, '#step-end');
  row('step: last event of the op', [end], TARGET_ACTION);
  // An earlier op: the first of the three munmaps (the mm replayed up to it).
  const prevOp = await timedClick(page, '#step-prev-op');
  row('step: the previous op (as a whole)', [prevOp], TARGET_ACTION);
  const prevStart = await timedClick(page, '#step-start');
  row('step: first event of an earlier op', [prevStart], TARGET_ACTION);

  // Undo and redo the last munmap.
  const undo = await timedClick(page, '#undo');
  const afterUndo = await state(page);
  assert.equal(afterUndo.ops, s.ops - 1);
  row('undo', [undo], TARGET_ACTION);
  const redo = await timedClick(page, '#redo');
  const afterRedo = await state(page);
  assert.equal(afterRedo.ops, s.ops);
  assert.equal(afterRedo.report, s.report);
  row('redo', [redo], TARGET_ACTION);

  console.log('\nlarge preset summary (ms: reduce+render, click to frame, browser CPU; target):');
  for (const r of rows) {
    const cpu = Number.isNaN(r.cpu) ? '-' : r.cpu.toFixed(0);
    console.log(`  ${r.what.padEnd(40)} ${r.hook.toFixed(1).padStart(8)} ${r.frame.toFixed(1).padStart(8)} ${cpu.padStart(6)}   ≤ ${r.target}`);
  }
  console.log(`  (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${(await import('node:os')).cpus().length} cpus)`);
  assert.deepEqual(errors, []);
  await context.close();
});
