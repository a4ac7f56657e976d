// `npm start`: builds, then opens a real VS Code (code-server on 127.0.0.1) with this repository
// loaded as a development extension (live: rebuild and reload the window to pick up changes)
// and the sample capture open. Prints the URL; Ctrl-C stops everything.
// Options: --port N, --watch (rebuild on change with esbuild --watch), --fresh (new profile).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, devExtensionPath, repoRoot, samplePath, startCodeServer } from './vscode-env.mjs';

const argv = process.argv.slice(2);
const port = argv.includes('--port') ? Number(argv[argv.indexOf('--port') + 1]) : undefined;
const watch = argv.includes('--watch');

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
  console.error('dist/extension.js was not built (is src/editor/extension.ts there?)');
  process.exit(1);
}

// A workspace of its own holding a copy of the sample, so edits there never touch the fixture.
const ws = join(cacheDir, 'start-workspace');
const sample = join(ws, 'sample.tcpdump');
const profileDir = join(cacheDir, 'start-profile');
let server;
try {
  mkdirSync(ws, { recursive: true });
  copyFileSync(samplePath(), sample);
  if (argv.includes('--fresh')) rmSync(profileDir, { recursive: true, force: true });
  // A built workbench reads the URL payload (extensionDevelopmentPath) only with the smoke-test
  // driver enabled; that is what loads the repository as a development extension.
  server = await startCodeServer({ folder: ws, port, profileDir, smokeDriver: true, quiet: false });
} catch (e) {
  // Whatever went wrong (an install, code-server itself) is said in the message; no stack.
  console.error(`npm start: ${e?.message ?? e}`);
  process.exit(1);
}
const url = server.open(ws, [
  ['extensionDevelopmentPath', server.remote(devExtensionPath())],
  ['openFile', server.remote(sample)],
]);

let watcher;
if (watch) watcher = spawn(process.execPath, ['esbuild.mjs', '--watch'], { cwd: repoRoot, stdio: 'inherit' });

console.log(`
TCP Trace Inspector in VS Code (code-server):

  ${url}

The extension runs from this repository (${watch ? 'esbuild is watching; ' : ''}after a rebuild, run
"Developer: Reload Window"). Workspace: ${ws}
Log: ${server.logFile}
Press Ctrl-C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping code-server...');
  if (watcher) watcher.kill('SIGTERM');
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
// Keep running until signalled.
setInterval(() => {}, 1 << 30);
