// The extension's manifest and what `npm run package` puts in the .vsix: every file the
// manifest points at is shipped, and nothing of the sources, tests or build maps is.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers';

interface Manifest {
  main: string;
  browser: string;
  icon: string;
  contributes: {
    languages: { configuration: string }[];
    grammars: { path: string }[];
    viewsContainers: { activitybar: { icon: string }[] };
    commands: { command: string; title: string }[];
    walkthroughs: { steps: { media: { markdown: string } }[] }[];
  };
  activationEvents: string[];
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const rel = (p: string) => p.replace(/^\.\//, '');
const nlsEn = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const nlsZh = JSON.parse(readFileSync(join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;

describe('package: the .vsix contents', function () {
  this.timeout(60_000);
  let shipped: string[] = [];
  let warnings = '';

  before(() => {
    const vsce = join(ROOT, 'node_modules/@vscode/vsce/vsce');
    // `vsce ls` lists what `vsce package` would put in the archive, without building it.
    const r = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    shipped = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    warnings = r.stderr.split('\n').filter((l) => /WARN|ERROR/.test(l) && !/nodedir/.test(l)).join('\n');
  });

  it('ships every file the manifest refers to', () => {
    const wanted = [
      rel(manifest.main),
      rel(manifest.browser),
      rel(manifest.icon),
      'dist/worker.js',
      'dist/web/worker.js',
      // The CLI, which the package carries too, and its scanning thread.
      'dist/cli.js',
      'dist/scanWorker.js',
      'dist/webview/main.js',
      'dist/webview/style.css',
      'samples/sample.tcpdump',
      'package.nls.json',
      'package.nls.zh-cn.json',
      ...manifest.contributes.languages.map((l) => rel(l.configuration)),
      ...manifest.contributes.grammars.map((g) => rel(g.path)),
      ...manifest.contributes.viewsContainers.activitybar.map((c) => rel(c.icon)),
      // The tour's lessons, per language (their paths are localised), and the examples they open.
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps).flatMap((s) => [nlsEn, nlsZh].map((n) => n[/^%(.+)%$/.exec(s.media.markdown)?.[1] ?? ''] ?? s.media.markdown)),
      ...readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.tcpdump')).map((f) => `examples/${f}`),
    ];
    for (const f of wanted) assert.ok(shipped.includes(f), `${f} is not in the package`);
  });

  it('leaves out sources, tests, scripts, maps and caches', () => {
    const stray = shipped.filter((f) => /^(src|test|webview|scripts|bench|out|node_modules|\.vscode-test|\.ci)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts'));
    assert.deepEqual(stray, []);
  });

  it('every picture the README shows is shipped', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length > 0);
    for (const img of images) {
      assert.ok(existsSync(join(ROOT, img)), `${img} is missing`);
      assert.ok(shipped.includes(img), `${img} is not in the package`);
    }
  });

  it('lists without warnings', () => {
    assert.equal(warnings, '');
  });

  it('every command has a localised title in both languages', () => {
    const en = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(readFileSync(join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
    for (const c of manifest.contributes.commands) {
      const key = /^%(.+)%$/.exec(c.title)?.[1];
      assert.ok(key, `${c.command} has a literal title`);
      assert.ok(en[key], `${key} missing in package.nls.json`);
      assert.ok(zh[key], `${key} missing in package.nls.zh-cn.json`);
    }
  });
});
