// The example captures the TCP tour (the walkthrough) teaches with: real loopback captures
// shipped in examples/ (see examples/README.md). "TCP: Open Example…" opens one as a read-only
// tcpdump document on the tcpdump-example: scheme, read through vscode.workspace.fs from the
// extension's own folder, so it works in the web build too and never writes into the workspace.

import * as vscode from 'vscode';
import { t } from './l10n';

export const EXAMPLE_SCHEME = 'tcpdump-example';
export const WALKTHROUGH_ID = 'tcp-trace-inspector.tcp-trace-inspector#tcpTour';

export interface Example {
  /** The file examples/<id>.tcpdump, and the argument of tcpTrace.openExample. */
  id: string;
  title: () => string;
  detail: () => string;
}

export const EXAMPLES: Example[] = [
  { id: 'client-close', title: () => t('Handshake, data and four-way teardown'), detail: () => t('The client closes first and ends in TIME_WAIT') },
  { id: 'close-wait-leak', title: () => t('A CLOSE_WAIT leak'), detail: () => t('The server never closes its end after the client\'s FIN') },
  { id: 'half-close', title: () => t('Half-close'), detail: () => t('The client shuts down sending; the server goes on sending') },
  { id: 'rst-client', title: () => t('A reset (RST)'), detail: () => t('The client aborts an established connection') },
  { id: 'refused', title: () => t('A refused connection'), detail: () => t('SYN to a port nobody listens on, answered by RST,ACK') },
  { id: 'syn-flood', title: () => t('A SYN flood and SYN,ACK backoff'), detail: () => t('60 half-open connections; SYN,ACK retransmitted 1, 2, 4 and 8 s apart') },
  { id: 'simultaneous-open', title: () => t('Simultaneous open'), detail: () => t('Both ends send a SYN at once') },
  { id: 'simultaneous-close', title: () => t('Simultaneous close (CLOSING)'), detail: () => t('Both ends send a FIN at once') },
  { id: 'retransmission', title: () => t('Retransmission'), detail: () => t('A lost segment, duplicate ACKs and a fast retransmission') },
];

/** The read-only document of an example: tcpdump-example:/<id>.tcpdump (the extension gives the language). */
export function exampleUri(id: string): vscode.Uri {
  return vscode.Uri.from({ scheme: EXAMPLE_SCHEME, path: `/${id}.tcpdump` });
}

function exampleFile(extensionUri: vscode.Uri, uri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'examples', uri.path.split('/').pop() ?? '');
}

class ExampleProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(exampleFile(this.extensionUri, uri)));
  }
}

export function registerExamples(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(EXAMPLE_SCHEME, new ExampleProvider(extensionUri));
}

/**
 * Opens an example, chosen from a quick pick when no id is given; `line` (1-based) puts the
 * cursor on the line a lesson starts with.
 */
export async function openExample(id?: unknown, line?: unknown): Promise<vscode.TextDocument | undefined> {
  let example = EXAMPLES.find((e) => e.id === id);
  if (id !== undefined && !example) {
    void vscode.window.showErrorMessage(t('There is no example called {0}.', String(id)));
    return undefined;
  }
  if (!example) {
    const pick = await vscode.window.showQuickPick(
      EXAMPLES.map((e) => ({ label: e.title(), description: `${e.id}.tcpdump`, detail: e.detail(), example: e })),
      { placeHolder: t('Open an example capture (real loopback traffic, read-only)'), matchOnDescription: true, matchOnDetail: true },
    );
    if (!pick) return undefined;
    example = pick.example;
  }
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(exampleUri(example.id));
  } catch (e) {
    void vscode.window.showErrorMessage(t('Could not open the example {0}: {1}', example.id, e instanceof Error ? e.message : String(e)));
    return undefined;
  }
  if (doc.languageId !== 'tcpdump') doc = await vscode.languages.setTextDocumentLanguage(doc, 'tcpdump');
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (typeof line === 'number' && line >= 1 && line <= doc.lineCount) {
    const pos = new vscode.Position(line - 1, 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  return doc;
}

/** Opens the TCP tour (the walkthrough) on its first lesson. */
export async function openTour(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false);
}
