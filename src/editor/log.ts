// One output channel for the extension's own messages (analysis failures and the like).
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function log(message: string): void {
  channel ??= vscode.window.createOutputChannel('TCP Trace Inspector', { log: true });
  channel.info(message);
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}
