// The one translation path: every string the extension shows, in the tree, hovers, diagnostics,
// notices, the status bar and the panel (whose words the host sends), goes through t() here.
// One setting, tcpTrace.language, chooses the language; at 'auto' it follows VS Code's display
// language (config.ts reads it, extension.ts calls setLanguage when it changes).
//
// To add a string: write t('English text, {0} and {1}', a, b) where it is shown, with the English
// as a literal, and add "English text, {0} and {1}": "中文……" to l10n/bundle.l10n.zh-cn.json.
// test/unit/l10n.test.ts fails on a t() text without a translation, on a translation nothing
// uses, and on placeholders that differ. Counts say each form whole: n === 1 ? t('1 packet') :
// t('{0} packets', n). The engine (src/trace) cannot import this module; its texts are
// { en, zh } records, picked with language().
//
// Free of 'vscode' and the DOM, so the worker, the webview and unit tests can load it.
import zhBundle from '../../l10n/bundle.l10n.zh-cn.json';

export type Lang = 'en' | 'zh';

const bundles: Record<Lang, Readonly<Record<string, string>>> = { en: {}, zh: zhBundle };
let current: Lang = 'en';

export function setLanguage(lang: Lang): void {
  current = lang;
}

/** The language t() translates into. */
export function language(): Lang {
  return current;
}

/** `en` for an English display language, `zh` for any Chinese one. */
export function langOf(locale: string): Lang {
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The text in the current language, with {0}, {1}… replaced by the arguments. */
export function t(message: string, ...args: Array<string | number | boolean>): string {
  const text = bundles[current][message] ?? message;
  if (!args.length) return text;
  return text.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
}
