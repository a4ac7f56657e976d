// Every string the extension shows has its Chinese: each t('…') text in the extension and the
// webview is in the bundle with the same placeholders, and the bundle holds nothing unused.
// The engine's { en, zh } records come in pairs.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers';
import { language, langOf, setLanguage, t } from '../../src/editor/l10n';
import { transitionLabel } from '../../src/editor/transitionLabels';
import { TRANSITIONS } from '../../src/trace/states';

const bundle = JSON.parse(readFileSync(join(ROOT, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A JavaScript string literal's value (the quotes already taken off). */
function unquote(body: string): string {
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
    c[0] === 'u' && c.length > 1 ? String.fromCodePoint(parseInt(c.replace(/[u{}]/g, ''), 16)) : ({ n: '\n', t: '\t' } as Record<string, string>)[c] ?? c,
  );
}

const placeholders = (s: string) => [...s.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();
const HAN = /\p{Script=Han}/u;

interface Use {
  key: string;
  where: string;
}

/** The texts passed to t(), and the calls whose text is not a literal. */
function uses(): { used: Use[]; dynamic: string[] } {
  const used: Use[] = [];
  const dynamic: string[] = [];
  const files = [...sources('src'), ...sources('webview')].filter((f) => !f.startsWith(join('src', 'trace')) && f !== join('src', 'editor', 'l10n.ts'));
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const lineOf = (i: number) => `${relative('.', file)}:${text.slice(0, i).split('\n').length}`;
    for (const m of text.matchAll(/(?<![\w.$])t\(\s*(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|`((?:\\.|[^`\\$])*)`|([^)\s]))/g)) {
      const body = m[1] ?? m[2] ?? m[3];
      if (body === undefined) dynamic.push(lineOf(m.index));
      else used.push({ key: unquote(body), where: lineOf(m.index) });
    }
  }
  return { used, dynamic };
}

describe('l10n: one translation path, every string in both languages', () => {
  const { used, dynamic } = uses();

  it('finds the texts the extension shows', () => {
    // A scan that found nothing would pass every check below.
    assert.ok(used.length > 150, `only ${used.length} t() calls found`);
    assert.ok(used.some((u) => u.key === 'closed normally'));
  });

  it('passes t() a literal, so each text can be checked', () => {
    assert.deepEqual(dynamic, []);
  });

  it('has a Chinese translation for every text', () => {
    const missing = [...new Set(used.filter((u) => !(u.key in bundle)).map((u) => `${u.where}: ${JSON.stringify(u.key)}`))];
    assert.deepEqual(missing, [], `add these to l10n/bundle.l10n.zh-cn.json:\n${missing.join('\n')}`);
  });

  it('translates into Chinese, keeping every placeholder', () => {
    // A text with words in it must read as Chinese; 'RTT p50 {0} · p95 {1}' may stay as it is.
    const worded = (k: string) => /[a-z]{3,}/.test(k.replace(/\{\d+\}/g, ''));
    const bad = Object.entries(bundle).filter(([k, v]) => typeof v !== 'string' || (worded(k) && !HAN.test(v)) || placeholders(k).join() !== placeholders(v).join());
    assert.deepEqual(bad, []);
  });

  it('holds no translation that nothing uses', () => {
    const keys = new Set(used.map((u) => u.key));
    assert.deepEqual(Object.keys(bundle).filter((k) => !keys.has(k)), []);
  });

  it('uses no other translation path', () => {
    const other = [...sources('src'), ...sources('webview')].filter((f) => /vscode\.l10n|@vscode\/l10n/.test(readFileSync(join(ROOT, f), 'utf8')));
    assert.deepEqual(other, []);
  });

  it("pairs every English text of the engine's with a Chinese one", () => {
    const files = sources('src').filter((f) => /\{\s*en:/.test(readFileSync(join(ROOT, f), 'utf8')));
    assert.ok(files.length >= 4, files.join());
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const count = (re: RegExp) => [...text.matchAll(re)].length;
      assert.equal(count(/\bzh:/g), count(/\ben:/g), `${f}: every en: has a zh:`);
    }
  });

  it("names every edge of the state diagram in Chinese", () => {
    const before = language();
    try {
      setLanguage('zh');
      const english = TRANSITIONS.map((tr) => tr.label).filter((l) => !HAN.test(transitionLabel(l)));
      assert.deepEqual([...new Set(english)], []);
    } finally {
      setLanguage(before);
    }
  });

  it('t() follows the language it is set to and fills placeholders', () => {
    const before = language();
    try {
      setLanguage('zh');
      assert.equal(t('closed normally'), bundle['closed normally']);
      assert.equal(t('{0} pkts', 7), bundle['{0} pkts'].replace('{0}', '7'));
      assert.equal(t('not in the bundle {0}', 'x'), 'not in the bundle x');
      setLanguage('en');
      assert.equal(t('closed normally'), 'closed normally');
      assert.equal(t('Packet {0} of {1}', 3, 9), 'Packet 3 of 9');
      assert.equal(langOf('zh-tw'), 'zh');
      assert.equal(langOf('en-us'), 'en');
    } finally {
      setLanguage(before);
    }
  });
});
