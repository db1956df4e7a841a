/** What the commands work with. */
import type * as vscode from 'vscode';
import type { RunManager } from '../runs/runManager';
import type { RunStore } from '../runs/runStore';

export interface Services {
  context: vscode.ExtensionContext;
  store: RunStore;
  manager: RunManager;
  log: vscode.LogOutputChannel;
}
