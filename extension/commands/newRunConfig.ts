/** MoE Lens: New Run Config — a small config from the template, in the workspace root. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { runConfigTemplateText } from '../config/template';
import { safeSegment } from '../runs/runFolders';

export async function newRunConfig(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const name = await vscode.window.showInputBox({
    title: 'MoE Lens: New Run Config',
    prompt: 'Run name (the file is <name>.moe.json)',
    value: 'my-moe',
    validateInput: (value) => {
      if (safeSegment(value) !== value) return 'Use letters, digits, ".", "_", "+" and "-" only.';
      if (folder && existsSync(join(folder.uri.fsPath, `${value}.moe.json`)))
        return `${value}.moe.json exists already.`;
      return undefined;
    },
  });
  if (!name) return;
  if (!folder) {
    // No folder to write into: an untitled editor the user can save anywhere.
    const document = await vscode.workspace.openTextDocument({
      language: 'json',
      content: runConfigTemplateText(name),
    });
    await vscode.window.showTextDocument(document);
    return;
  }
  const file = join(folder.uri.fsPath, `${name}.moe.json`);
  writeFileSync(file, runConfigTemplateText(name), { flag: 'wx' });
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}
