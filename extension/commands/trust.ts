/** Starting a run executes code (the trainer): only in a trusted workspace. */
import * as vscode from 'vscode';

export const UNTRUSTED_MESSAGE = 'MoE Lens: starting a run executes the trainer; trust this workspace to enable it.';

/** True in a trusted workspace; otherwise explains, offers to manage trust, and returns false. */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
