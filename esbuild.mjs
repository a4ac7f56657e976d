// Builds every bundle: the Node extension, the browser extension, the CLI and the webview.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints errors in the `file:line:col: error: text` form that VS Code's problem matcher reads. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        if (location) console.error(`${location.file}:${location.line}:${location.column}: error: ${text}`);
        else console.error(`error: ${text}`);
      }
    });
  },
};

/**
 * How `tcp-trace` starts. A young generation of 2 MB semi-spaces instead of V8's 16 MB: the
 * analysis keeps little of what it allocates, and a smaller young generation is memory the
 * process never has to be given page by page (10% less time and 25 MB less memory on the
 * benchmark's trace). `--expose-gc` lets the CLI collect the builder's per-connection objects
 * once the trace is columns, before the output is written (see cli.ts). `env -S` splits the
 * line into node and its flags.
 */
const CLI_SHEBANG = '#!/usr/bin/env -S node --max-semi-space-size=2 --expose-gc';

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  logLevel: 'warning',
  plugins: [problemMatcher],
};

const builds = [
  { ...common, entryPoints: ['src/editor/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'], target: 'node20' },
  { ...common, entryPoints: ['src/editor/extension.ts'], outfile: 'dist/web/extension.js', platform: 'browser', format: 'cjs', external: ['vscode'], target: 'es2022', define: { 'process.env.TCP_TRACE_WEB': '"1"' } },
  { ...common, entryPoints: ['src/ingest/worker.ts'], outfile: 'dist/worker.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/ingest/worker.ts'], outfile: 'dist/web/worker.js', platform: 'browser', format: 'iife', target: 'es2022' },
  { ...common, entryPoints: ['src/cli/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: CLI_SHEBANG } },
  // The CLI's scanning thread (scanThread.ts): the scanner alone, quick for a new thread to load.
  { ...common, entryPoints: ['src/cli/scanWorker.ts'], outfile: 'dist/scanWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  // `tcp-trace mcp` (the SDK is most of it): cli.js loads it only for that command.
  { ...common, entryPoints: ['src/cli/mcp.ts'], outfile: 'dist/mcp.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js', platform: 'browser', format: 'iife', target: 'es2022' },
].filter((b) => b.entryPoints.every((e) => existsSync(e)));

mkdirSync('dist/webview', { recursive: true });
if (existsSync('webview/style.css')) cpSync('webview/style.css', 'dist/webview/style.css');
// The sample that "TCP: Open Sample" shows ships inside the extension.
mkdirSync('samples', { recursive: true });
cpSync('test/fixtures/sample.tcpdump', 'samples/sample.tcpdump');

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
