// Reads the extension's settings in one place, so features never spell setting names.
import * as vscode from 'vscode';
import type { TraceOptions } from './trace/model';

export type Lang = 'en' | 'zh';

export const DIAGNOSTIC_KINDS = [
  'reset',
  'refused',
  'unansweredSyn',
  'halfOpenFlood',
  'closeWaitLeak',
  'retransmission',
  'zeroWindow',
  'parseProblems',
  'repairs',
] as const;
export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[number];

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('tcpTrace');
}

/** The language for explanations: the setting, or VS Code's display language when 'auto'. */
/** tcpTrace.diagnostics.filter: a filter expression, or '' for every connection. */
export function diagnosticsFilter(): string {
  return (section().get<string>('diagnostics.filter', '') ?? '').trim();
}

export function explanationLang(): Lang {
  const setting = section().get<string>('language', 'auto');
  if (setting === 'en' || setting === 'zh') return setting;
  return vscode.env.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function traceOptions(): TraceOptions {
  const s = section();
  return {
    timeWaitSeconds: Math.max(0, s.get<number>('timeWaitSeconds', 60)),
    floodThreshold: Math.max(1, s.get<number>('halfOpenFloodThreshold', 50)),
  };
}

export function diagnosticEnabled(kind: DiagnosticKind): boolean {
  return section().get<boolean>(`diagnostics.${kind}`, true);
}

/** Documents at least this big (in characters) are analysed in a worker thread. */
export function workerThreshold(): number {
  return Math.max(0, section().get<number>('workerThresholdKB', 512)) * 1024;
}

export function debounceMs(): number {
  return Math.max(0, section().get<number>('analysisDelayMs', 300));
}

export function codeLensEnabled(): boolean {
  return section().get<boolean>('codeLens', true);
}

/** True when a change to these settings should re-run the analysis (not just re-render). */
export function affectsAnalysis(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('tcpTrace.timeWaitSeconds') || e.affectsConfiguration('tcpTrace.halfOpenFloodThreshold');
}
