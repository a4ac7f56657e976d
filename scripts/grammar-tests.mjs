#!/usr/bin/env node
// Grammar tests for syntaxes/tcpdump.tmLanguage.json:
//  1. vscode-tmgrammar-test on test/grammar/*.test.tcpdump (one check per assertion line);
//  2. every line of every tcpdump corpus .out file is tokenised; each TCP line must get
//     address, port and flag (or -q "tcp") scopes (one check per file; a missing corpus fails);
//  3. two 1 MB lines must tokenise within GRAMMAR_PERF_LIMIT_MS (default 20000).
// Corpus: test/fixtures/tcpdump-tests (vendored), or $TCPDUMP_CORPUS when set.
// Last line printed: "grammar: N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const grammarPath = path.join(root, 'syntaxes', 'tcpdump.tmLanguage.json');
const testDir = path.join(root, 'test', 'grammar');
const perfLimitMs = Number(process.env.GRAMMAR_PERF_LIMIT_MS) || 20000;

let passed = 0;
let failed = 0;
const fail = (msg) => { failed++; console.log(`FAIL ${msg}`); };

// 1. vscode-tmgrammar-test
function runUnitTests() {
  const files = existsSync(testDir) ? readdirSync(testDir).filter((f) => f.endsWith('.test.tcpdump')) : [];
  if (files.length === 0) return fail(`no grammar test files in ${path.relative(root, testDir)}`);
  let assertions = 0;
  for (const f of files) {
    for (const line of readFileSync(path.join(testDir, f), 'utf8').split(/\r?\n/)) {
      if (/^#\s*(\^|<~*-+)/.test(line)) assertions++;
    }
  }
  const bin = require.resolve('vscode-tmgrammar-test/dist/unit.js');
  const r = spawnSync(process.execPath, [bin, '-c', '-g', grammarPath, 'test/grammar/*.test.tcpdump'], {
    cwd: root,
    encoding: 'utf8',
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const errors = out.split('\n').filter((l) => l.startsWith('ERROR'));
  for (const e of errors) console.log(`FAIL ${e}`);
  let bad = Math.min(errors.length, assertions);
  if (r.status !== 0 && bad === 0) {
    console.log(out.trim());
    bad = 1;
  }
  failed += bad;
  passed += Math.max(assertions - bad, 0);
  console.log(`tmgrammar-test: ${files.length} files, ${assertions} assertion lines, ${bad} failed`);
}

// Grammar loading for checks 2 and 3.
// vscode-textmate and vscode-oniguruma come with vscode-tmgrammar-test (hoisted or nested).
function resolveDep(name) {
  const nested = path.join(path.dirname(require.resolve('vscode-tmgrammar-test/dist/unit.js')), '..');
  return require.resolve(name, { paths: [root, nested] });
}

async function loadGrammar() {
  const tm = require(resolveDep('vscode-textmate'));
  const onigPath = resolveDep('vscode-oniguruma');
  const onig = require(onigPath);
  const wasm = readFileSync(path.join(path.dirname(onigPath), 'onig.wasm'));
  await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new tm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new onig.OnigScanner(p),
      createOnigString: (s) => new onig.OnigString(s),
    }),
    loadGrammar: async () => tm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  return { tm, grammar: await registry.loadGrammar('source.tcpdump') };
}

// 2. corpus
const FLAGS_LINE = /\S+\.\w+ > \S+\.\w+: Flags \[([^\]]*)\]/;
const QUIET_LINE = /\S+\.\w+ > \S+\.\w+: tcp \d+/;
const TRUNC_LINE = /\S+ > \S+: {2}\[\|tcp\]/;
const PORTS_ONLY_LINE = /(?:^|\s)\d+ > \d+: Flags \[([^\]]*)\]/; // after an IPv6 extension header
const FLAG_SCOPE = /\.flag\.(syn|fin|rst|psh|ack|urg|ece|cwr|ae|none)\.tcpdump$/;

function checkTcpLine(line, tokens) {
  const toks = tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  const has = (side, re) => toks.some((t) => t.scopes.includes(`meta.endpoint.${side}.tcpdump`) && t.scopes.some((s) => re.test(s)));
  const problems = [];
  const address = /^variable\.other\.address\./;
  const port = /^constant\.(numeric\.integer|language)\.port\./;
  const portsOnly = !FLAGS_LINE.test(line) && PORTS_ONLY_LINE.test(line);
  for (const side of ['source', 'destination']) {
    if (!portsOnly && !has(side, address)) problems.push(`no ${side} address scope`);
  }
  const flags = FLAGS_LINE.exec(line) ?? PORTS_ONLY_LINE.exec(line);
  const quiet = !flags && QUIET_LINE.test(line);
  if (flags || quiet) {
    for (const side of ['source', 'destination']) if (!has(side, port)) problems.push(`no ${side} port scope`);
  }
  if (flags) {
    const scoped = toks.filter((t) => t.scopes.some((s) => FLAG_SCOPE.test(s))).map((t) => t.text).join('');
    if (!scoped.includes(flags[1])) problems.push(`flags "${flags[1]}" not scoped (got "${scoped}")`);
  } else if (quiet) {
    if (!toks.some((t) => t.scopes.includes('storage.type.protocol.tcp.tcpdump'))) problems.push('no -q "tcp" scope');
  } else if (!toks.some((t) => t.scopes.includes('invalid.illegal.truncated.tcpdump'))) {
    problems.push('no truncation scope');
  }
  return problems;
}

function listOutFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listOutFiles(p));
    else if (name.endsWith('.out')) out.push(p);
  }
  return out;
}

function runCorpus(tm, grammar) {
  const dir = process.env.TCPDUMP_CORPUS
    ? path.resolve(process.env.TCPDUMP_CORPUS)
    : path.join(root, 'test', 'fixtures', 'tcpdump-tests');
  if (!existsSync(dir)) return fail(`corpus not found: ${dir} (set TCPDUMP_CORPUS)`);
  const files = listOutFiles(dir);
  if (files.length === 0) return fail(`corpus has no .out files: ${dir}`);
  let lines = 0;
  let tcpLines = 0;
  for (const file of files) {
    const rel = path.relative(dir, file);
    const problems = [];
    let stack = tm.INITIAL;
    const text = readFileSync(file, 'utf8').split(/\r?\n/);
    text.forEach((line, i) => {
      lines++;
      try {
        const r = grammar.tokenizeLine(line, stack);
        stack = r.ruleStack;
        if (r.stoppedEarly) problems.push(`${rel}:${i + 1}: tokenisation stopped early`);
        if ([FLAGS_LINE, QUIET_LINE, TRUNC_LINE, PORTS_ONLY_LINE].some((re) => re.test(line))) {
          tcpLines++;
          for (const p of checkTcpLine(line, r.tokens)) problems.push(`${rel}:${i + 1}: ${p}`);
        }
      } catch (e) {
        problems.push(`${rel}:${i + 1}: threw ${e?.message ?? e}`);
        stack = tm.INITIAL;
      }
    });
    if (problems.length === 0) passed++;
    else fail(`${rel}: ${problems.length} problem(s)\n  ${problems.slice(0, 5).join('\n  ')}`);
  }
  console.log(`corpus: ${files.length} files, ${lines} lines, ${tcpLines} TCP lines checked`);
}

// 3. long lines
function runPerf(tm, grammar) {
  const MB = 1 << 20;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  let garbage = '';
  while (garbage.length < MB) garbage += String.fromCharCode(32 + Math.floor(rnd() * 95));
  const prefix = '03:57:35.938066 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [S], seq 1, win 2, ';
  const cases = [
    ['1 MB garbage line', '03:57:35.938066 IP ' + garbage],
    ['1 MB options [nop,...] line', prefix + 'options [' + 'nop,'.repeat(MB / 4) + 'nop], length 0'],
  ];
  for (const [name, line] of cases) {
    const t0 = performance.now();
    grammar.tokenizeLine(line, tm.INITIAL);
    const ms = Math.round(performance.now() - t0);
    if (ms > perfLimitMs) fail(`${name}: ${ms} ms > ${perfLimitMs} ms`);
    else passed++;
    console.log(`perf: ${name}: ${ms} ms`);
  }
}

try {
  runUnitTests();
  const { tm, grammar } = await loadGrammar();
  runCorpus(tm, grammar);
  runPerf(tm, grammar);
} catch (e) {
  fail(`grammar tests crashed: ${e?.stack ?? e}`);
}
console.log(`grammar: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
