// The layers, checked: the engine (src/trace) imports only itself, and the capture reader
// (src/pcap) only itself and the engine's flag table. With src/trace/tsconfig.json, which gives
// the engine no node or DOM types, nothing editor-, file- or page-bound can creep in.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers';

/** Every module specifier a TypeScript file imports or re-exports. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|\brequire\(\s*'([^']+)'\s*\)/gm)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

describe('layers', () => {
  it('the engine imports nothing but the engine', () => {
    const files = tsFiles(join(ROOT, 'src', 'trace'));
    assert.ok(files.length > 20, 'the engine\'s files');
    for (const f of files) for (const m of imports(f)) assert.match(m, /^\.\/[\w.]+$/, `${f} imports ${m}`);
  });

  it('the capture reader imports nothing but itself and the flag table', () => {
    const files = tsFiles(join(ROOT, 'src', 'pcap'));
    assert.ok(files.length > 5, 'the reader\'s files');
    for (const f of files) for (const m of imports(f)) assert.ok(/^\.\/[\w.]+$/.test(m) || m === '../trace/flags', `${f} imports ${m}`);
  });

  it('sees an import where there is one', () => {
    // The check above would pass on a pattern that matches nothing.
    const all = tsFiles(join(ROOT, 'src', 'trace')).flatMap(imports);
    assert.ok(all.includes('./model') && all.includes('./flags'), all.slice(0, 5).join(' '));
  });
});
