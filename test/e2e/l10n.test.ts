// With tcpTrace.language at Chinese, no English is left in the Connections view, the hovers,
// the diagnostics, the panel or its handshake view. English that belongs there stays: TCP's
// own names in capitals (SYN, ESTABLISHED, RTT, MSS, Zeek's REJ), tcpdump's field and option
// names, units, and what the trace itself says (addresses, history letters, the file's name).
// The same check with the setting at English must find English in every view, so it can fail.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Trace } from '../../src/trace/model';
import { activateExtension, TestApi, hoverText, runCommand, sleep, waitFor } from './util';

/**
 * tcpdump's words as it prints them (Flags, fields, options, `[none]`, `incorrect`, `In`/`Out`, `[snip]`), units,
 * names (tcpdump, Zeek, Mermaid, AccECN, a Xmas scan, a TFO cookie, a shell prompt, `ss -tan`) and
 * Zeek's field names.
 */
const KEEP = new Set([
  'seq', 'ack', 'win', 'len', 'length', 'options', 'mss', 'wscale', 'sackOK', 'sack', 'val', 'ecr', 'nop', 'eol', 'tfo',
  'Flags', 'none', 'cksum', 'urg', 'md5', 'mptcp', 'incorrect', 'In', 'Out', 'snip', 'ms', 'kB', 'MB', 'GB',
  'tcpdump', 'Zeek', 'Mermaid', 'AccECN', 'Xmas', 'cookie', 'shell', 'ss', 'tan', 'conn_state', 'history',
  // The graphs' two views are named after a tool and an author (tcptrace, W. Richard Stevens); Home is a key.
  'tcptrace', 'Stevens', 'Home',
  // Names in the performance figures: tshark (whose ack_rtt the RTT figures follow), Nagle's algorithm; rate units.
  'tshark', 'Nagle', 'bit', 'kbit', 'Mbit', 'Gbit',
]);
const HAN = /\p{Script=Han}/u;

interface Area {
  name: string;
  texts: string[];
}

/** The English words left in a text once the trace's own words and the allowed ones are taken out. */
function english(text: string, traceWords: readonly string[]): string[] {
  let s = text
    .replace(/\]\(command:[^)]*\)/g, ']') // a link's target
    .replace(/\$\([a-z-]+\)/g, ' '); // a codicon
  for (const w of traceWords) s = s.split(w).join(' ');
  const words = s.match(/[A-Za-z][A-Za-z0-9'_]*/g) ?? [];
  // Capitals are TCP's and Zeek's names (SYN, TIME_WAIT, RTT, REJ); one letter is a history
  // letter or a variable (a:b, 2^n); a word with digits is a code (S0, p95, md5).
  return words.filter((w) => !/^[A-Z0-9_]+$/.test(w) && w.length > 1 && !/\d/.test(w) && !KEEP.has(w));
}

describe('One language everywhere: tcpTrace.language', function () {
  this.timeout(90_000);
  let doc: vscode.TextDocument;
  let api: TestApi;
  let trace: Trace;
  let traceWords: string[];
  const setting = () => vscode.workspace.getConfiguration('tcpTrace');

  before(async function () {
    const files = await vscode.workspace.findFiles('sample.tcpdump');
    doc = await vscode.workspace.openTextDocument(files[0]);
    await vscode.window.showTextDocument(doc);
    api = await activateExtension();
    trace = await waitFor('trace of the sample', () => api.traceFor(doc.uri), 15_000);
    // The document's own path and name (the source row's tooltip shows it), then the trace's words.
    traceWords = [doc.uri.fsPath, doc.uri.path, 'sample.tcpdump', ...trace.connections.flatMap((c) => [c.client, c.server, c.history])].sort((a, b) => b.length - a.length);
  });

  after(async function () {
    await setting().update('language', undefined, vscode.ConfigurationTarget.Global);
    await runCommand('workbench.action.closeAllEditors');
  });

  async function showLine(line: number): Promise<void> {
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    const pos = new vscode.Position(line - 1, 0);
    editor.selection = new vscode.Selection(pos, pos);
    await sleep(400);
  }

  /** Every text each view shows for the sample, once the views speak `chinese` or not. */
  async function collect(chinese: boolean): Promise<Area[]> {
    const speaks = (s: string) => HAN.test(s) === chinese;
    await runCommand('workbench.view.extension.tcpTrace');
    await vscode.window.showTextDocument(doc);
    // The Handshake group under each connection says when the tree has changed language.
    const handshakeGroup = chinese ? '握手' : 'Handshake';
    const tree = await waitFor('the tree in the language', () => {
      const texts = api.treeTexts();
      return texts.includes(handshakeGroup) ? texts : undefined;
    }, 15_000);

    const hovers: string[] = [];
    for (let line = 1; line <= doc.lineCount; line++) {
      const text = doc.lineAt(line - 1).text;
      const cols = [text.indexOf('Flags') + 1];
      // On the first line, every word tcpdump prints that a hover explains.
      if (line === 1) for (const w of ['[S]', 'seq', 'win', 'options', 'mss', 'sackOK', 'TS', 'val', 'ecr', 'nop', 'wscale', 'length']) cols.push(text.indexOf(w) + 1);
      for (const col of cols.filter((c) => c > 0)) {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line - 1, col));
        hovers.push(hoverText(h ?? []));
      }
    }
    assert.ok(hovers.filter(Boolean).length >= doc.lineCount, 'a hover on every packet line');

    const diagnostics = await waitFor('diagnostics in the language', () => {
      const list = vscode.languages.getDiagnostics(doc.uri).map((d) => d.message);
      return list.length && list.every(speaks) ? list : undefined;
    }, 15_000);

    // The panel: the handshake view of a connection, then the diagram along a connection with a reset.
    const panel: string[] = [];
    const reset = trace.connections.find((c) => c.connState.startsWith('RST')) ?? trace.connections[0];
    const handshaken = trace.connections.find((c) => c.handshake.complete)!;
    const model = () => api.panelModel() as { strings: Record<string, string>; connection: { outcome: string; summary: string } | null; message: string | null;
      diagram: { explanation: string; clientStateText: string; serverStateText: string } | null; ladder: { rows: Array<{ label: string; events: string[] }> };
      handshake: { steps: Array<{ name: string; checks: Array<{ text: string }> }>; options: Array<Record<string, string>>; rtt: string | null; retransmissions: string[]; notes: string[] } | null; mode: string } | undefined;
    const panelTexts = () => {
      const m = model()!;
      const words = Object.entries(m.strings).filter(([k]) => k !== 'htmlLang').map(([, v]) => v);
      const out = [...words, m.message ?? ''];
      if (m.connection) out.push(m.connection.outcome, m.connection.summary);
      if (m.diagram) out.push(m.diagram.explanation, m.diagram.clientStateText, m.diagram.serverStateText);
      for (const r of m.ladder.rows) out.push(r.label, ...r.events);
      return out.filter(Boolean);
    };
    await showLine(handshaken.handshake.synLine!);
    await runCommand('tcpTrace.showHandshake');
    const hs = await waitFor('the handshake view in the language', () => {
      const m = model();
      return m?.mode === 'handshake' && m.handshake && speaks(m.strings.client) ? m.handshake : undefined;
    }, 15_000);
    const handshake = [...hs.steps.flatMap((s) => s.checks.map((c) => c.text)), ...hs.options.flatMap((o) => Object.values(o)), hs.rtt ?? '', ...hs.retransmissions, ...hs.notes].filter(Boolean);
    panel.push(...panelTexts());
    for (let line = reset.firstLine; line <= reset.lastLine; line++) {
      await showLine(line);
      await runCommand('tcpTrace.showStateDiagram');
      await waitFor('the diagram', () => model()?.mode === 'diagram' && model()?.diagram, 10_000);
      panel.push(...panelTexts());
    }
    return [
      { name: 'tree', texts: tree },
      { name: 'hover', texts: hovers },
      { name: 'diagnostics', texts: diagnostics },
      { name: 'panel', texts: panel },
      { name: 'handshake view', texts: handshake },
    ];
  }

  it('at English, the check finds English in every view (so it can fail)', async function () {
    await setting().update('language', 'en', vscode.ConfigurationTarget.Global);
    for (const area of await collect(false)) {
      const found = area.texts.flatMap((s) => english(s, traceWords));
      assert.ok(found.length > 0, `no English found in the ${area.name}: ${area.texts.join(' | ').slice(0, 500)}`);
    }
  });

  it('at Chinese, no English is left in the tree, hovers, diagnostics, panel or handshake view', async function () {
    await setting().update('language', 'zh', vscode.ConfigurationTarget.Global);
    // Each English word once, with where it was first seen.
    const left = new Map<string, string>();
    for (const area of await collect(true)) {
      assert.ok(area.texts.length > 0, `the ${area.name} shows something`);
      for (const s of area.texts) {
        for (const w of english(s, traceWords)) {
          if (!left.has(w)) left.set(w, `${area.name}: ${JSON.stringify(s.slice(Math.max(0, s.indexOf(w) - 40), s.indexOf(w) + 40))}`);
        }
      }
    }
    assert.deepStrictEqual([...left].map(([w, where]) => `${w} (${where})`), []);
  });
});
