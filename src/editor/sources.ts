// The sources the Connections view can show: open tcpdump documents, large documents read
// from disk, and files analysed with "Analyze Capture File…", which stay until closed.
// "TCP: Choose Source…" lists them and shows one; "TCP: Close Source" closes one (a file
// leaves the list; a document's editor tabs close, as closing them by hand would).
import * as vscode from 'vscode';
import type { Services } from './commands';
import { connectionsText, documentName, packetsText } from './describe';
import { sourceKindText, type Source, type SourceKind } from './documents';
import { sameSource, type SourceKey } from './tree';
import { t } from './l10n';

/** A source as the test API reports it. */
export interface SourceInfo {
  uri: string;
  kind: SourceKind;
  name: string;
  /** Whether the tree shows it now. */
  shown: boolean;
  packets?: number;
  connections?: number;
}

export function sourceList(s: Services): SourceInfo[] {
  const shown = s.tree.shownSource;
  return s.store.sources().map((src) => ({
    uri: src.uri.toString(),
    kind: src.kind,
    name: documentName(src.uri),
    shown: sameSource(src, shown),
    packets: src.trace?.packetCount,
    connections: src.trace?.connections.length,
  }));
}

function summary(src: Source): string {
  if (src.progress !== undefined) return t('analyzing, {0}%', Math.floor(src.progress * 100));
  if (!src.trace) return t('analyzing');
  return `${packetsText(src.trace.packetCount)} · ${connectionsText(src.trace.connections.length)}`;
}

/** The tabs that show a document. */
function tabsOf(uri: vscode.Uri): vscode.Tab[] {
  const key = uri.toString();
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
}

/** A source named by a command's arguments (a uri, as a string or Uri, and a kind), or the one shown. */
function named(s: Services, uri: unknown, kind: unknown): Source | undefined {
  const all = s.store.sources();
  if (uri === undefined) {
    const shown = s.tree.shownSource;
    return shown && all.find((src) => sameSource(src, shown));
  }
  const key = uri instanceof vscode.Uri ? uri.toString() : String(uri);
  return all.find((src) => src.uri.toString() === key && (kind === undefined || src.kind === kind));
}

/** Shows a source: a document in its editor (the tree follows), a file in the tree. */
async function open(s: Services, src: SourceKey): Promise<void> {
  if (src.kind === 'document') {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === src.uri.toString());
    if (doc) await vscode.window.showTextDocument(doc, { preview: false });
  } else if (src.kind === 'large') await vscode.commands.executeCommand('vscode.open', src.uri);
  s.tree.show({ uri: src.uri, kind: src.kind });
  await vscode.commands.executeCommand('tcpTrace.connections.focus');
}

/** Lists the sources in a quick pick; the chosen one is shown, and each has a close button. */
export async function chooseSource(s: Services, uri?: unknown, kind?: unknown): Promise<SourceInfo[]> {
  if (uri !== undefined) {
    const src = named(s, uri, kind);
    if (src) await open(s, src);
    return sourceList(s);
  }
  type Item = vscode.QuickPickItem & { source: Source };
  const close: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('close'), tooltip: t('Close this source') };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = t('Sources of the Connections View');
  pick.placeholder = t('Choose the document or file the Connections view shows');
  const fill = () => {
    const shown = s.tree.shownSource;
    pick.items = s.store.sources().map((src) => ({
      label: `$(${src.kind === 'file' ? 'folder-opened' : 'file'}) ${documentName(src.uri)}`,
      description: [sameSource(src, shown) ? t('shown') : '', sourceKindText(src.kind), summary(src)].filter(Boolean).join(' · '),
      // Where it is: relative to the workspace when it lies inside.
      detail: vscode.workspace.asRelativePath(src.uri),
      buttons: [close],
      source: src,
    }));
    pick.activeItems = pick.items.filter((i) => sameSource(i.source, shown));
    if (!pick.items.length) pick.placeholder = t('No sources: open a tcpdump document, or analyze a capture file');
  };
  fill();
  const chosen = await new Promise<Source | undefined>((resolve) => {
    pick.onDidTriggerItemButton(async (e) => {
      await closeOne(s, e.item.source);
      fill();
    });
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.source));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (chosen) await open(s, chosen);
  return sourceList(s);
}

async function closeOne(s: Services, src: Source): Promise<void> {
  if (src.kind === 'file') s.store.forget(src.uri, 'file');
  else await vscode.window.tabGroups.close(tabsOf(src.uri));
}

/** Closes a source: the one named by the arguments, or the one the tree shows. */
export async function closeSource(s: Services, uri?: unknown, kind?: unknown): Promise<SourceInfo[]> {
  // From the tree's source row (its inline button), the argument is the row: the source shown.
  const src = named(s, typeof uri === 'string' || uri instanceof vscode.Uri ? uri : undefined, kind);
  if (src) await closeOne(s, src);
  else void vscode.window.showInformationMessage(t('No source to close.'));
  return sourceList(s);
}
