// Shared helpers for the browser tests: a static server for dist/, Chromium via
// playwright-core (never a browser download), error collection and the CLI oracle.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const dist = process.env.FREEPGT_DIST || path.join(root, 'dist');
export const artifacts = path.join(here, 'artifacts');
export const cli = process.env.FREEPGT_CLI || path.join(root, 'target/cli/freepgt');

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Serves dist/ with python's http.server on a free port; resolves when it answers. */
export async function startServer() {
  if (!existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`no ${dist}/index.html: run \`trunk build --release\` first`);
  }
  const port = await freePort();
  const proc = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dist], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(url);
      if (r.ok) return { url, stop: () => proc.kill() };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('http.server did not start');
}

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/** A page that records console errors and page errors into `errors`. */
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 }, colorScheme = 'light', clear = true, ready: isApp = true } = {}) {
  const context = await browser.newContext({ viewport, colorScheme });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`requestfailed: ${r.url()}`));
  await page.goto(url);
  if (!isApp) return { page, context, errors };
  await ready(page);
  if (clear) {
    await page.evaluate(() => localStorage.clear());
  }
  return { page, context, errors };
}

export async function ready(page) {
  await page.waitForFunction(() => window.freepgtApp && window.freepgtApp.state() !== null);
}

export const state = (page) => page.evaluate(() => window.freepgtApp.state());

/** Waits until the scenario revision moves past `rev`. */
export async function waitRevision(page, rev) {
  await page.waitForFunction((r) => window.freepgtApp.state().revision > r, rev);
  return state(page);
}

/** Runs `fn` (which should change the scenario) and waits for the new state. */
export async function changes(page, fn) {
  const before = await state(page);
  await fn();
  return waitRevision(page, before.revision);
}

/** The CLI's report for a scenario text: the oracle the app must equal. */
export function cliReport(text) {
  if (!existsSync(cli)) throw new Error(`no CLI at ${cli}: cargo build --profile cli -p freepgt-cli`);
  return execFileSync(cli, ['run', '--visits', '--orphans', '-'], { input: text, encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** The lines the last command of a report printed after its echo. */
export function lastBlock(report) {
  const lines = report.trimEnd().split('\n');
  let i = lines.length - 1;
  while (i >= 0 && !lines[i].startsWith('> ')) i--;
  return lines.slice(i + 1);
}

export async function applyText(page, text) {
  return changes(page, async () => {
    await page.fill('#scenario-text', text);
    await page.click('#apply-text');
  });
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The middle value of `xs` (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Main-thread CPU in ms of Chromium trace `events` (their `tdur`, thread time), an event
 * nested in another one counted once (the outermost): the figure a busy machine hardly moves.
 */
export function traceCpuMs(events) {
  let ms = 0;
  let end = -1;
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ts < end) continue;
    ms += e.tdur / 1000;
    end = e.ts + e.dur;
  }
  return ms;
}
