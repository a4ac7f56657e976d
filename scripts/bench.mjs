// `npm run bench`: times the CLI's full analysis of a large real capture (its text, and the
// capture itself) against tcpdump printing it, tcptrace's analysis of it (brief, and long with
// RTT), tshark's TCP conversation table and `wc -l`, and checks the engine's targets. The CLI
// is also timed with TCP_TRACE_THREADS=1 (no scanning thread) for comparison.
//
//   node scripts/bench.mjs [--runs N] [--big] [--no-scaling] [--no-tshark] [--no-tcptrace]
//
// The capture (about 770,000 packets, 125 MB of `tcpdump -nn` text) is made once by
// scripts/bench/make-capture.sh, which needs root, and kept in bench/cache/ (git-ignored).
// Tools are run in rounds, the order rotating each round; ratios are the median over rounds
// of two times from the same round. The machine's load average is printed because other work
// on the machine shows in the times. --big also analyses a trace of about 1 GB (eight shifted
// copies of the capture).
// This is a measurement, not a test: it prints PASS or MISS against each target and exits 0.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { stealMeter } from './bench/steal.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fresh, headLines, shiftedCopies } from './bench/inputs.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const cache = join(repo, 'bench', 'cache');
const pcap = join(cache, 'big.pcap');
const text = join(cache, 'big.tcpdump');
const cli = join(repo, 'dist', 'cli.js');
/**
 * Node and the CLI as its bin starts them: with the flags of its first line
 * (`#!/usr/bin/env -S node ...`). Read once, after buildIfStale().
 */
let cliCommand;
const runCli = () => (cliCommand ??= [process.execPath, ...readFileSync(cli, 'utf8').slice(0, 200).split('\n')[0].split(/\s+/).filter((w) => w.startsWith('--')), cli]);

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = option('--runs', 5);
const TSHARK_RUNS = Math.max(1, Math.min(RUNS, 3));

// Targets.
const TCPDUMP_RATIO = 4; // the analysis takes at most 1/4 of tcpdump's time to print
const TSHARK_RATIO = 15; // and is at least 15x faster than tshark -z conv,tcp
const RSS_RATIO = 2; // peak RSS at most 2x the size of the text
const LINEAR_SLACK = 1.25; // cost per MB at the largest size within 1.25x of the 1x cost

const MB = 1e6;
const fmtS = (ms) => `${(ms / 1000).toFixed(2)} s`;
const fmtMB = (bytes) => `${(bytes / MB).toFixed(0)} MB`;
const mark = (ok) => (ok ? 'PASS' : 'MISS');

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || null;
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.split('\n').find((l) => l.trim()) ?? '?';
}

/** Builds dist/ when a source file is newer than dist/cli.js. */
function buildIfStale() {
  const newest = (dir) => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(repo, 'src'))) return;
  console.log('building dist/ (sources changed)');
  execFileSync(process.execPath, [join(repo, 'esbuild.mjs')], { cwd: repo, stdio: 'inherit' });
}

/** Makes the capture and its text when missing. */
function ensureCapture() {
  if (existsSync(pcap) && existsSync(text)) return;
  const missing = ['unshare', 'ip', 'tcpdump', 'python3'].filter((c) => !which(c));
  if (missing.length) throw new Error(`making the capture needs: ${missing.join(', ')}`);
  if (process.getuid?.() !== 0) throw new Error('making the capture needs root (it uses a private network namespace): sudo npm run bench');
  console.log('making the capture (about a minute)...');
  mkdirSync(cache, { recursive: true });
  execFileSync('bash', [join(repo, 'scripts', 'bench', 'make-capture.sh'), cache], { stdio: 'inherit' });
}

function ensureInputs(big) {
  const inputs = [
    { name: '1/4', file: join(cache, 'quarter.tcpdump'), make: (f) => headLines(text, f, 0.25) },
    { name: '1/2', file: join(cache, 'half.tcpdump'), make: (f) => headLines(text, f, 0.5) },
    { name: '1x', file: text },
    { name: '4x', file: join(cache, 'x4.tcpdump'), make: (f) => shiftedCopies(text, f, 4) },
  ];
  if (big) inputs.push({ name: '8x', file: join(cache, 'x8.tcpdump'), make: (f) => shiftedCopies(text, f, 8) });
  for (const i of inputs) {
    if (i.make && !fresh(i.file, text)) {
      console.log(`making the ${i.name} trace...`);
      i.make(i.file);
    }
    i.bytes = statSync(i.file).size;
  }
  return inputs;
}

const gnuTime = (() => {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', '/dev/null', 'true']);
  return r.status === 0;
})();
const scratch = mkdtempSync(join(tmpdir(), 'tcp-trace-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs argv with standard output and error to /dev/null; returns wall-clock ms, peak RSS in
 * bytes (GNU time's maximum resident set size, or VmHWM read from /proc while it runs) and,
 * with GNU time, the CPU time in ms (user + system, all threads).
 */
async function measure(cmd) {
  const rssFile = join(scratch, 'rss');
  const [file, ...args] = gnuTime ? ['/usr/bin/time', '-f', '%M %U %S', '-o', rssFile, ...cmd] : cmd;
  const start = process.hrtime.bigint();
  const child = spawn(file, args, { stdio: 'ignore' });
  let hwm = 0;
  const poll = gnuTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwm = Math.max(hwm, Number(m[1]) * 1024);
        } catch {
          // gone
        }
      }, 5);
  const code = await new Promise((resolve) => child.on('close', resolve));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited with ${code}`);
  if (!gnuTime) return { ms, rss: hwm, cpu: NaN };
  const [kb, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { ms, rss: kb * 1024, cpu: (user + sys) * 1000 };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs each tool `runs` times (or its own `runs`) in rounds, rotating the order every round.
 * t.byRound[r] is its result in round r.
 */
async function rounds(tools, runs) {
  for (const t of tools) t.byRound = [];
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < tools.length; k++) {
      const t = tools[(k + r) % tools.length];
      if (r >= (t.runs ?? runs)) continue;
      t.byRound[r] = await measure(t.cmd);
      process.stdout.write('.');
    }
  }
  process.stdout.write('\n');
  for (const t of tools) {
    const results = t.byRound.filter(Boolean);
    t.ms = median(results.map((x) => x.ms));
    t.min = Math.min(...results.map((x) => x.ms));
    t.rss = Math.max(...results.map((x) => x.rss));
    t.cpu = median(results.map((x) => x.cpu));
  }
}

/**
 * The median over rounds of a.ms / b.ms, each from the same round: runs next to each other
 * in time see the same load, so this drifts less than a ratio of medians when the machine is
 * busy with other work.
 */
function ratio(a, b, scale = (x) => x.ms) {
  const rs = [];
  a.byRound.forEach((x, r) => {
    const y = b.byRound[r];
    if (x && y) rs.push(scale(x, a) / scale(y, b));
  });
  return median(rs);
}

function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}

/** Packets and connections in the CLI's JSON for `file` (read from its head). */
function counts(file) {
  const [node, ...args] = runCli();
  const r = spawnSync(node, [...args, '--json', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const doc = JSON.parse(r.stdout);
  return { lines: doc.lines, packets: doc.packets, connections: doc.connections.length };
}

async function main() {
  buildIfStale();
  ensureCapture();
  const big = flag('--big');
  const inputs = ensureInputs(big);
  const textBytes = statSync(text).size;
  const c = counts(text);

  const load0 = loadavg();
  const stolen = stealMeter();
  console.log('\n## Machine\n');
  console.log(`- CPU: ${cpus().length} x ${cpus()[0]?.model ?? '?'}`);
  console.log(`- RAM: ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(`- Node ${process.version}; ${firstLine('tcpdump', ['--version'])}; ${which('tshark') ? firstLine('tshark', ['--version']) : 'tshark: not installed'}; ${which('tcptrace') ? firstLine('tcptrace', ['-v']) : 'tcptrace: not installed'}`);
  console.log(`- load average at start: ${load0.map((x) => x.toFixed(2)).join(', ')}`);
  console.log(`\n## Workload\n\n${fmtMB(textBytes)} of text (${c.lines} lines), ${c.packets} TCP packets, ${c.connections} connections; pcap ${fmtMB(statSync(pcap).size)}\n`);

  // 1. The CLI against the other tools on the same capture.
  const ours = { name: 'tcp-trace --json (full analysis)', cmd: [...runCli(), '--json', text] };
  // The same with the file read and scanned on the main thread too (no second thread).
  const oneThread = { name: 'tcp-trace --json, one thread', cmd: ['env', 'TCP_TRACE_THREADS=1', ...runCli(), '--json', text] };
  // tcpdump as the issue names it, with TZ unset (as in most shells): glibc's localtime() then
  // looks at /etc/localtime again for every packet printed, a system call each. With TZ set it
  // does not, which makes tcpdump two to three times faster here: both are timed.
  const tcpdump = { name: 'tcpdump -r big.pcap -nn (TZ unset)', cmd: ['env', '-u', 'TZ', 'tcpdump', '-r', pcap, '-nn'] };
  const tcpdumpTz = { name: 'TZ=UTC tcpdump -r big.pcap -nn', cmd: ['env', 'TZ=UTC', 'tcpdump', '-r', pcap, '-nn'] };
  const wc = { name: 'wc -l (reading the text)', cmd: ['wc', '-l', text] };
  // The capture analysed directly: its TCP segments' fields go to the analysis without text.
  const oursPcap = { name: 'tcp-trace --json big.pcap (the capture)', cmd: [...runCli(), '--json', pcap] };
  const tools = [ours, oursPcap, tcpdump, tcpdumpTz, wc, oneThread];
  let tcptrace = null;
  if (!flag('--no-tcptrace') && which('tcptrace')) {
    // tcptrace also follows every connection: -n its brief per-connection report, -l -r the long
    // one with RTT statistics. Slower than the rest here, so run as often as tshark.
    tcptrace = { name: 'tcptrace -n big.pcap', cmd: ['tcptrace', '-n', pcap], runs: TSHARK_RUNS };
    tools.push(tcptrace, { name: 'tcptrace -n -l -r big.pcap', cmd: ['tcptrace', '-n', '-l', '-r', pcap], runs: TSHARK_RUNS });
  }
  let tshark = null;
  if (!flag('--no-tshark') && which('tshark')) {
    // In a network namespace of its own, so it does no name lookups.
    const unshare = process.getuid?.() === 0 ? ['unshare', '--net'] : ['unshare', '--net', '--map-root-user'];
    tshark = { name: 'tshark -q -z conv,tcp', cmd: [...unshare, 'tshark', '-r', pcap, '-q', '-z', 'conv,tcp'], runs: TSHARK_RUNS };
    tools.push(tshark);
  }
  console.log(`## Times (median of ${RUNS} runs${tshark || tcptrace ? `, tshark and tcptrace ${TSHARK_RUNS}` : ''}; rounds rotate the order)\n`);
  await rounds(tools, RUNS);
  table(
    ['command', 'median', 'min', 'CPU (median)', 'peak RSS', 'time / ours'],
    tools.map((t) => [t.name, fmtS(t.ms), fmtS(t.min), t.cpu === t.cpu ? fmtS(t.cpu) : '?', fmtMB(t.rss), t === ours ? '1' : ratio(t, ours).toFixed(2)]),
  );
  console.log('\n(time / ours: the median over rounds of the two times in the same round; CPU: user + system time of all threads)');
  console.log(
    `\nthroughput: ${(textBytes / MB / (ours.ms / 1000)).toFixed(0)} MB/s, ${Math.round(c.packets / (ours.ms / 1000)).toLocaleString('en')} packets/s` +
      ` (wc -l: ${(textBytes / MB / (wc.ms / 1000)).toFixed(0)} MB/s)\n`,
  );
  const checks = [];
  const vsTcpdump = ratio(tcpdump, ours);
  checks.push([`analysis <= 1/${TCPDUMP_RATIO} of tcpdump's time`, `tcpdump / ours = ${vsTcpdump.toFixed(2)}`, mark(vsTcpdump >= TCPDUMP_RATIO)]);
  const vsTcpdumpTz = ratio(tcpdumpTz, ours);
  checks.push([`… of tcpdump's time with TZ=UTC`, `tcpdump / ours = ${vsTcpdumpTz.toFixed(2)}`, mark(vsTcpdumpTz >= TCPDUMP_RATIO)]);
  if (tshark) {
    const vsTshark = ratio(tshark, ours);
    checks.push([`analysis >= ${TSHARK_RATIO}x faster than tshark`, `tshark / ours = ${vsTshark.toFixed(1)}`, mark(vsTshark >= TSHARK_RATIO)]);
  }
  if (tcptrace) {
    const vsText = ratio(tcptrace, ours);
    const vsPcap = ratio(tcptrace, oursPcap);
    checks.push([`analysis of the text no slower than tcptrace -n`, `tcptrace / ours = ${vsText.toFixed(2)}`, mark(vsText >= 1)]);
    checks.push([`analysis of the capture no slower than tcptrace -n`, `tcptrace / ours = ${vsPcap.toFixed(2)}`, mark(vsPcap >= 1)]);
  }
  checks.push([`peak RSS <= ${RSS_RATIO}x the text`, `${fmtMB(ours.rss)} / ${fmtMB(textBytes)} = ${(ours.rss / textBytes).toFixed(2)}`, mark(ours.rss <= RSS_RATIO * textBytes)]);

  // 2. Scaling: the same analysis on 1/4, 1/2, 1x, 4x (and 8x with --big) of the workload.
  if (!flag('--no-scaling')) {
    console.log(`## Scaling (median of ${RUNS} runs per size)\n`);
    const sized = inputs.map((i) => ({ ...i, cmd: [...runCli(), '--json', i.file], runs: i.bytes > 600 * MB ? Math.min(RUNS, 3) : RUNS }));
    await rounds(sized, RUNS);
    const one = sized.find((s) => s.name === '1x');
    // Cost per MB relative to 1x, from runs in the same round.
    const perMb = (x, s) => x.ms / (s.bytes / MB);
    table(
      ['size', 'text', 'median', 'ms per MB', 'MB/s', 'per MB / 1x', 'peak RSS', 'RSS / text'],
      sized.map((s) => [s.name, fmtMB(s.bytes), fmtS(s.ms), (s.ms / (s.bytes / MB)).toFixed(2), (s.bytes / MB / (s.ms / 1000)).toFixed(0), ratio(s, one, perMb).toFixed(2), fmtMB(s.rss), (s.rss / s.bytes).toFixed(2)]),
    );
    const largest = sized[sized.length - 1];
    const growth = ratio(largest, one, perMb);
    checks.push([`cost per MB at ${largest.name} within ${LINEAR_SLACK}x of 1x`, `${growth.toFixed(2)}x the 1x cost per MB`, mark(growth <= LINEAR_SLACK)]);
    for (const s of sized) if (s.bytes > one.bytes) checks.push([`peak RSS <= ${RSS_RATIO}x the text at ${s.name}`, `${fmtMB(s.rss)} / ${fmtMB(s.bytes)} = ${(s.rss / s.bytes).toFixed(2)}`, mark(s.rss <= RSS_RATIO * s.bytes)]);
  }

  console.log('\n## Targets\n');
  table(['target', 'measured', ''], checks);
  console.log(`\nload average at end: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  const steal = stolen();
  if (steal !== null) console.log(`CPU time stolen by the hypervisor during the runs: ${steal.toFixed(1)}% (/proc/stat)`);
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
});
