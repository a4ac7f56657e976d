// A real VS Code for start and e2e: code-server (VS Code's server and web workbench) from the npm
// registry, run on Node 24, both installed on first use into the git-ignored .vscode-test/.
// Run directly (`node scripts/vscode-env.mjs`) to install or verify without starting anything.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { preflight } from './preflight.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = '24';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(repoRoot, '.vscode-test');
const nodePrefix = join(cacheDir, `node${NODE_MAJOR}`);
const csPrefix = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);

/** The Node 24 package (binary and headers) that the `node` npm package unpacks. */
export const nodeHome = join(nodePrefix, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`);
export const nodeBin = join(nodeHome, 'bin', 'node');
export const codeServerHome = join(csPrefix, 'node_modules', 'code-server');
export const codeServerEntry = join(codeServerHome, 'out', 'node', 'entry.js');

const log = (msg) => process.stderr.write(`[vscode-env] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim(), status: r.status };
}

/** Environment for npm and node-gyp that builds against Node 24 (the machine's npmrc names Node 20's headers). */
function node24Env(extra = {}) {
  // Drop what an outer `npm test` exports (npm_config_*, npm_node_execpath...): it names Node 20.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return {
    ...base,
    PATH: `${join(nodeHome, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeHome,
    // code-server's postinstall runs nested `npm install`s that build native modules; npm 11 may
    // gate dependency install scripts, which would leave them unbuilt. Scoped to this cache only.
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

function marker(prefix) {
  return join(prefix, '.installed.json');
}

function readMarker(prefix, want) {
  try {
    const m = JSON.parse(readFileSync(marker(prefix), 'utf8'));
    return m.version === want ? m : null;
  } catch {
    return null;
  }
}

/** Runs npm with Node 24's environment, its output in .vscode-test/install-<label>.log. */
async function npm(args, label, what) {
  const logFile = join(cacheDir, `install-${label}.log`);
  const t0 = Date.now();
  const fd = openSync(logFile, 'a');
  const child = spawn('npm', args, { stdio: ['ignore', fd, fd], env: node24Env() });
  closeSync(fd);
  const beat = setInterval(() => log(`  ...still ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`), 20_000);
  const status = await new Promise((res) => child.on('exit', (code) => res(code)));
  clearInterval(beat);
  if (status !== 0) {
    process.stderr.write(tail(logFile, 40) + '\n');
    throw new Error(`npm ${args[0]} failed while ${what} (exit ${status}); see ${logFile}`);
  }
  return Date.now() - t0;
}

/** A fresh `prefix` with `spec` installed into it; `args` go to npm install. */
async function npmInstall(prefix, spec, label, args = []) {
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: `vscode-test-${label}`, private: true }, null, 2));
  writeFileSync(join(cacheDir, `install-${label}.log`), '');
  log(`installing ${spec} into ${prefix} (first use only; log: ${join(cacheDir, `install-${label}.log`)})...`);
  const ms = await npm(['install', '--prefix', prefix, '--no-save', '--foreground-scripts', ...args, spec], label, `installing ${spec}`);
  log(`${spec} installed in ${(ms / 1000).toFixed(0)} s`);
}

/** lib/vscode dependencies left out of the code-server install (see installCodeServer). */
const WITHOUT = ['kerberos'];

/**
 * code-server without VS Code's `kerberos` module. VS Code loads that module only to answer a
 * proxy's Kerberos (Negotiate) challenge, and building it needs the system's krb5 headers
 * (libkrb5-dev). So: install without running scripts, take kerberos out of lib/vscode's
 * dependencies, then run the scripts (code-server's postinstall installs lib/vscode's modules).
 */
async function installCodeServer() {
  const spec = `code-server@${CODE_SERVER_VERSION}`;
  await npmInstall(csPrefix, spec, 'code-server', ['--ignore-scripts']);
  const vscodePkg = join(codeServerHome, 'lib', 'vscode', 'package.json');
  const pkg = JSON.parse(readFileSync(vscodePkg, 'utf8'));
  for (const field of ['dependencies', 'optionalDependencies']) {
    for (const name of Object.keys(pkg[field] ?? {})) if (WITHOUT.includes(name)) delete pkg[field][name];
  }
  writeFileSync(vscodePkg, JSON.stringify(pkg, null, 2) + '\n');
  log(`building code-server's native modules (without ${WITHOUT.join(', ')})...`);
  const ms = await npm(['rebuild', '--prefix', csPrefix, '--foreground-scripts'], 'code-server', 'building code-server');
  log(`code-server built in ${(ms / 1000).toFixed(0)} s`);
}

function verifyNode() {
  if (!existsSync(nodeBin)) return `missing ${nodeBin}`;
  const r = run(nodeBin, ['--version']);
  if (!r.ok || !r.out.startsWith(`v${NODE_MAJOR}.`)) return `node --version said ${JSON.stringify(r.out)}`;
  if (!existsSync(join(nodeHome, 'include', 'node', 'node.h'))) return 'node headers missing';
  return null;
}

function verifyCodeServer() {
  if (!existsSync(codeServerEntry)) return `missing ${codeServerEntry}`;
  const r = run(nodeBin, [codeServerEntry, '--version'], { env: node24Env() });
  if (!r.ok || !r.out.includes(CODE_SERVER_VERSION)) return `code-server --version said ${JSON.stringify(r.out)}`;
  // The postinstall builds these against Node 24; a skipped or failed postinstall leaves them out.
  const vscodeModules = join(codeServerHome, 'lib', 'vscode', 'node_modules');
  const natives = ['@vscode/spdlog', 'node-pty'];
  for (const m of natives) {
    const p = join(vscodeModules, m);
    if (!existsSync(p)) return `missing ${m} (postinstall did not run?)`;
    const load = run(nodeBin, ['-e', `require(${JSON.stringify(p)})`]);
    if (!load.ok) return `${m} does not load: ${load.out.split('\n').slice(0, 3).join(' ')}`;
  }
  return null;
}

/** Installs what is missing, verifies by version, and returns the paths. Idempotent. */
export async function ensureEnv() {
  mkdirSync(cacheDir, { recursive: true });
  const lockFile = join(cacheDir, '.lock');
  const lock = await acquireLock(lockFile);
  try {
    let problem = readMarker(nodePrefix, NODE_MAJOR) ? verifyNode() : 'not installed';
    if (problem) {
      if (problem !== 'not installed') log(`Node ${NODE_MAJOR}: ${problem}; reinstalling`);
      await npmInstall(nodePrefix, `node@${NODE_MAJOR}`, 'node');
      problem = verifyNode();
      if (problem) throw new Error(`Node ${NODE_MAJOR} install is broken: ${problem}`);
      writeFileSync(marker(nodePrefix), JSON.stringify({ version: NODE_MAJOR, node: run(nodeBin, ['--version']).out }));
    }
    problem = readMarker(csPrefix, CODE_SERVER_VERSION) ? verifyCodeServer() : 'not installed';
    if (problem) {
      if (problem !== 'not installed') log(`code-server: ${problem}; reinstalling`);
      preflight(['code-server'], { why: 'building code-server' });
      await installCodeServer();
      problem = verifyCodeServer();
      if (problem) throw new Error(`code-server install is broken: ${problem}`);
      writeFileSync(marker(csPrefix), JSON.stringify({ version: CODE_SERVER_VERSION }));
    }
  } finally {
    lock();
  }
  return { nodeBin, codeServerEntry };
}

/** A crude cross-process lock so two runs do not install into the same folder at once. */
async function acquireLock(file) {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      closeSync(openSync(file, 'wx'));
      writeFileSync(file, String(process.pid));
      break;
    } catch {
      const pid = Number(readFileSync(file, 'utf8').trim() || 0);
      let alive = false;
      try {
        if (pid) { process.kill(pid, 0); alive = true; }
      } catch { /* not alive */ }
      if (!alive) { rmSync(file, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${file} (pid ${pid})`);
      log(`waiting for another install (pid ${pid})...`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
  return () => rmSync(file, { force: true });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * The path to load the extension from: a symlink to the repository outside it. The workbench
 * treats every theme under extensionDevelopmentPath as the extension's own and switches to it;
 * with code-server's built-in themes inside .vscode-test/, the repository path itself would pick
 * a theme at random.
 */
export function devExtensionPath() {
  const hash = createHash('sha256').update(repoRoot).digest('hex').slice(0, 10);
  const dir = join(tmpdir(), `tcp-trace-inspector-dev-${hash}`);
  const link = join(dir, 'tcp-trace-inspector');
  mkdirSync(dir, { recursive: true });
  let ok = false;
  try { ok = realpathSync(link) === realpathSync(repoRoot); } catch { /* missing */ }
  if (!ok) {
    rmSync(link, { force: true });
    symlinkSync(repoRoot, link, 'dir');
  }
  return link;
}

/** `vscode-remote://host:port/abs/path`: how the web workbench names a file on the server. */
export function remoteUri(authority, absPath) {
  return `vscode-remote://${authority}${pathToFileURL(absPath).pathname}`;
}

/** The workbench URL, with an optional payload (extensionDevelopmentPath, extensionTestsPath, openFile...). */
export function workbenchUrl(base, folder, payload) {
  let url = `${base}/?folder=${encodeURIComponent(folder)}`;
  if (payload && payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Dark Modern',
  'window.autoDetectColorScheme': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
  // Otherwise the extension host looks for ports to forward every few seconds: it runs
  // `ls -l /proc/*/fd/*` and reads every process's /proc entries, work that lands in the middle
  // of what the benchmark and the tests time. code-server forwards ports itself, and that
  // alone keeps the search going unless it is told to read ports from terminal output instead.
  'remote.autoForwardPorts': false,
  'remote.autoForwardPortsSource': 'output',
};

/**
 * Starts code-server in its own process group (setsid). `profileDir` holds its user data,
 * extensions and XDG/TMP folders (a fresh temporary one unless given). `workspaceTrust` lets
 * the user settings turn workspace trust on (Restricted Mode); otherwise it is off for good.
 * `install` lists .vsix files installed before it starts.
 * Returns { url, base, authority, port, logFile, remote(path), open(folder, payload), updateSettings(s), stop() }.
 */
export async function startCodeServer({ folder, port, smokeDriver = false, profileDir, settings = {}, env = {}, quiet = true, workspaceTrust = false, install = [] } = {}) {
  await ensureEnv();
  port ??= await freePort();
  mkdirSync(cacheDir, { recursive: true });
  const profile = profileDir ?? mkdtempSync(join(cacheDir, 'profile-'));
  const dirs = Object.fromEntries(['user-data', 'extensions', 'config', 'data', 'tmp'].map((d) => [d, join(profile, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs['user-data'], 'User'), { recursive: true });
  const settingsFile = join(dirs['user-data'], 'User', 'settings.json');
  let current = {};
  try { current = JSON.parse(readFileSync(settingsFile, 'utf8')); } catch { /* none yet */ }
  writeFileSync(settingsFile, JSON.stringify({ ...DEFAULT_SETTINGS, ...current, ...settings }, null, 2));
  for (const vsix of install) {
    const r = run(nodeBin, [codeServerEntry, '--install-extension', vsix, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs['user-data']], {
      env: { ...node24Env(), XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, TMPDIR: dirs.tmp, EXTENSIONS_GALLERY: '{}' },
    });
    if (!r.ok) throw new Error(`code-server --install-extension ${vsix} failed:\n${r.out}`);
  }

  const args = [
    codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    // Without this flag the user setting security.workspace.trust.enabled decides (off by
    // default here); with it, no setting can turn trust on.
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', dirs['user-data'],
    '--extensions-dir', dirs.extensions,
    '--reconnection-grace-time', '5',
  ];
  if (smokeDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (folder) args.push(folder);
  const logFile = join(profile, 'code-server.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(nodeBin, args, {
    cwd: repoRoot,
    detached: true, // setsid: the server and its extension hosts form one process group
    stdio: ['ignore', fd, fd],
    env: {
      ...node24Env(),
      XDG_CONFIG_HOME: dirs.config,
      XDG_DATA_HOME: dirs.data,
      TMPDIR: dirs.tmp,
      // No extension gallery: code-server would otherwise query open-vsx.org (only 127.0.0.1 here).
      EXTENSIONS_GALLERY: '{}',
      ...env,
    },
  });
  closeSync(fd);
  let exited = false;
  child.on('exit', () => { exited = true; });

  const base = `http://127.0.0.1:${port}`;
  const authority = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited at start; see ${logFile}:\n${tail(logFile)}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      killGroup(child.pid, 'SIGKILL');
      throw new Error(`code-server did not listen on ${base} within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!quiet) log(`code-server ${CODE_SERVER_VERSION} listening on ${base} (pid ${child.pid})`);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child.pid, 'SIGTERM');
    const until = Date.now() + 5000;
    while (!exited && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    killGroup(child.pid, 'SIGKILL'); // stragglers in the group (extension hosts, pty host)
    if (!profileDir) rmSync(profile, { recursive: true, force: true });
  };
  return {
    url: folder ? workbenchUrl(base, folder) : base,
    base,
    authority,
    port,
    pid: child.pid,
    logFile,
    profile,
    remote: (p) => remoteUri(authority, p),
    open: (f, payload) => workbenchUrl(base, f, payload),
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    /** Merges user settings into settings.json; a workbench opened after this reads them. */
    updateSettings: (more) => {
      const now = existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : {};
      writeFileSync(settingsFile, JSON.stringify({ ...now, ...more }, null, 2));
    },
    stop,
  };
}

/**
 * Packages the extension as users get it (`npm run package`: production bundles, then vsce)
 * into `out`. It runs in a copy of the working tree's files, so the development build in dist/
 * stays as it is.
 */
export function packageVsix(out) {
  const copy = mkdtempSync(join(cacheDir, 'package-'));
  try {
    const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot });
    if (!files.ok) throw new Error(`git ls-files failed: ${files.out}`);
    for (const f of files.out.split('\0').filter(Boolean)) {
      if (!existsSync(join(repoRoot, f))) continue; // deleted in the working tree
      if (f === 'node_modules') continue; // a symlink (.gitignore's node_modules/ matches folders only); linked below
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      copyFileSync(join(repoRoot, f), join(copy, f));
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    const r = run('npm', ['run', '--silent', 'package', '--', '--out', out], { cwd: copy });
    if (!r.ok || !existsSync(out)) throw new Error(`npm run package failed:\n${r.out}`);
    return out;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

function tail(file, n = 20) {
  try { return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n'); } catch { return ''; }
}

/** Debian's Chromium, driven by playwright-core (which never downloads a browser here). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launchChromium() {
  preflight(['chromium'], { why: 'the browser tests' });
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'tcp-trace-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Resolve no host name but the loopback: the browser never reaches past 127.0.0.1.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The bundled sample capture. Until test/fixtures/sample.tcpdump exists, a stand-in made from
 * two fixture captures (a clean close and a reset) under .vscode-test/standin/.
 */
export function samplePath() {
  const real = join(repoRoot, 'test', 'fixtures', 'sample.tcpdump');
  if (existsSync(real)) return real;
  const caps = join(repoRoot, 'test', 'fixtures', 'captures');
  const parts = ['normal-client-close', 'rst-client'].map((n) => join(caps, n, 'nn.tcpdump')).filter((f) => existsSync(f));
  if (!parts.length) throw new Error('no test/fixtures/sample.tcpdump and no fixture captures to stand in for it');
  const dir = join(cacheDir, 'standin');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sample.tcpdump');
  writeFileSync(file, parts.map((f) => readFileSync(f, 'utf8').trimEnd() + '\n').join(''));
  log(`test/fixtures/sample.tcpdump does not exist yet; using a stand-in: ${file}`);
  return file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = Date.now();
  try {
    await ensureEnv();
  } catch (e) {
    log(`${e?.message ?? e}`);
    process.exit(1);
  }
  const v = run(nodeBin, [codeServerEntry, '--version'], { env: node24Env() }).out.split('\n')[0];
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: node ${run(nodeBin, ['--version']).out}, code-server ${v}`);
}
