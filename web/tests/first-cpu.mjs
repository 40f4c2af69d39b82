// A developer's tool, not a test: where a FIRST visit's render spends the renderer's main-thread
// CPU (no autosave, no link: the middle-of-three preset with its intro). On a shared machine
// the wall-clock first render mostly measures the other processes; the thread CPU time of the
// renderer's trace events (`tdur`) does not. Prints, per run and as medians:
//   - first render (window.freepgtApp.timing().firstRenderMs, wall, from navigation start),
//   - main-thread CPU from navigation start to the first render and to the first contentful
//     paint,
//   - that CPU by phase: the navigation commit, script and wasm running (of which the wasm's
//     lazy compilation on first call), style, layout, paint; and the wasm compilation on
//     other threads.
//
//   cd web/tests && node first-cpu.mjs            # desktop, 5 runs
//   RUNS=9 PHONE=1 node first-cpu.mjs             # a phone's viewport
//   FREEPGT_DIST=/path/to/dist node first-cpu.mjs # another build (to compare before / after)
import { startServer, launch, median, traceCpuMs as cpu } from './helpers.mjs';

const RUNS = Number(process.env.RUNS || 5);
const viewport = process.env.PHONE ? { width: 390, height: 844 } : { width: 1280, height: 800 };

/** Main-thread event names summed per phase (inclusive thread CPU; phases do not overlap). */
const PHASES = {
  'navigation commit': ['DocumentLoader::CommitNavigation'],
  'script + wasm running': ['FunctionCall'],
  '  of which wasm lazy compile': ['wasm.CompileLazy'],
  style: ['UpdateLayoutTree'],
  layout: ['Layout'],
  'paint + prepaint': ['Paint', 'PrePaint'],
};

const server = await startServer();
const browser = await launch();
const rows = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto('about:blank');
    await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'blink', 'blink.user_timing', 'loading', 'v8', 'v8.wasm'] });
    await page.goto(server.url);
    await page.waitForFunction(() => window.freepgtApp && window.freepgtApp.timing().firstRenderMs > 0);
    // Until the first paint has surely happened.
    await page.waitForTimeout(700);
    const first = await page.evaluate(() => window.freepgtApp.timing().firstRenderMs);
    const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
    await context.close();

    const nav = events.filter((e) => e.name === 'navigationStart' && String(e.args?.data?.documentLoaderURL || '').startsWith('http')).pop();
    const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === nav.pid);
    const t0 = nav.ts;
    const fcp = events.find((e) => e.name === 'firstContentfulPaint' && e.pid === nav.pid);
    const tFirst = t0 + first * 1000;
    const tPaint = fcp ? fcp.ts : tFirst;
    const inWindow = (e) => e.pid === nav.pid && e.ph === 'X' && e.tdur && e.ts >= t0 && e.ts <= tPaint;
    const onMain = (e) => e.tid === main.tid;
    const tasks = events.filter((e) => inWindow(e) && onMain(e) && e.name === 'ThreadControllerImpl::RunTask');
    const cpuUntil = (t) => cpu(tasks.filter((e) => e.ts <= t));
    const row = { 'first render (wall)': first, 'first paint (wall)': (tPaint - t0) / 1000, 'CPU to first render': cpuUntil(tFirst), 'CPU to first paint': cpuUntil(tPaint) };
    for (const [phase, names] of Object.entries(PHASES)) {
      row[phase] = cpu(events.filter((e) => inWindow(e) && onMain(e) && names.includes(e.name)));
    }
    row['wasm compile, other threads'] = events
      .filter((e) => inWindow(e) && !onMain(e) && /^wasm\.(ExecuteCompilationUnits|ValidateFunctionsStreaming)$/.test(e.name))
      .reduce((a, e) => a + e.tdur / 1000, 0);
    rows.push(row);
    console.log(`run ${i + 1}: ` + Object.entries(row).map(([k, v]) => `${k.trim()} ${v.toFixed(0)}`).join(', '));
  }
} finally {
  await browser.close();
  server.stop();
}
console.log(`\nfirst visit, ${viewport.width}x${viewport.height}, median of ${RUNS} (ms):`);
for (const k of Object.keys(rows[0])) console.log(`  ${k.padEnd(32)} ${median(rows.map((r) => r[k])).toFixed(0).padStart(6)}`);
