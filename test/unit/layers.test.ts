// The layers, checked: each folder of src/ (a runtime) imports only the folders below it (see
// ARCHITECTURE.md). With src/trace/tsconfig.json, which gives the engine no node or DOM types,
// nothing editor-, file- or page-bound can creep into the engine.

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

  it('the assistants\' tools import nothing but the engine', () => {
    // The same tools run in the editor and in `tcp-trace mcp`: no vscode, no fs, no SDK.
    const files = tsFiles(join(ROOT, 'src', 'tools'));
    assert.ok(files.length > 0, 'the tools\' files');
    for (const f of files) for (const m of imports(f)) assert.match(m, /^\.\.?\/(trace\/)?[\w.]+$/, `${f} imports ${m}`);
  });

  // Folder -> the folders its relative imports may reach (its own always).
  const ALLOWED: Record<string, string[]> = {
    ingest: ['trace', 'pcap', 'protocol'],
    protocol: ['trace'],
    tools: ['trace'],
    cli: ['trace', 'pcap', 'ingest', 'tools'],
    editor: ['trace', 'pcap', 'ingest', 'protocol', 'tools'],
  };
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`src/${folder} imports only ${allowed.join(', ')}`, () => {
      const files = tsFiles(join(ROOT, 'src', folder));
      assert.ok(files.length > 0, folder);
      for (const f of files) {
        for (const m of imports(f)) {
          if (!m.startsWith('.')) continue;
          const to = /^\.\.\/(\w+)(\/|$)/.exec(m)?.[1];
          assert.ok(m.startsWith('./') || (to !== undefined && allowed.includes(to)) || m.startsWith('../../l10n/') || m === '../../package.json', `${f} imports ${m}`);
        }
      }
    });
  }

  it('the webview imports only protocol and the engine\'s tables', () => {
    const files = tsFiles(join(ROOT, 'webview'));
    for (const f of files) for (const m of imports(f)) {
      if (m.startsWith('.')) assert.ok(m.startsWith('./') || /^\.\.\/src\/(protocol\/|trace\/(states|flags|model)$)/.test(m), `${f} imports ${m}`);
    }
  });

  it('sees an import where there is one', () => {
    // The check above would pass on a pattern that matches nothing.
    const all = tsFiles(join(ROOT, 'src', 'trace')).flatMap(imports);
    assert.ok(all.includes('./model') && all.includes('./flags'), all.slice(0, 5).join(' '));
  });
});
