// wasm vs native, side by side: the same generated scenario text (freepgt bench's 65,530 vmas,
// 1,000,000 faults, 300 munmaps, exit) parsed, simulated and reported by
// `freepgt::report::report`, natively (`freepgt bench --from FILE`) and compiled to wasm32 in
// headless Chromium (the `freepgtBenchReport` export of crates/freepgt-wasm-bench, built by
// scripts/bench-wasm.sh into target/bench-wasm/ with the playground's release profile; it is not
// part of the playground's download). Prints the times and their ratio (a figure, not
// asserted); asserts only that both sides rendered the same report bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, cli, root } from './helpers.mjs';

const REPEAT = 3;
const ARCHES = (process.env.FREEPGT_BENCH_ARCHES || 'x86_64,sparc64').split(',');
const BENCH_WASM = path.join(root, 'target/bench-wasm');
const BENCH_FILES = {
  'freepgt_wasm_bench.js': 'text/javascript',
  'freepgt_wasm_bench_bg.wasm': 'application/wasm',
};

let server, browser, dir;
before(async () => {
  server = await startServer();
  browser = await launch();
  dir = mkdtempSync(path.join(tmpdir(), 'freepgt-bench-'));
});
after(async () => {
  await browser?.close();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `freepgt bench --from FILE`: the report_string line, with the run row for context. */
function native(file) {
  const out = execFileSync(cli, ['bench', '--from', file, '--repeat', String(REPEAT)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const m = out.match(/^report_string_ms ([\d.]+) bytes (\d+) fnv1a ([0-9a-f]+)$/m);
  assert.ok(m, `no report_string line in:\n${out}`);
  return { ms: Number(m[1]), result: `${m[2]} ${m[3]}`, table: out.trim() };
}

test('wasm vs native: parse + simulate + report of the max_map_count scenario', async () => {
  for (const f of Object.keys(BENCH_FILES)) {
    assert.ok(existsSync(path.join(BENCH_WASM, f)), `no ${BENCH_WASM}/${f}: run scripts/bench-wasm.sh`);
  }
  const { page, context, errors } = await openPage(browser, server.url);
  // The benchmark module is served beside the app's page (not written into dist/).
  await page.route('**/bench-wasm/*', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    if (!BENCH_FILES[name]) return route.fulfill({ status: 404 });
    return route.fulfill({ status: 200, contentType: BENCH_FILES[name], body: readFileSync(path.join(BENCH_WASM, name)) });
  });
  await page.evaluate(async () => {
    const m = await import(new URL('bench-wasm/freepgt_wasm_bench.js', location.href).href);
    await m.default();
    window.freepgtBench = m;
  });
  const rows = [];
  for (const arch of ARCHES) {
    const file = path.join(dir, `${arch}.txt`);
    execFileSync(cli, ['bench', '--arch', arch, '--write-scenario', file]);
    const nat = native(file);
    console.log(nat.table);
    const text = readFileSync(file, 'utf8');
    // Served beside the app (not written into dist/): the page fetches it like any asset.
    await page.route('**/bench-scenario.txt', (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: text }));
    const wasm = await page.evaluate(async (repeat) => {
      const run = window.freepgtBench.freepgtBenchReport;
      const text = await (await fetch('bench-scenario.txt')).text();
      let best = Infinity;
      let result = '';
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        result = run(text);
        best = Math.min(best, performance.now() - t0);
      }
      return { ms: best, result };
    }, REPEAT);
    await page.unroute('**/bench-scenario.txt');
    assert.equal(wasm.result, nat.result, `${arch}: wasm and native reports differ`);
    rows.push({ arch, wasm: wasm.ms, native: nat.ms, lines: text.split('\n').length - 1 });
  }
  console.log(`wasm vs native (best of ${REPEAT}; parse + simulate + report into a string; target ratio <= 1.5):`);
  for (const r of rows) {
    console.log(`  ${r.arch.padEnd(8)} ${r.lines} lines: wasm ${r.wasm.toFixed(1)} ms, native ${r.native.toFixed(1)} ms, wasm/native ${(r.wasm / r.native).toFixed(2)}x`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
