// End-to-end tests in a real VS Code (code-server + Debian's Chromium), in one code-server session:
//  1. the mocha suite in test/e2e runs inside the extension host (extensionTestsPath);
//  2. the workbench is reopened with the extension loaded and test/e2e/ui.mjs checks what a
//     person sees, taking screenshots;
//  3. it is reopened with workspace trust on, so the folder opens in Restricted Mode, and
//     test/e2e/restricted.mjs checks the extension stays enabled and its views work there;
//  4. the workbench is reopened once more with the extension's browser build in the web worker
//     extension host, and test/e2e/web.mjs checks it works there and analyses in a Web Worker.
// Usage: node scripts/e2e.mjs [--no-build] [--screenshots DIR] [--grep TEXT] [--host-only] [--ui-only] [--restricted-only] [--web-only]
// (each --X-only picks a step; several may be given; --grep applies to the extension-host suite)
// Prints one line per test and then `e2e: N passed, N failed`; exits 1 on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir, devExtensionPath, ensureEnv, launchChromium, repoRoot, packageVsix, samplePath, startCodeServer } from './vscode-env.mjs';

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const flag = (name) => argv.includes(name);
const shotsDir = resolve(repoRoot, opt('--screenshots') ?? 'test-artifacts');
const artifacts = resolve(repoRoot, 'test-artifacts');
const HOST_TIMEOUT_MS = 5 * 60_000;

const results = [];
function record(name, ok, error) {
  results.push({ name, ok, error });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `\n     ${String(error).split('\n').join('\n     ')}`}`);
}
async function check(name, fn) {
  try {
    await fn();
    record(name, true);
  } catch (e) {
    record(name, false, e?.message ?? e);
  }
}

/**
 * check() for the checks on one page: a failure also saves a screenshot
 * (`<prefix>failed-N.png`) and presses Escape, so a dialog it left open does not fail the next.
 */
function pageCheck(page, prefix) {
  let failures = 0;
  return async (name, fn) => {
    const before = results.filter((r) => !r.ok).length;
    await check(name, fn);
    if (results.filter((r) => !r.ok).length > before) {
      await page.screenshot({ path: join(artifacts, `${prefix}failed-${++failures}.png`) }).catch(() => {});
      await page.keyboard.press('Escape').catch(() => {});
    }
  };
}

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

/** What the engine says about the sample, for the UI checks (the extension must agree). */
async function expectations(sample) {
  const lines = readFileSync(sample, 'utf8').split(/\r?\n/);
  const byFlag = (re) => {
    const i = lines.findIndex((l) => re.test(l));
    return i >= 0 ? i + 1 : null;
  };
  const expect = {
    synLine: byFlag(/Flags \[S\]/),
    rstLine: byFlag(/Flags \[R/),
    connections: [],
    handshake: null,
    hover: null,
    otherLine: null,
  };
  const entry = join(repoRoot, 'src', 'trace', 'index.ts');
  if (!existsSync(entry)) {
    console.log('note: src/trace/index.ts missing; UI checks needing the engine will fail');
    return { expect, lines };
  }
  const esbuild = await import('esbuild');
  const outfile = join(cacheDir, 'engine-for-e2e.cjs');
  await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
  const { createRequire } = await import('node:module');
  const engine = createRequire(import.meta.url)(outfile);
  const trace = engine.analyzeText(lines.join('\n'));
  expect.connections = trace.connections.map((c) => ({ client: c.client, server: c.server, clientState: c.clientState, serverState: c.serverState }));
  const c = trace.connections.find((x) => x.handshake.complete && x.handshake.synLine && x.handshake.synAckLine);
  if (c) {
    const h = c.handshake;
    expect.handshake = { synLine: h.synLine, synAckLine: h.synAckLine, clientIsn: h.clientIsn, serverIsn: h.serverIsn, rttMs: h.rttMs };
    expect.synLine = h.synLine;
    const p = trace.packet(trace.packetAtLine(h.synAckLine));
    if (p.after.client && p.after.server) expect.hover = { line: h.synAckLine, client: p.after.client, server: p.after.server };
    const other = trace.connections.find((x) => x.id !== c.id);
    expect.otherLine = other ? other.lastLine : c.lastLine;
  }
  for (let i = 0; i < trace.packetCount; i++) {
    const p = trace.packet(i);
    if (p.flagBits & 4) { expect.rstLine = p.line; break; }
  }
  // The Graphs tab on a real capture with retransmissions (nDPI's whatsappfiles.pcap, see
  // test/fixtures/realworld/SOURCES.md): its first connection, the lines of its retransmissions.
  const graphsFile = join(repoRoot, 'test', 'fixtures', 'realworld', 'ndpi-whatsappfiles.tcpdump');
  if (existsSync(graphsFile)) {
    const g = engine.analyzeText(readFileSync(graphsFile, 'utf8'));
    const packets = g.packetsOf(0).map((i) => g.packet(i));
    expect.graphs = {
      source: graphsFile,
      name: 'whatsappfiles.tcpdump',
      line: packets[99].line,
      retransmissionLines: packets.filter((p) => p.events.includes('retransmission')).map((p) => p.line),
    };
  }
  // A connection held back by its receiver's window (a loopback capture with the kernel's
  // figures): its verdict, and a packet in the middle of its longest stall to hover.
  const slowFile = join(repoRoot, 'test', 'fixtures', 'limits', 'limit-rwnd', 'nn.tcpdump');
  if (existsSync(slowFile)) {
    const slow = engine.analyzeText(readFileSync(slowFile, 'utf8'));
    const sc = slow.connections.reduce((a, b) => (b.packets > a.packets ? b : a));
    const limits = engine.connectionLimits(slow.columns, slow.packetIndexes(sc.id));
    const stall = limits.stalls.reduce((a, b) => (b.seconds > a.seconds ? b : a), limits.stalls[0]);
    const inside = stall ? slow.packetsOf(sc.id).map((i) => slow.packet(i)).filter((p) => p.line > stall.startLine && p.line < stall.endLine && p.after.client && p.after.server) : [];
    const p = inside[Math.floor(inside.length / 2)];
    if (p) {
      expect.slow = {
        file: slowFile,
        connection: { client: sc.client, server: sc.server },
        verdict: limits.verdict,
        stall: { startLine: stall.startLine, endLine: stall.endLine, cause: stall.cause },
        hover: { line: p.line, client: p.after.client, server: p.after.server },
      };
    }
  }
  return { expect, lines };
}

/** package.json with its %key% strings filled from package.nls.json, as VS Code shows them. */
function localized(pkg) {
  let nls = {};
  try { nls = JSON.parse(readFileSync(join(repoRoot, 'package.nls.json'), 'utf8')); } catch { /* none */ }
  const fill = (v) => (typeof v === 'string' ? v.replace(/^%(.+)%$/, (m, k) => nls[k] ?? m)
    : Array.isArray(v) ? v.map(fill)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
    : v);
  return fill(pkg);
}

async function main() {
  const t0 = Date.now();
  if (!flag('--no-build')) {
    sh(process.execPath, ['esbuild.mjs']);
    sh(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json']);
  }
  const hostEntry = join(repoRoot, 'out', 'test', 'e2e', 'index.js');
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
    record('build: dist/extension.js exists', false, 'no extension bundle (src/editor/extension.ts missing or failed to build)');
    return;
  }
  if (!existsSync(hostEntry)) {
    record('build: out/test/e2e/index.js exists', false, 'tsc -p tsconfig.test.json did not produce it');
    return;
  }
  await ensureEnv();
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(shotsDir, { recursive: true });

  const sample = samplePath();
  const ws = mkdtempSync(join(cacheDir, 'ws-'));
  const wsSample = join(ws, 'sample.tcpdump');
  const original = readFileSync(sample);
  writeFileSync(wsSample, original);
  const resultsFile = join(ws, '..', `${ws.split('/').pop()}-results.json`);
  const { expect, lines } = await expectations(wsSample);

  // The Restricted Mode step runs the extension as packaged and installed, not the development
  // copy: VS Code never disables an extension under development, whatever its manifest says.
  const onlySteps = ['--host-only', '--ui-only', '--restricted-only', '--web-only'].filter(flag);
  const vsix = !onlySteps.length || flag('--restricted-only') ? packageVsix(join(cacheDir, 'tcp-trace-inspector-e2e.vsix')) : null;
  const server = await startCodeServer({ folder: ws, smokeDriver: true, workspaceTrust: true, install: vsix ? [vsix] : [], env: { TCP_TRACE_E2E_RESULTS: resultsFile } });
  const browser = await launchChromium();
  const consoleLog = [];
  try {
    const dev = ['extensionDevelopmentPath', server.remote(devExtensionPath())];
    const runHost = !onlySteps.length || flag('--host-only');
    const runUi = !onlySteps.length || flag('--ui-only');
    const runRestricted = vsix !== null;
    const runWeb = !onlySteps.length || flag('--web-only');
    const pkg = localized(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')));

    if (runHost) {
      const page = await browser.context.newPage();
      page.on('console', (m) => consoleLog.push(`[host-run ${m.type()}] ${m.text()}`));
      page.on('requestfailed', (r) => consoleLog.push(`[host-run request failed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
      let exited;
      const exit = new Promise((res) => { exited = res; });
      await page.exposeFunction('codeAutomationExit', (code) => exited(code));
      const env = { TCP_TRACE_E2E_RESULTS: resultsFile };
      if (opt('--grep')) env.TCP_TRACE_E2E_GREP = opt('--grep');
      const payload = [dev, ['extensionTestsPath', server.remote(hostEntry)], ['extensionEnvironment', JSON.stringify(env)]];
      const th = Date.now();
      await page.goto(server.open(ws, payload));
      const code = await Promise.race([exit, new Promise((res) => setTimeout(() => res('timeout'), HOST_TIMEOUT_MS))]);
      let report = null;
      try { report = JSON.parse(readFileSync(resultsFile, 'utf8')); } catch { /* none written */ }
      for (const r of report?.results ?? []) {
        if (r.state !== 'pending') record(`host: ${r.title}`, r.state === 'passed', r.error);
      }
      if (code === 'timeout') record('host: suite finished', false, `no exit within ${HOST_TIMEOUT_MS / 1000} s`);
      else if (!report?.done) record('host: suite ran', false, `extension host exited with ${code} before the suite finished; see test-artifacts/code-server.log`);
      else if (code !== 0 && report.failed === 0) record('host: extension host exit code', false, `exit code ${code}`);
      console.log(`(extension-host suite: ${((Date.now() - th) / 1000).toFixed(1)} s)`);
      await page.screenshot({ path: join(artifacts, 'host-run.png') }).catch(() => {});
      await page.close();
    }

    if (runUi) {
      const tu = Date.now();
      const page = await browser.context.newPage();
      page.on('console', (m) => consoleLog.push(`[ui ${m.type()}] ${m.text()}`));
      page.on('requestfailed', (r) => consoleLog.push(`[ui request failed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
      const { runTourChecks, runUiChecks } = await import(pathToFileURL(join(repoRoot, 'test', 'e2e', 'ui.mjs')).href);
      await page.goto(server.open(ws, [dev, ['openFile', server.remote(wsSample)]]));
      /** A picture of the window, or of one element (`of`, a locator) when given. */
      const shot = async (name, of) => {
        if (of) {
          await of.screenshot({ path: join(shotsDir, `${name}.png`) }).catch((e) => console.log(`screenshot ${name}: ${e.message}`));
          return;
        }
        // Park the mouse on the status bar's empty middle so no stray tooltip (such as the
        // tab's file path) shows; the hover shot keeps its hover.
        if (!name.endsWith('hover')) {
          const vp = page.viewportSize();
          if (vp) await page.mouse.move(vp.width / 2, vp.height - 8);
          await page.waitForTimeout(300);
        }
        await page.screenshot({ path: join(shotsDir, `${name}.png`) }).catch((e) => console.log(`screenshot ${name}: ${e.message}`));
      };
      // Workspace settings, which the workbench reads again when the file changes; removed at the end.
      const settingsFile = join(ws, '.vscode', 'settings.json');
      const setSettings = (values) => {
        if (!values) return rmSync(join(ws, '.vscode'), { recursive: true, force: true });
        mkdirSync(join(ws, '.vscode'), { recursive: true });
        writeFileSync(settingsFile, JSON.stringify(values, null, 2));
      };
      try {
        await runUiChecks({ page, expect, lines, pkg, check: pageCheck(page, ''), shot, setSettings, ws });
      } finally {
        setSettings(null);
      }
      await runTourChecks({ page, pkg, check: pageCheck(page, ''), shot });
      const after = readFileSync(wsSample);
      await check('ui: the sample file is unchanged on disk', async () => {
        if (!after.equals(original)) throw new Error('sample.tcpdump was modified');
      });
      console.log(`(UI checks: ${((Date.now() - tu) / 1000).toFixed(1)} s)`);
      await page.close();
      // The theme checks end on Dark Modern, but the workbench does not always save that last
      // switch before its page closes, and the next workbenches would open in High Contrast.
      server.updateSettings({ 'workbench.colorTheme': 'Default Dark Modern' });
    }

    if (runRestricted) {
      const tr = Date.now();
      const { restrictedSettings, runRestrictedChecks, trustedSettings } = await import(pathToFileURL(join(repoRoot, 'test', 'e2e', 'restricted.mjs')).href);
      // Read when a workbench opens: this one opens the folder untrusted; the next one trusts again.
      server.updateSettings(restrictedSettings());
      const page = await browser.context.newPage();
      page.on('console', (m) => consoleLog.push(`[restricted ${m.type()}] ${m.text()}`));
      page.on('requestfailed', (r) => consoleLog.push(`[restricted request failed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
      await page.goto(server.open(ws, [['openFile', server.remote(wsSample)]]));
      await runRestrictedChecks({ page, expect, lines, pkg, check: pageCheck(page, 'restricted-') });
      await page.screenshot({ path: join(artifacts, 'restricted.png') }).catch(() => {});
      console.log(`(Restricted Mode checks: ${((Date.now() - tr) / 1000).toFixed(1)} s)`);
      await page.close();
      server.updateSettings(trustedSettings());
    }

    if (runWeb) {
      const tw = Date.now();
      const { runWebChecks, webSettings } = await import(pathToFileURL(join(repoRoot, 'test', 'e2e', 'web.mjs')).href);
      // Read when a workbench opens: the pages above are closed, the next one runs the browser build.
      server.updateSettings(webSettings(pkg));
      const page = await browser.context.newPage();
      page.on('console', (m) => consoleLog.push(`[web ${m.type()}] ${m.text()}`));
      page.on('requestfailed', (r) => consoleLog.push(`[web request failed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
      await page.goto(server.open(ws, [dev, ['openFile', server.remote(wsSample)]]));
      await runWebChecks({ page, expect, pkg, authority: server.authority, check: pageCheck(page, 'web-') });
      await page.screenshot({ path: join(artifacts, 'web.png') }).catch(() => {});
      console.log(`(web worker extension host checks: ${((Date.now() - tw) / 1000).toFixed(1)} s)`);
      await page.close();
    }
  } finally {
    writeFileSync(join(artifacts, 'workbench-console.log'), consoleLog.join('\n'));
    writeFileSync(join(artifacts, 'code-server.log'), server.log());
    await browser.close();
    await server.stop();
    rmSync(ws, { recursive: true, force: true });
    rmSync(resultsFile, { force: true });
    console.log(`(e2e total: ${((Date.now() - t0) / 1000).toFixed(1)} s; logs and screenshots in ${artifacts})`);
  }
}

try {
  await main();
} catch (e) {
  record('e2e harness', false, e?.stack ?? e);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed || !results.length ? 1 : 0);
