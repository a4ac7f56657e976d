// The assistants' tools (src/tools/traceTools.ts) as VS Code language model tools, which chat
// assistants call on the user's behalf. A call names a trace by path or URI, or takes the one
// the Connections view shows (else the active tcpdump editor's); lines in the answers are
// links to the document. Read only: a file not open is analysed from disk, as "Analyze Capture
// File…" does, and joins the view's sources.
import * as vscode from 'vscode';
import type { Trace } from '../trace/model';
import { findTool, ToolInputError, toolInput, TRACE_TOOLS, type ToolInput } from '../tools/traceTools';
import type { Services } from './commands';
import { documentName } from './describe';
import { isTraceDocument } from './documents';
import { language, t } from './l10n';

/** How long a call waits for a document's first analysis. */
const WAIT_MS = 120_000;

export function registerLanguageModelTools(s: Services): vscode.Disposable[] {
  // Hosts without the API (older or trimmed builds) simply have no tools.
  if (typeof vscode.lm?.registerTool !== 'function') return [];
  return TRACE_TOOLS.map((tool) =>
    vscode.lm.registerTool<unknown>(tool.name, {
      prepareInvocation(options) {
        const uri = safeUri(options.input);
        return { invocationMessage: uri ? t('Reading the TCP trace {0}', documentName(uri)) : t('Reading the TCP trace') };
      },
      async invoke(options, token) {
        const text = await answer(s, tool.name, options.input, token);
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
      },
    }),
  );
}

/** One call's answer; a mistake in the input is an answer too, which the model can act on. */
export async function answer(s: Services, name: string, args: unknown, token?: vscode.CancellationToken): Promise<string> {
  const tool = findTool(name);
  if (!tool) throw new Error(`no tool named ${name}`);
  let input: ToolInput;
  try {
    input = toolInput(args);
    const { uri, trace } = await traceFor(s, input, token);
    const cite = (line: number) => `[line ${line}](${uri.with({ fragment: `L${line}` }).toString()})`;
    return tool.run(trace, input, { cite, lang: language() });
  } catch (e) {
    if (e instanceof ToolInputError) return `Error: ${e.message}`;
    throw e;
  }
}

/** The uri a call names, or undefined (the input may not parse yet: prepareInvocation is shown first). */
function safeUri(args: unknown): vscode.Uri | undefined {
  try {
    const file = toolInput(args).file;
    return file ? toUri(file) : undefined;
  } catch {
    return undefined;
  }
}

/** A path (absolute, or relative to the first workspace folder) or a URI with a scheme. */
function toUri(file: string): vscode.Uri {
  if (/^[a-zA-Z][\w+.-]+:/.test(file) && !/^[a-zA-Z]:[\\/]/.test(file)) return vscode.Uri.parse(file, true);
  if (file.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(file) || file.startsWith('\\\\')) return vscode.Uri.file(file);
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!root) throw new ToolInputError(`${file} is a relative path and no folder is open: give an absolute path`);
  return vscode.Uri.joinPath(root, file);
}

async function traceFor(s: Services, input: ToolInput, token?: vscode.CancellationToken): Promise<{ uri: vscode.Uri; trace: Trace }> {
  if (input.file) {
    const uri = toUri(input.file);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc && isTraceDocument(doc)) return { uri, trace: await documentTrace(s, doc, token) };
    const kept = s.store.get(uri);
    if (kept && s.store.kindOf(uri) !== 'document') return { uri, trace: kept };
    let stat: vscode.FileStat;
    try {
      stat = await vscode.workspace.fs.stat(uri);
    } catch {
      throw new ToolInputError(`no such file: ${input.file}`);
    }
    if (!(stat.type & vscode.FileType.File)) throw new ToolInputError(`${input.file} is not a file: give the path of a tcpdump text file or a pcap/pcapng capture`);
    return { uri, trace: await s.store.analyzeFile(uri, 'file', token) };
  }
  const shown = s.tree.shownSource;
  if (shown) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === shown.uri.toString());
    if (shown.kind === 'document' && doc) return { uri: shown.uri, trace: await documentTrace(s, doc, token) };
    const trace = s.store.traceOf(shown.uri, shown.kind) ?? (await waitFor(s, shown.uri, token));
    return { uri: shown.uri, trace };
  }
  const active = vscode.window.activeTextEditor?.document;
  if (active && isTraceDocument(active)) return { uri: active.uri, trace: await documentTrace(s, active, token) };
  throw new ToolInputError('no TCP trace is open in the editor: give the path of a tcpdump text file or a pcap/pcapng capture as file');
}

/** The document's trace, waiting for its first analysis when it has none yet. */
async function documentTrace(s: Services, doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<Trace> {
  return s.store.ensure(doc) ?? waitFor(s, doc.uri, token);
}

function waitFor(s: Services, uri: vscode.Uri, token?: vscode.CancellationToken): Promise<Trace> {
  return new Promise((resolve, reject) => {
    const done = (f: () => void) => {
      listener.dispose();
      cancel?.dispose();
      clearTimeout(timer);
      f();
    };
    const listener = s.store.onDidChange((changed) => {
      const trace = changed.toString() === uri.toString() ? s.store.get(uri) : undefined;
      if (trace) done(() => resolve(trace));
    });
    const cancel = token?.onCancellationRequested(() => done(() => reject(new vscode.CancellationError())));
    const timer = setTimeout(() => done(() => reject(new Error(`the analysis of ${documentName(uri)} did not finish in time`))), WAIT_MS);
  });
}
