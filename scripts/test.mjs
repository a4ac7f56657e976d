// `npm test [suite...]`: builds, then runs the suites in order and sums their counts.
//   unit     tsc -p tsconfig.test.json, then mocha over out/test/unit/**/*.test.js
//   grammar  node scripts/grammar-tests.mjs            (last line `grammar: N passed, N failed`)
//   webview  node scripts/webview-tests.mjs            (the panel in Chromium)
//   e2e      node scripts/e2e.mjs                      (the extension in code-server)
// The last line printed is `N passed, N failed` over all suites run; a suite that crashes or
// prints no counts counts as at least one failure. Exit code 1 when anything failed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { preflight, SUITE_NEEDS } from './preflight.mjs';
import { repoRoot } from './vscode-env.mjs';

const SUITES = ['unit', 'grammar', 'webview', 'e2e'];
const TIMEOUT_MS = { unit: 10 * 60_000, grammar: 5 * 60_000, webview: 5 * 60_000, e2e: 20 * 60_000 };

const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = asked.filter((a) => !SUITES.includes(a));
if (unknown.length) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  process.exit(2);
}
const selected = asked.length ? SUITES.filter((s) => asked.includes(s)) : SUITES;
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const mochaBin = join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** Runs a command, echoing its output, and returns { code, out }. Kills its process group on timeout. */
function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    const onData = (stream) => (d) => {
      out += d;
      stream.write(d);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timer = setTimeout(() => {
      out += `\n(timed out after ${timeoutMs / 1000} s)\n`;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), out });
    });
  });
}

/** The last `N passed, N failed` line of a suite's output (with or without a `name:` prefix). */
function lastCounts(out) {
  const lines = out.split(/\r?\n/).reverse();
  for (const l of lines) {
    const m = /^(?:[\w-]+:\s*)?(\d+) passed, (\d+) failed\b/.exec(l.trim());
    if (m) return { passed: Number(m[1]), failed: Number(m[2]) };
  }
  return null;
}

/** Mocha's spec reporter: `N passing`, `N failing`. */
function mochaCounts(out) {
  const passing = /^\s*(\d+) passing/m.exec(out);
  const failing = /^\s*(\d+) failing/m.exec(out);
  if (!passing && !failing) return null;
  return { passed: Number(passing?.[1] ?? 0), failed: Number(failing?.[1] ?? 0) };
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const summary = [];
function note(suite, counts, extra = '') {
  summary.push({ suite, ...counts, extra });
}

async function suiteUnit() {
  console.log('$ tsc -p tsconfig.test.json');
  const t = await run(process.execPath, [tsc, '-p', 'tsconfig.test.json'], TIMEOUT_MS.unit);
  let typeErrors = t.code === 0 ? 0 : 1;
  // The engine alone, with no ambient types: a use of node, vscode or the DOM there fails.
  console.log('$ tsc -p src/trace/tsconfig.json');
  const engine = await run(process.execPath, [tsc, '-p', join('src', 'trace', 'tsconfig.json')], TIMEOUT_MS.unit);
  if (engine.code !== 0) typeErrors++;
  const files = findTests(join(repoRoot, 'out', 'test', 'unit'));
  if (!files.length) {
    if (typeErrors) note('unit', { passed: 0, failed: 1 }, 'tsc failed; no unit tests');
    else note('unit', null, 'skipped: no out/test/unit/**/*.test.js');
    return;
  }
  console.log(`$ mocha (${files.length} files)`);
  // mocha's 2 s default stops tests that only wait for a core on a loaded machine; a test
  // that hangs is still stopped, and the whole run has TIMEOUT_MS.unit.
  const r = await run(process.execPath, [mochaBin, '--reporter', 'spec', '--no-colors', '--timeout', '30000', ...files.map((f) => relative(repoRoot, f))], TIMEOUT_MS.unit);
  let c = mochaCounts(r.out);
  if (!c) c = { passed: 0, failed: 1 };
  else if (r.code !== 0 && c.failed === 0) c.failed = 1;
  c.failed += typeErrors;
  note('unit', c, typeErrors ? `tsc reported errors (counted as ${typeErrors} failure${typeErrors > 1 ? 's' : ''})` : '');
}

async function suiteScript(name, script, args = []) {
  if (!existsSync(join(repoRoot, script))) {
    note(name, null, `skipped: ${script} does not exist yet`);
    return;
  }
  console.log(`$ node ${script} ${args.join(' ')}`);
  const r = await run(process.execPath, [script, ...args], TIMEOUT_MS[name]);
  let c = lastCounts(r.out);
  let extra = '';
  if (!c) {
    c = { passed: 0, failed: 1 };
    extra = `crashed (exit ${r.code}, no counts printed)`;
  } else if (r.code !== 0 && c.failed === 0) {
    c.failed = 1;
    extra = `exit ${r.code} with no failure counted`;
  }
  note(name, c, extra);
}

// The Debian packages the chosen suites use (installed as root; otherwise one line, exit 1).
preflight([...new Set(selected.flatMap((s) => SUITE_NEEDS[s]))], { why: `npm test ${selected.join(' ')}` });

const t0 = Date.now();
console.log(`$ node esbuild.mjs`);
const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) note('build', { passed: 0, failed: 1 }, 'node esbuild.mjs failed');
if (selected.includes('e2e') && !selected.includes('unit')) {
  spawnSync(process.execPath, [tsc, '-p', 'tsconfig.test.json'], { cwd: repoRoot, stdio: 'inherit' });
}

for (const s of selected) {
  const ts = Date.now();
  console.log(`\n=== ${s} ===`);
  try {
    if (s === 'unit') await suiteUnit();
    else if (s === 'grammar') await suiteScript('grammar', 'scripts/grammar-tests.mjs');
    else if (s === 'webview') await suiteScript('webview', 'scripts/webview-tests.mjs', ['--no-build']);
    else if (s === 'e2e') await suiteScript('e2e', 'scripts/e2e.mjs', ['--no-build']);
  } catch (e) {
    note(s, { passed: 0, failed: 1 }, `runner error: ${e?.message ?? e}`);
  }
  const last = summary[summary.length - 1];
  if (last) last.seconds = ((Date.now() - ts) / 1000).toFixed(1);
}

let passed = 0;
let failed = 0;
console.log('\n=== summary ===');
for (const s of summary) {
  if (s.passed === undefined) {
    console.log(`${s.suite.padEnd(8)} ${s.extra}`);
    continue;
  }
  passed += s.passed;
  failed += s.failed;
  console.log(`${s.suite.padEnd(8)} ${s.passed} passed, ${s.failed} failed${s.seconds ? ` (${s.seconds} s)` : ''}${s.extra ? ` - ${s.extra}` : ''}`);
}
console.log(`(total ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
