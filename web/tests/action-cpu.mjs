// A developer's tool, not a test: the renderer main thread's CPU time per action on the large
// preset (the actions of measure.test.mjs), from Chromium's trace (`tdur`, thread time). On a
// shared machine wall-clock figures mostly measure the other processes; thread CPU time hardly
// moves with the load, so before/after comparisons of one change are possible on a busy
// machine. Per action: CPU from the click to the frame after the render, split into script
// (wasm + JS: reduce and render), style + layout, and paint.
//
//   cd web/tests && node action-cpu.mjs                     # dist/, 3 runs
//   RUNS=5 FREEPGT_DIST=/path/to/dist node action-cpu.mjs   # another build
//   EXTRA_CSS='.x { contain: paint }' node action-cpu.mjs     # a style change, unbuilt
import { startServer, launch, openPage, changes, median, traceCpuMs as cpu } from './helpers.mjs';

const RUNS = Number(process.env.RUNS || 3);
const PHASES = {
  script: ['FunctionCall', 'EventDispatch', 'TimerFire', 'FireAnimationFrame', 'RunMicrotasks', 'V8.GC_MARK_COMPACTOR', 'MajorGC', 'MinorGC'],
  'style+layout': ['UpdateLayoutTree', 'Layout'],
  paint: ['Paint', 'PrePaint', 'Layerize', 'UpdateLayer'],
};

async function action(browser, page, sel) {
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'v8', 'blink', 'blink.user_timing'] });
  const marks = await page.evaluate(async (sel) => {
    const app = window.freepgtApp;
    const r0 = app.timing().renders;
    performance.mark('a0');
    const t0 = performance.timeOrigin + performance.now();
    document.querySelector(sel).click();
    await new Promise((resolve) => {
      const tick = () => (app.timing().renders > r0 ? resolve() : requestAnimationFrame(tick));
      tick();
    });
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    performance.mark('a1');
    return { hook: app.timing().lastRenderMs, t0 };
  }, sel);
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const m0 = events.find((e) => e.name === 'a0');
  const m1 = events.find((e) => e.name === 'a1');
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === m0.pid);
  const mine = events.filter((e) => e.pid === m0.pid && e.tid === main.tid && e.ph === 'X' && e.tdur && e.ts >= m0.ts && e.ts <= m1.ts);
  const row = { hook: marks.hook, cpu: cpu(mine) };
  for (const [k, names] of Object.entries(PHASES)) row[k] = cpu(mine.filter((e) => names.includes(e.name)));
  return row;
}

const server = await startServer();
const browser = await launch();
const all = new Map();
const add = (what, r) => { if (!all.has(what)) all.set(what, []); all.get(what).push(r); };
try {
  for (let run = 0; run < RUNS; run++) {
    const { page, context } = await openPage(browser, server.url);
    // EXTRA_CSS: rules added to the page, to try a style change without a build.
    if (process.env.EXTRA_CSS) await page.addStyleTag({ content: process.env.EXTRA_CSS });
    await changes(page, () => page.selectOption('#preset', 'large'));
    for (const addr of [0x10000000, 0x10800000, 0x11000000]) {
      await page.fill('#range-start', '0x' + addr.toString(16));
      await page.fill('#range-end', '0x' + (addr + 0x700000).toString(16));
      add('munmap', await action(browser, page, '#range-munmap'));
    }
    add('step: first event of the last op', await action(browser, page, '#step-start'));
    for (let i = 0; i < 5; i++) add('step: next event', await action(browser, page, '#step-fwd'));
    for (let i = 0; i < 5; i++) add('step: previous event', await action(browser, page, '#step-back'));
    add('step: last event of the op', await action(browser, page, '#step-end'));
    add('step: the previous op (as a whole)', await action(browser, page, '#step-prev-op'));
    add('step: first event of an earlier op', await action(browser, page, '#step-start'));
    add('undo', await action(browser, page, '#undo'));
    add('redo', await action(browser, page, '#redo'));
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
}
console.log(`main-thread CPU per action, median of ${RUNS} runs (ms; hook = the app's reduce+render, wall):`);
console.log(`  ${'action'.padEnd(36)} ${['hook', 'cpu', 'script', 'style+layout', 'paint'].map((k) => k.padStart(12)).join('')}`);
for (const [what, rs] of all) {
  console.log(`  ${what.padEnd(36)} ${['hook', 'cpu', 'script', 'style+layout', 'paint'].map((k) => median(rs.map((r) => r[k])).toFixed(1).padStart(12)).join('')}`);
}
console.log(`  (load average ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
