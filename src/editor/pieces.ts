// Where a packet's text is in the document: its lines, or, on a line that holds several
// packets (text glued when a page lost its line breaks), its own columns of that line.
import * as vscode from 'vscode';
import type { Trace } from '../trace/model';
import { pieceRanges } from '../trace/repair';

/** The packets on line `line` (1-based): the first's index and how many; count 0 for none. */
function onLine(trace: Trace, line: number): { first: number; count: number } {
  const first = trace.packetAtLine(line);
  if (first < 0) return { first, count: 0 };
  const at = trace.packet(first).line;
  let count = 1;
  while (first + count < trace.packetCount && trace.packet(first + count).line === at) count++;
  return { first, count };
}

/** The packet under a position: on a glued line, the one whose text the column is in. */
export function packetAtPosition(trace: Trace, doc: vscode.TextDocument, pos: vscode.Position): number {
  const { first, count } = onLine(trace, pos.line + 1);
  if (count < 2) return first;
  const ranges = pieceRanges(doc.lineAt(pos.line).text);
  // The pieces as the document shows them must be the packets read from the line.
  if (ranges.length !== count) return first;
  let k = 0;
  while (k + 1 < count && pos.character >= ranges[k + 1][0]) k++;
  return first + k;
}

/** The range of a packet's text: its lines, or its piece of a glued line. */
export function packetRange(trace: Trace, doc: vscode.TextDocument, index: number): vscode.Range {
  const p = trace.packet(index);
  const endLine = Math.min(doc.lineCount - 1, p.line - 1);
  const whole = new vscode.Range(new vscode.Position(Math.min(p.headerLine - 1, endLine), 0), doc.lineAt(endLine).range.end);
  if (p.headerLine !== p.line) return whole;
  const { first, count } = onLine(trace, p.line);
  if (count < 2) return whole;
  const ranges = pieceRanges(doc.lineAt(endLine).text);
  if (ranges.length !== count) return whole;
  const [s, e] = ranges[index - first];
  return new vscode.Range(endLine, s, endLine, e);
}
