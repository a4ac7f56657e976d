// Reads the extension's settings in one place, so features never spell setting names.
import * as vscode from 'vscode';
import type { TraceOptions } from '../trace/model';
import { langOf, setLanguage, type Lang } from './l10n';
import type { SlowThresholds } from './limits';

export const DIAGNOSTIC_KINDS = [
  'reset',
  'refused',
  'unansweredSyn',
  'halfOpenFlood',
  'closeWaitLeak',
  'retransmission',
  'zeroWindow',
  'stall',
  'limit',
  'slowRtt',
  'parseProblems',
  'repairs',
] as const;
export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[number];

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('tcpTrace');
}

/** tcpTrace.diagnostics.filter: a filter expression, or '' for every connection. */
export function diagnosticsFilter(): string {
  return (section().get<string>('diagnostics.filter', '') ?? '').trim();
}

/** The language of everything the extension shows: the setting, or VS Code's display language at 'auto'. */
export function displayLanguage(): Lang {
  const setting = section().get<string>('language', 'auto');
  if (setting === 'en' || setting === 'zh') return setting;
  return langOf(vscode.env.language);
}

const languageChanged = new vscode.EventEmitter<void>();
/** Fires after a change of tcpTrace.language has changed the language t() speaks: views redraw their words. */
export const onDidChangeLanguage = languageChanged.event;

/** Keeps t()'s language on the setting from activation on. */
export function followLanguageSetting(): vscode.Disposable {
  setLanguage(displayLanguage());
  const sub = vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('tcpTrace.language')) return;
    setLanguage(displayLanguage());
    languageChanged.fire();
  });
  return vscode.Disposable.from(sub, languageChanged);
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

/** When a stall, a verdict or a round trip gets a Problems-panel entry (and Next Problem stops at a stall). */
export function slowThresholds(): SlowThresholds {
  const s = section();
  const number = (key: string, fallback: number) => {
    const v = s.get<number>(key, fallback);
    return typeof v === 'number' && v >= 0 ? v : fallback;
  };
  return {
    stallMs: number('diagnostics.stallMs', 200),
    limitPercent: number('diagnostics.limitPercent', 50),
    rttMs: number('diagnostics.rttMs', 300),
  };
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
