// The Debian packages that `npm start` and `npm test` need from the system, checked before the
// step that needs them. As root, the missing ones are installed (apt-get update, then apt-get
// install); otherwise one line says what to run, and the process exits with status 1.
// Off Debian (no dpkg-query), nothing is checked.
//
//   node scripts/preflight.mjs [need...]   needs: code-server, chromium, capture; default all
//   import { preflight } from './preflight.mjs'; preflight(['code-server']);
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * What each step needs. `cmd` or `file`, when present there, also counts as installed (a build
 * tool from another package, CHROMIUM_PATH naming another browser).
 */
export const NEEDS = {
  // code-server's postinstall builds native modules (node-gyp) against Node 24's headers.
  // Its kerberos module is not installed (see vscode-env.mjs), so libkrb5-dev is not needed.
  'code-server': [
    { pkg: 'g++', cmd: 'g++' },
    { pkg: 'make', cmd: 'make' },
    { pkg: 'python3', cmd: 'python3' },
  ],
  // The webview and e2e suites, and `npm run bench:editor`, drive Debian's Chromium; a Chinese
  // font draws the Chinese UI in its pictures (without one, Chromium shows empty boxes).
  chromium: [
    { pkg: 'chromium', file: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
    { pkg: 'fonts-wqy-microhei', file: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc' },
  ],
  // The unit suite compares the pcap reader with tcpdump and the engine with tshark.
  capture: [
    { pkg: 'tcpdump', cmd: 'tcpdump' },
    { pkg: 'tshark', cmd: 'tshark' },
  ],
};

/** The needs of each `npm test` suite. */
export const SUITE_NEEDS = {
  unit: ['capture'],
  grammar: [],
  webview: ['chromium'],
  // code-server's own needs are checked by vscode-env.mjs, and only when it installs it.
  e2e: ['chromium'],
};

const say = (msg) => process.stderr.write(`[preflight] ${msg}\n`);

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && /\binstall ok installed\b/.test(r.stdout);
}

/** The packages `needs` lists that are not installed, or [] off Debian. */
export function missingPackages(needs) {
  if (process.platform !== 'linux' || !hasCommand('dpkg-query')) return [];
  const unknown = needs.filter((n) => !NEEDS[n]);
  if (unknown.length) throw new Error(`unknown need(s): ${unknown.join(', ')}; choose from ${Object.keys(NEEDS).join(', ')}`);
  const pkgs = new Map();
  for (const n of needs) for (const want of NEEDS[n]) pkgs.set(want.pkg, want);
  return [...pkgs.values()]
    .filter((w) => !(w.cmd && hasCommand(w.cmd)) && !(w.file && existsSync(w.file)) && !dpkgInstalled(w.pkg))
    .map((w) => w.pkg);
}

/** The one line that says what to run; exits with status 1. */
function stop(line) {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

/**
 * Makes sure the Debian packages for `needs` are installed: as root it installs the missing
 * ones, otherwise it prints the command to run and exits with status 1. Returns what it installed.
 */
export function preflight(needs, { why = needs.join(', ') } = {}) {
  const missing = missingPackages(needs);
  if (!missing.length) return [];
  const list = missing.join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasCommand('apt-get')) {
    stop(`Missing Debian packages for ${why}: ${list}. Run: sudo apt-get update && sudo apt-get install -y ${list}`);
  }
  say(`installing the Debian packages ${why} needs: ${list}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { stdio: ['ignore', 'inherit', 'inherit'], env };
  const update = spawnSync('apt-get', ['update', '-q'], opts);
  if (update.status !== 0) stop(`apt-get update failed (exit ${update.status ?? update.signal}); install by hand: apt-get install -y ${list}`);
  const install = spawnSync('apt-get', ['install', '-y', '-q', ...missing], opts);
  if (install.status !== 0) stop(`apt-get install failed (exit ${install.status ?? install.signal}); install by hand: apt-get install -y ${list}`);
  const still = missingPackages(needs);
  if (still.length) stop(`apt-get install finished but these are still missing: ${still.join(' ')}`);
  return missing;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const asked = process.argv.slice(2);
  const needs = asked.length ? asked : Object.keys(NEEDS);
  try {
    const done = preflight(needs);
    say(done.length ? `installed: ${done.join(' ')}` : `Debian packages present for: ${needs.join(', ')}`);
  } catch (e) {
    stop(`preflight: ${e?.message ?? e}`);
  }
}
