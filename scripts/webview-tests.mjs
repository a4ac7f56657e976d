// Webview tests in real Chromium: the built panel (dist/webview/main.js) is loaded in a page
// served from 127.0.0.1 that stands in for VS Code's webview host: acquireVsCodeApi() records
// what the panel posts, and the tests post recorded view models (test/webview/fixtures/*.json).
// Usage: node scripts/webview-tests.mjs [--no-build] [--grep TEXT]
// Prints one line per test, then `webview: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, repoRoot } from './vscode-env.mjs';

const argv = process.argv.slice(2);
const grep = argv.includes('--grep') ? argv[argv.indexOf('--grep') + 1] : undefined;
const dist = join(repoRoot, 'dist', 'webview');
const testDir = join(repoRoot, 'test', 'webview');
const NONCE = 'webviewtestnonce';

/**
 * The page the panel runs in: the markup and Content-Security-Policy that src/editor/panel.ts gives the
 * real webview (src/protocol/webviewHtml.ts, bundled here), with this server's origin as the resource
 * origin, plus the API stub. `csp` false drops the policy (to show the DOM code alone is safe).
 */
let webviewHtml;
async function loadWebviewHtml() {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({ entryPoints: [join(repoRoot, 'src', 'protocol', 'webviewHtml.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'error' });
  const mod = { exports: {} };
  new Function('module', 'exports', r.outputFiles[0].text)(mod, mod.exports);
  webviewHtml = mod.exports;
}

function panelHtml(csp, origin) {
  let html = webviewHtml.panelHtml({ cspSource: origin, nonce: NONCE, scriptUri: '/main.js', styleUri: '/style.css', lang: 'en' });
  html = html.replace('<script nonce=', `<script nonce="${NONCE}" src="/stub.js"></script>\n<script nonce=`);
  if (!csp) html = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, '');
  return html;
}

// Records messages and state; a test reads window.__posted and window.__state.
const STUB = `
window.__posted = [];
window.__state = undefined;
window.acquireVsCodeApi = (() => {
  let taken = false;
  return () => {
    if (taken) throw new Error('acquireVsCodeApi called twice');
    taken = true;
    return {
      postMessage: (m) => { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
      getState: () => window.__state,
    };
  };
})();`;

function serve() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/panel.html') return send(200, 'text/html', panelHtml(url.searchParams.get('csp') !== '0', `http://${req.headers.host}`));
    if (url.pathname === '/stub.js') return send(200, 'text/javascript', STUB);
    const file = url.pathname.startsWith('/fixtures/')
      ? normalize(join(testDir, url.pathname))
      : normalize(join(dist, url.pathname));
    if (!file.startsWith(testDir) && !file.startsWith(dist)) return send(403, 'text/plain', 'no');
    if (!existsSync(file)) return send(404, 'text/plain', 'not found');
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return send(200, type, readFileSync(file));
  });
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server)));
}

const results = [];
function record(name, ok, error) {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `\n     ${String(error).split('\n').join('\n     ')}`}`);
}

async function main() {
  if (!argv.includes('--no-build')) {
    const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('node esbuild.mjs failed');
  }
  if (!existsSync(join(dist, 'main.js'))) throw new Error('dist/webview/main.js missing (webview/main.ts not built)');
  await loadWebviewHtml();
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  try {
    const files = readdirSync(testDir).filter((f) => f.endsWith('.test.mjs')).sort();
    for (const f of files) {
      const mod = await import(pathToFileURL(join(testDir, f)).href);
      for (const t of mod.tests) {
        if (grep && !t.name.includes(grep)) continue;
        const page = await browser.context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('dialog', (d) => { errors.push(`dialog opened: ${d.message()}`); void d.dismiss(); });
        const fixture = (name) => JSON.parse(readFileSync(join(testDir, 'fixtures', name), 'utf8'));
        const api = {
          page,
          base,
          nonce: NONCE,
          webviewHtml,
          fixture,
          /** Opens the panel page (with the webview CSP unless csp is false) and waits for 'ready'. */
          open: async ({ csp = true } = {}) => {
            await page.goto(`${base}/panel.html?csp=${csp ? 1 : 0}`);
            await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'), null, { timeout: 5000 });
          },
          /** Posts a host message the way VS Code does (a MessageEvent on window). */
          post: async (m) => {
            await page.evaluate((msg) => window.postMessage(msg, '*'), m);
            await page.waitForTimeout(50);
          },
          posted: () => page.evaluate(() => window.__posted),
          clearPosted: () => page.evaluate(() => { window.__posted.length = 0; }),
          /** Waits until the panel has posted a message matching pred, and returns it. */
          expectPosted: async (pred, what) => {
            const end = Date.now() + 3000;
            for (;;) {
              const all = await page.evaluate(() => window.__posted);
              const m = all.find(pred);
              if (m) return m;
              if (Date.now() > end) throw new Error(`expected a posted message: ${what}; got ${JSON.stringify(all)}`);
              await page.waitForTimeout(50);
            }
          },
        };
        try {
          await t.run(api);
          if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
          record(t.name, true);
        } catch (e) {
          record(t.name, false, e?.message ?? e);
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

try {
  await main();
} catch (e) {
  record('webview harness', false, e?.stack ?? e);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`webview: ${passed} passed, ${failed} failed`);
process.exit(failed || !results.length ? 1 : 0);
