// Opens pcap and pcapng files as read-only tcpdump text. A custom editor registered for
// *.pcap, *.pcapng and *.cap takes the place of VS Code's "binary file" notice: it opens the
// capture's text (a virtual document on the tcpdump-pcap: scheme, printed by src/pcap the way
// `tcpdump -nn -r` prints it) in its own place and closes itself, so every feature that works
// on tcpdump text works on the capture. Captures too large to hold as text are offered to
// "TCP: Analyze Capture File…", which streams them into the Connections view instead.

import * as vscode from 'vscode';
import { isCapture, PcapPrinter, type PcapSummary } from '../pcap';
import { t } from './l10n';

export const PCAP_SCHEME = 'tcpdump-pcap';
export const PCAP_VIEW_TYPE = 'tcpTrace.pcap';

/** Above this size a capture is offered to the Connections view before being opened as text. */
const LARGE_BYTES = 50 * 1024 * 1024;

/** The text document of a capture: its path plus ".tcpdump" (which gives the language), the file in the query. */
export function textUriFor(file: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: PCAP_SCHEME, path: `${file.path}.tcpdump`, query: file.toString() });
}

/** The capture file a tcpdump-pcap document prints. */
export function fileOf(textUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.parse(textUri.query, true);
}

function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() || uri.toString();
}

const yieldToHost = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Prints a capture's bytes, a megabyte at a time, letting the extension host breathe between. */
export async function captureText(bytes: Uint8Array): Promise<{ text: string; summary: PcapSummary }> {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  const printer = new PcapPrinter({ onData: (b) => parts.push(decoder.decode(b)), chunkSize: 1 << 20 });
  const step = 1 << 20;
  for (let i = 0; i < bytes.length; i += step) {
    printer.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
    if (i + step < bytes.length) await yieldToHost();
  }
  const summary = printer.finish();
  return { text: parts.join(''), summary };
}

class CaptureTextProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = fileOf(uri);
    const bytes = await vscode.workspace.fs.readFile(file);
    if (!isCapture(bytes)) return `[tcp-trace: ${baseName(file)} is not a pcap or pcapng capture]\n`;
    const { text, summary } = await captureText(bytes);
    if (summary.problemCount) {
      const first = summary.problems[0];
      void vscode.window.showWarningMessage(
        summary.problemCount === 1
          ? t('{0}: a problem reading the capture, at byte {1}: {2}. The rest was read.', baseName(file), first.offset, first.message)
          : t('{0}: {1} problems reading the capture; the first, at byte {2}: {3}. The rest was read.', baseName(file), summary.problemCount, first.offset, first.message),
      );
    }
    return text;
  }
}

class CaptureEditorProvider implements vscode.CustomReadonlyEditorProvider {
  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const file = document.uri;
    const name = baseName(file);
    panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeHtml(t('Opening {0} as tcpdump text…', name))}</p></body></html>`;
    const column = panel.viewColumn;
    try {
      const size = (await vscode.workspace.fs.stat(file)).size;
      if (size > LARGE_BYTES) {
        const asText = t('Open as tcpdump Text');
        const analyze = t('Analyze in the Connections View');
        const pick = await vscode.window.showInformationMessage(
          t('{0} is {1} MB; as text it would be about twice that. Analyze it in the Connections view instead (it streams), or open it as text?', name, Math.round(size / 1048576)),
          analyze,
          asText,
        );
        if (pick !== asText) {
          panel.dispose();
          if (pick === analyze) await vscode.commands.executeCommand('tcpTrace.analyzeFile', file);
          return;
        }
      }
      const doc = await vscode.workspace.openTextDocument(textUriFor(file));
      const text = doc.languageId === 'tcpdump' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'tcpdump');
      await vscode.window.showTextDocument(text, { viewColumn: column, preview: false });
    } catch (e) {
      void vscode.window.showErrorMessage(t('Could not open {0}: {1}', name, e instanceof Error ? e.message : String(e)));
    }
    panel.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The text provider for tcpdump-pcap: documents and the custom editor for capture files. */
export function registerCaptureDocuments(): vscode.Disposable[] {
  return [
    vscode.workspace.registerTextDocumentContentProvider(PCAP_SCHEME, new CaptureTextProvider()),
    vscode.window.registerCustomEditorProvider(PCAP_VIEW_TYPE, new CaptureEditorProvider(), { supportsMultipleEditorsPerDocument: true }),
  ];
}
