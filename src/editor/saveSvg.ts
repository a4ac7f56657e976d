// Saves the Graphs tab's drawing (an SVG the webview made) to a file the user picks. The trace's
// own document, or any open document, is never written: a save dialog pointed at one is refused.
import * as vscode from 'vscode';
import { t } from './l10n';

/** A file name from the webview, kept to letters, digits and a few marks. */
const safeName = (name: string) => name.replace(/[^\w.-]+/g, '-').replace(/^[-.]+/, '').slice(0, 120) || 'graphs';

export async function saveGraphsSvg(svg: string, name: string, trace: vscode.Uri | undefined, dest?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const file = `${safeName(name).replace(/\.svg$/i, '')}.svg`;
  const folder = trace && trace.scheme === 'file' ? vscode.Uri.joinPath(trace, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const target =
    dest ??
    (await vscode.window.showSaveDialog({
      title: t('Export graphs as SVG'),
      saveLabel: t('Save'),
      defaultUri: folder ? vscode.Uri.joinPath(folder, file) : undefined,
      filters: { [t('SVG image')]: ['svg'] },
    }));
  if (!target) return undefined;
  const same = (u: vscode.Uri) => u.toString() === target.toString();
  if ((trace && same(trace)) || vscode.workspace.textDocuments.some((d) => same(d.uri))) {
    void vscode.window.showErrorMessage(t('{0} is open in the editor; the graphs were not saved over it. Choose another file.', target.path.split('/').pop() ?? ''));
    return undefined;
  }
  try {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(svg));
    void vscode.window.setStatusBarMessage(t('Graphs saved to {0}', target.path.split('/').pop() ?? ''), 5000);
    return target;
  } catch (e) {
    void vscode.window.showErrorMessage(t('Could not save {0}: {1}', target.path.split('/').pop() ?? '', e instanceof Error ? e.message : String(e)));
    return undefined;
  }
}
