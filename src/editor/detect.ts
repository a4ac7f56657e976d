// Language detection: tcpdump text in a .txt or .log file, or pasted into an untitled
// document, opens as Plain Text or Log, because a file extension's language wins over the
// tcpdump language's firstLine rule. This module reads the start of such documents with the
// engine when they open and after text is pasted or typed into them, and switches them to
// `tcpdump` when they clearly are tcpdump output, or offers to once when they might be.
// It only ever changes a document's language, never its text.
import * as vscode from 'vscode';
import { analyzeText } from '../trace';
import { log } from './log';
import { t } from './l10n';

/** Languages whose documents are read: VS Code's own for text it does not recognise. */
const PLAIN_LANGUAGES = new Set(['plaintext', 'log']);
/** Documents a person opened or typed into (not output channels, diffs or other extensions' views). */
const SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
/** How much of a document is read: its first lines, and no more than this many characters. */
const SAMPLE_LINES = 400;
const SAMPLE_CHARS = 64 * 1024;
/** Quiet time after an edit before the document is read again. */
const DELAY_MS = 400;
/** Where the files a person asked never to be asked about again are kept (the newest ones). */
const DONT_ASK_KEY = 'tcpTrace.detectLanguage.dontAsk';
const DONT_ASK_MAX = 200;
/** A tcpdump -x / -X hex dump line. */
const HEX_LINE = /^\s*0x[0-9a-f]{4}:\s/i;
/** A tcpdump line of another protocol (UDP, ICMP, ARP...): number, time, interface, then IP, ARP or a MAC address. */
const OTHER_LINE = /^\s*(?:\d+ {2,})?(?:(?:(?:\d{4}-\d{2}-\d{2} )?\d{1,2}:\d{2}:\d{2}|\d+)\.\d{6,9}\s+)?(?:[\w.@:-]+\s+(?:In|Out|B|M|P)\s+)?(?:IP6? \((?:tos|flowlabel|hlim|class) |IP6? \S+ > \S+|ARP, |[0-9a-f]{2}(?::[0-9a-f]{2}){5} > )/;

export type Verdict = 'tcpdump' | 'maybe' | 'no';

/** What the engine made of the start of a document, and what that makes it. */
export interface Sniffed {
  verdict: Verdict;
  /** TCP packets read. */
  packets: number;
  /** Non-blank lines. */
  lines: number;
  /** The part of those lines that is tcpdump's own (packets, other protocols, -v decoding, banner, dumps), 0 to 1. */
  share: number;
}

/**
 * Reads a sample of text with the engine (which also reads prompts, banners, glued, wrapped or
 * quoted packets and HTML entities; see trace/repair.ts) and says whether it is tcpdump output:
 * `tcpdump` when tcpdump's lines are most of it, or when it starts with a TCP packet; `maybe`
 * when there are TCP packets among mostly other text; `no` otherwise.
 */
export function sniff(sample: string): Sniffed {
  const trace = analyzeText(sample);
  const packets = trace.packetCount;
  const texts = sample.split('\n');
  let lines = 0;
  let other = 0;
  let packetLines = 0;
  // Whether the line before was tcpdump's: then an indented line is its -v decoding.
  let inPacket = false;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (!text.trim()) continue;
    lines++;
    if (trace.packetAtLine(i + 1) >= 0) packetLines++;
    else if (HEX_LINE.test(text) || OTHER_LINE.test(text) || (inPacket && /^\s/.test(text))) other++;
    else {
      inPacket = false;
      continue;
    }
    inPacket = true;
  }
  if (packets === 0 || lines === 0) return { verdict: 'no', packets, lines, share: 0 };
  const banner = trace.repairs.find((r) => r.kind === 'banner');
  // A glued line holds several packets; a -v packet takes two lines.
  const known = Math.max(packets, packetLines) + (banner?.count ?? 0) + other + trace.problems.length;
  const share = Math.min(1, known / lines);
  // The first line that is not blank, a prompt or tcpdump's banner: VS Code's firstLine rule
  // would have chosen tcpdump for a file that starts with a packet.
  const bannerLines = new Set(banner?.lines ?? []);
  let startsWithPacket = false;
  for (let i = 0; i < texts.length; i++) {
    if (!texts[i].trim() || bannerLines.has(i + 1)) continue;
    startsWithPacket = trace.packetAtLine(i + 1) >= 0;
    break;
  }
  let verdict: Verdict = 'no';
  if ((packets >= 2 && (share >= 0.5 || startsWithPacket)) || share >= 0.8 || (lines <= 3 && share >= 0.5)) verdict = 'tcpdump';
  else if (share >= 0.1 && (packets >= 2 || share >= 0.25)) verdict = 'maybe';
  return { verdict, packets, lines, share };
}

/** The document's first lines, at most SAMPLE_CHARS characters of them. */
function sampleOf(doc: vscode.TextDocument): string {
  const n = Math.min(doc.lineCount, SAMPLE_LINES);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; i < n && size < SAMPLE_CHARS; i++) {
    let text = doc.lineAt(i).text;
    if (size + text.length > SAMPLE_CHARS) text = text.slice(0, SAMPLE_CHARS - size);
    parts.push(text);
    size += text.length + 1;
  }
  return parts.join('\n');
}

function settingOn(): boolean {
  return vscode.workspace.getConfiguration('tcpTrace').get<boolean>('detectLanguage', true);
}

export class LanguageDetection implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The version of each document last read, so an unchanged document is not read again. */
  private readonly read = new Map<string, number>();
  /** Documents that someone turned from tcpdump to another language: left as they are. */
  private readonly chosen = new Set<string>();
  /** Documents offered the notice (once per document). */
  private readonly offered = new Set<string>();
  /** Untitled documents whose notice was answered "don't ask again" (files are kept in the memento). */
  private readonly silenced = new Set<string>();
  /** Documents that might be tcpdump text but were not shown: offered once they are. */
  private readonly pending = new Set<string>();
  /** Documents closed in this moment, with their language: opened again, their language changed. */
  private readonly justClosed = new Map<string, string>();

  /** The setting, read when it changes rather than on every edit. */
  private enabled = settingOn();
  /** Files whose notice was answered "don't ask again", newest last (kept in the memento). */
  private readonly neverAsked: Set<string>;

  constructor(private readonly memento: vscode.Memento) {
    this.neverAsked = new Set(memento.get<string[]>(DONT_ASK_KEY, []));
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.opened(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.closed(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const ed of editors) if (this.pending.has(ed.document.uri.toString())) void this.offer(ed.document);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('tcpTrace.detectLanguage')) return;
        this.enabled = settingOn();
        if (!this.enabled) return;
        this.read.clear();
        for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
      }),
    );
    for (const doc of vscode.workspace.textDocuments) this.opened(doc);
  }

  private opened(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    // A language change closes the document and opens it again in the same moment.
    const was = this.justClosed.get(key);
    if (was !== undefined) {
      this.justClosed.delete(key);
      // Only this module changes a language to tcpdump and never away from it: any other change
      // to a plain language was someone's choice.
      if (doc.languageId !== 'tcpdump' && was !== doc.languageId) {
        this.chosen.add(key);
        return;
      }
    } else {
      // A new document, perhaps under an untitled name used before.
      this.forget(key, doc.isUntitled);
    }
    this.schedule(doc, 0);
  }

  private closed(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    this.cancel(key);
    this.justClosed.set(key, doc.languageId);
    // Not opened again at once: really closed.
    setTimeout(() => {
      if (this.justClosed.get(key) !== doc.languageId) return;
      this.justClosed.delete(key);
      this.forget(key, doc.isUntitled);
    }, 0);
  }

  /** Forgets what is known of a document, except a file's notice (asked once a session). */
  private forget(key: string, untitled: boolean): void {
    this.read.delete(key);
    this.chosen.delete(key);
    this.pending.delete(key);
    if (untitled) {
      this.offered.delete(key);
      this.silenced.delete(key);
    }
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    if (!e.contentChanges.length || !this.candidate(e.document)) return;
    // Only edits among the lines that are read can change what the document looks like.
    if (!e.contentChanges.some((c) => c.range.start.line < SAMPLE_LINES)) return;
    this.schedule(e.document, DELAY_MS);
  }

  /** A document whose language may be changed. */
  private candidate(doc: vscode.TextDocument): boolean {
    const key = doc.uri.toString();
    return PLAIN_LANGUAGES.has(doc.languageId) && SCHEMES.has(doc.uri.scheme) && !this.chosen.has(key) && !this.dontAsk(key) && this.enabled;
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (!this.candidate(doc)) return;
    const key = doc.uri.toString();
    this.cancel(key);
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.check(doc);
    }, delay));
  }

  private cancel(key: string): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(key);
  }

  private check(doc: vscode.TextDocument): void {
    if (doc.isClosed || !this.candidate(doc)) return;
    const key = doc.uri.toString();
    if (this.read.get(key) === doc.version) return;
    this.read.set(key, doc.version);
    let s: Sniffed;
    try {
      s = sniff(sampleOf(doc));
    } catch (e) {
      log(`Could not read the start of ${doc.uri.toString(true)}: ${String(e)}`);
      return;
    }
    if (s.verdict === 'tcpdump') {
      this.pending.delete(key);
      log(`${doc.uri.toString(true)} looks like tcpdump output (${s.packets} TCP packets in ${s.lines} lines read): opened as tcpdump.`);
      void this.setLanguage(doc);
    } else if (s.verdict === 'maybe' && !this.offered.has(key)) {
      // Only a document someone sees gets the notice.
      if (vscode.window.visibleTextEditors.some((ed) => ed.document === doc)) void this.offer(doc);
      else this.pending.add(key);
    }
  }

  private async setLanguage(doc: vscode.TextDocument): Promise<void> {
    try {
      await vscode.languages.setTextDocumentLanguage(doc, 'tcpdump');
    } catch (e) {
      log(`Could not open ${doc.uri.toString(true)} as tcpdump: ${String(e)}`);
    }
  }

  private async offer(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    this.pending.delete(key);
    if (this.offered.has(key)) return;
    this.offered.add(key);
    const open = t('Open as tcpdump');
    const never = t("Don't ask again for this file");
    const pick = await vscode.window.showInformationMessage(t('This looks like tcpdump output. Open it as TCP trace?'), open, never);
    if (pick === never) {
      await this.neverAsk(key);
      return;
    }
    if (pick !== open) return;
    // The document may have been closed, or changed language, since the notice was shown.
    const now = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (now && now.languageId !== 'tcpdump') await this.setLanguage(now);
  }

  private dontAsk(key: string): boolean {
    return this.silenced.has(key) || this.neverAsked.has(key);
  }

  private async neverAsk(key: string): Promise<void> {
    // An untitled document is left alone while it is open; a file, from now on.
    if (key.startsWith('untitled:')) {
      this.silenced.add(key);
      return;
    }
    this.neverAsked.delete(key);
    this.neverAsked.add(key);
    for (const k of this.neverAsked) {
      if (this.neverAsked.size <= DONT_ASK_MAX) break;
      this.neverAsked.delete(k);
    }
    await this.memento.update(DONT_ASK_KEY, [...this.neverAsked]);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
  }
}
