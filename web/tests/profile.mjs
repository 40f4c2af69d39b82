// A developer's tool, not a test: profiles the playground's actions on the large preset in
// headless Chromium (the CDP sampling profiler) and prints, per action, the functions with the
// most self time and the most total time. Wasm functions have names only in a build that keeps
// them:
//
//   CARGO_TARGET_DIR=target/prof CARGO_PROFILE_RELEASE_STRIP=false \
//     trunk build --release --dist target/prof-dist
//   cd web/tests && FREEPGT_DIST=../../target/prof-dist node profile.mjs [first|op|step|undo ...]
import { startServer, launch, openPage, changes } from './helpers.mjs';

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);
const TOP = Number(process.env.TOP || 25);

/** Self and total ms per function name, from a CDP profile. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0) / 1000));
  const name = (n) => {
    const f = n.callFrame;
    return f.functionName || (f.url ? `(anon ${f.url.split('/').pop()}:${f.lineNumber})` : `(${n.callFrame.functionName || 'program'})`);
  };
  const self = new Map();
  const total = new Map();
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  for (const n of profile.nodes) {
    const ms = dt.get(n.id) || 0;
    if (!ms) continue;
    self.set(name(n), (self.get(name(n)) || 0) + ms);
    // Each ancestor name once per sample path.
    const seen = new Set();
    for (let id = n.id; id !== undefined; id = parent.get(id)) {
      const k = name(byId.get(id));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) || 0) + ms);
    }
  }
  // With CALLERS=substring: the call paths (3 frames up) of the matching functions.
  const callers = new Map();
  if (process.env.CALLERS) {
    for (const n of profile.nodes) {
      const ms = dt.get(n.id) || 0;
      if (!ms || !name(n).includes(process.env.CALLERS)) continue;
      const path = [];
      for (let id = parent.get(n.id); id !== undefined && path.length < 4; id = parent.get(id)) {
        path.push(name(byId.get(id)).replace(/::h[0-9a-f]{16}$/, '').slice(-70));
      }
      const k = path.join(' < ');
      callers.set(k, (callers.get(k) || 0) + ms);
    }
  }
  const all = [...dt.values()].reduce((a, b) => a + b, 0);
  return { all, self, total, callers };
}

function print(title, { all, self, total, callers }) {
  const top = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  if (callers.size) {
    console.log(`  callers of ${process.env.CALLERS}:`);
    for (const [k, v] of top(callers)) console.log(`    ${v.toFixed(1).padStart(8)}  ${k}`);
  }
  console.log(`\n=== ${title}: ${all.toFixed(0)} ms sampled`);
  console.log('  self:');
  for (const [k, v] of top(self)) console.log(`    ${v.toFixed(1).padStart(8)}  ${k.slice(0, 150)}`);
  console.log('  total:');
  for (const [k, v] of top(total)) console.log(`    ${v.toFixed(1).padStart(8)}  ${k.slice(0, 150)}`);
}

/** The renderer's own work (style, layout, paint...) per trace event name, in ms. */
function traceSummary(json) {
  const { traceEvents } = JSON.parse(json);
  const main = traceEvents.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const by = new Map();
  for (const e of traceEvents) {
    if (e.ph !== 'X' || !e.dur || (main && (e.pid !== main.pid || e.tid !== main.tid))) continue;
    by.set(e.name, (by.get(e.name) || 0) + e.dur / 1000);
  }
  if (process.env.TASKS) {
    // The main thread's top-level tasks, longest first, with their longest children.
    const mine = traceEvents.filter((e) => e.ph === 'X' && e.dur && main && e.pid === main.pid && e.tid === main.tid);
    const tasks = mine.filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask').sort((a, b) => b.dur - a.dur).slice(0, 6);
    for (const t of tasks) {
      const kids = mine.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur && e.dur > 2000 && e.name !== 'RunTask');
      console.log(`    task ${(t.dur / 1000).toFixed(1)} ms: ${kids.sort((a, b) => b.dur - a.dur).slice(0, 8).map((k) => `${k.name} ${(k.dur / 1000).toFixed(1)}${k.args?.data?.functionName ? ` (${k.args.data.functionName})` : ''}`).join(', ')}`);
    }
  }
  return [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
}

async function profiled(cdp, title, fn) {
  const page = cdp.page;
  await page.context().browser().startTracing(page, { categories: ['devtools.timeline', 'blink', 'v8.execute', 'toplevel'] });
  await cdp.send('Profiler.start');
  await fn();
  const { profile } = await cdp.send('Profiler.stop');
  const trace = await page.context().browser().stopTracing();
  const sum = summarize(profile);
  print(title, sum);
  const comps = [...sum.total.entries()]
    .filter(([k]) => /as yew::functional::FunctionProvider>::run::[a-z_]+::h/.test(k) || /FunctionProvider>::run::[a-z_]+$/.test(k))
    .sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log('  components (total):');
  for (const [k, v] of comps) console.log(`    ${v.toFixed(1).padStart(8)}  ${k.replace(/.*run::/, '').replace(/::h[0-9a-f]+$/, '')}  (${k.replace(/^<([^ ]+) as.*/, '$1')})`);
  console.log('  renderer trace events (inclusive, main thread):');
  for (const [k, v] of traceSummary(trace.toString())) console.log(`    ${v.toFixed(1).padStart(8)}  ${k}`);
}

const click = (page, sel) => page.evaluate(async (sel) => {
  const app = window.freepgtApp;
  const r0 = app.timing().renders;
  document.querySelector(sel).click();
  await new Promise((resolve) => {
    const tick = () => (app.timing().renders > r0 ? resolve() : requestAnimationFrame(tick));
    tick();
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}, sel);

const server = await startServer();
const browser = await launch();
try {
  if (want('first')) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => window.freepgtApp && window.freepgtApp.state() !== null);
    const cdp = await context.newCDPSession(page);
    cdp.page = page;
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await profiled(cdp, 'first render (reload)', async () => {
      await page.reload();
      await page.waitForFunction(() => window.freepgtApp && window.freepgtApp.timing().firstRenderMs > 0);
    });
    console.log(`first render: ${(await page.evaluate(() => window.freepgtApp.timing().firstRenderMs)).toFixed(1)} ms`);
    await context.close();
  }
  const { page, context } = await openPage(browser, server.url);
  const cdp = await context.newCDPSession(page);
  cdp.page = page;
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  console.log(`DOM elements: ${await page.evaluate(() => document.querySelectorAll('*').length)}`);
  if (want('load')) {
    await profiled(cdp, 'load large preset', () => changes(page, () => page.selectOption('#preset', 'large')));
  } else {
    await changes(page, () => page.selectOption('#preset', 'large'));
  }
  // As measure.test.mjs: three munmaps, the last one profiled.
  for (const addr of [0x10000000, 0x10800000]) {
    await page.fill('#range-start', '0x' + addr.toString(16));
    await page.fill('#range-end', '0x' + (addr + 0x700000).toString(16));
    await click(page, '#range-munmap');
  }
  await page.fill('#range-start', '0x11000000');
  await page.fill('#range-end', '0x11700000');
  if (want('op')) await profiled(cdp, 'munmap', () => click(page, '#range-munmap'));
  else await click(page, '#range-munmap');
  console.log(`DOM elements: ${await page.evaluate(() => document.querySelectorAll('*').length)}`);
  console.log(await page.evaluate(() => [...document.querySelectorAll('section, .panel, svg, main > div')].map((e) => `${e.tagName}#${e.id || e.className}: ${e.querySelectorAll('*').length}`).join('\n')));
  if (want('step')) {
    await profiled(cdp, 'step: first event of the last op', () => click(page, '#step-start'));
    await profiled(cdp, 'step: next event', () => click(page, '#step-fwd'));
    await profiled(cdp, 'step: previous event', () => click(page, '#step-back'));
    await profiled(cdp, 'step: last event', () => click(page, '#step-end'));
    await profiled(cdp, 'step: previous op', () => click(page, '#step-prev-op'));
    await profiled(cdp, 'step: first event of an earlier op', () => click(page, '#step-start'));
  }
  if (want('undo')) {
    await profiled(cdp, 'undo', () => click(page, '#undo'));
    await profiled(cdp, 'redo', () => click(page, '#redo'));
  }
  await context.close();
} finally {
  await browser.close();
  server.stop();
}
